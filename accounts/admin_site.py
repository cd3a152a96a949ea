"""The admin site: the staff second factor on its sign-in form and for every admin page."""

from django.contrib import admin
from django.http import HttpRequest

from accounts.forms import AdminSignInForm
from accounts.second_factor import second_factor_required


class ProgrammeAdminSite(admin.AdminSite):
    login_form = AdminSignInForm
    login_template = "accounts/admin_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        # A session signed in with a password alone (before STAFF_REQUIRE_2FA was turned on, or
        # through another path) does not open the admin: it is sent to sign in with a code.
        if not super().has_permission(request):
            return False
        user = request.user
        return not second_factor_required(user=user) or user.is_verified()  # type: ignore[union-attr]
