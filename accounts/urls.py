from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import passwords, views
from common.pages import post_only

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Signing out is a POST (the button in the navigation); a GET there leads to the dashboard.
    path("logout/", post_only("dashboard")(auth_views.LogoutView.as_view()), name="logout"),
    path("account/verify/", views.second_factor_verify, name="second-factor-verify"),
    path("account/authenticator/", views.authenticator, name="authenticator"),
    path("account/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("account/password/", passwords.PasswordChangeView.as_view(), name="password-change"),
    path("account/password/changed/", passwords.PasswordChangedView.as_view(), name="password-changed"),
    path("account/password/reset/", passwords.PasswordResetView.as_view(), name="password-reset"),
    path(
        "account/password/reset/sent/", passwords.PasswordResetSentView.as_view(), name="password-reset-sent"
    ),
    path(
        "account/password/reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "account/password/reset/done/",
        passwords.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("account/api-keys/", views.api_key_list, name="api-keys"),
    path("account/api-keys/revoke-all/", views.api_keys_revoke_all, name="api-keys-revoke-all"),
    path("account/api-keys/<str:token_key>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
