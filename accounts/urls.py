from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views
from common.pages import post_only

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Signing out is a POST (the button in the navigation); a GET there leads to the dashboard.
    path("logout/", post_only("dashboard")(auth_views.LogoutView.as_view()), name="logout"),
]
