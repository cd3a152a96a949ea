"""Forms: signing in, on the page and in the admin, with the staff second factor."""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts.second_factor import OTP_INVALID, OTP_REQUIRED, second_factor_match, second_factor_required


class SecondFactorMixin(forms.Form):
    """After the password: staff's one-time code, when STAFF_REQUIRE_2FA is on."""

    otp = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()  # type: ignore[attr-defined]
        if user is not None and second_factor_required(user=user):
            code = cleaned.get("otp") or ""
            if not code:
                raise forms.ValidationError(OTP_REQUIRED, code="otp_required")
            device = second_factor_match(user=user, code=code)
            if device is None:
                raise forms.ValidationError(OTP_INVALID, code="otp_invalid")
            # django-otp marks the session verified with this device when the login completes.
            user.otp_device = device
        return cleaned


class SignInForm(SecondFactorMixin, AuthenticationForm):
    pass


class AdminSignInForm(SecondFactorMixin, AdminAuthenticationForm):
    pass


class AuthenticatorConfirmForm(forms.Form):
    """The first code the new authenticator app shows: proof it was set up before it counts."""

    code = forms.CharField(
        label="Code from the new app",
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SecondFactorVerifyForm(forms.Form):
    """A signed-in session that has not given a second factor yet gives one here."""

    otp = SecondFactorMixin.base_fields["otp"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.device: Any = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code = cleaned.get("otp") or ""
        if not code:
            raise forms.ValidationError(OTP_REQUIRED, code="otp_required")
        self.device = second_factor_match(user=self.user, code=code)
        if self.device is None:
            raise forms.ValidationError(OTP_INVALID, code="otp_invalid")
        return cleaned
