"""Forms: signing in, on the page and in the admin, with the staff second factor; an organisation's
people (inviting, accepting an invitation) and staff's organisations and partnerships."""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.contrib.auth.validators import UnicodeUsernameValidator

from accounts.choices import OrganizationKind
from accounts.models import Organization
from accounts.second_factor import OTP_INVALID, OTP_REQUIRED, second_factor_match, second_factor_required
from accounts.services import INVITATION_ROLES


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


# --- an organisation's people -----------------------------------------------------------------
class InvitationForm(forms.Form):
    """An administrator asks a person to join; the operator's people are inspectors or staff."""

    email = forms.EmailField(label="Email of the person to invite", max_length=254)
    role = forms.ChoiceField(label="Role", required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = INVITATION_ROLES[OrganizationKind(organization.kind)]
        if len(roles) == 1:
            del self.fields["role"]  # the organisation's kind decides it
        else:
            self.fields["role"].choices = [(role.value, role.label) for role in roles]
            self.fields["role"].required = True


class InvitationAcceptForm(forms.Form):
    """The invitee chooses the user name and password they sign in with."""

    username = forms.CharField(
        label="User name",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="What you sign in with: letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="The same password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("password1")
            and cleaned.get("password2")
            and cleaned["password1"] != cleaned["password2"]
        ):
            self.add_error("password2", "The two passwords differ; type the same one twice.")
        return cleaned


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=OrganizationKind.choices)


class PartnershipForm(forms.Form):
    """For a partner: a customer it starts serving; for a customer: a partner that starts serving it."""

    other = forms.ModelChoiceField(queryset=Organization.objects.none())

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["other"]
        if organization.kind == OrganizationKind.PARTNER:
            field.label = "Customer it serves"
            field.queryset = Organization.objects.filter(kind=OrganizationKind.CUSTOMER).exclude(
                partners=organization
            )
        else:
            field.label = "Partner that serves it"
            field.queryset = Organization.objects.filter(kind=OrganizationKind.PARTNER).exclude(
                customers=organization
            )
        field.queryset = field.queryset.order_by("name")
