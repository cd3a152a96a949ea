"""Pages: signing in. (Each role's dashboard is portal.views.dashboard.)"""

from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
