from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organisations"

    def ready(self) -> None:
        from django.contrib import admin

        from accounts.admin_site import ProgrammeAdminSite

        # django-otp's way of putting its check on the default site every app registers with.
        admin.site.__class__ = ProgrammeAdminSite
