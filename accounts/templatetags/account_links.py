"""Links drawn when an email is written, never stored: a password reset link, an invitation link."""

from django import template
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.invitation_tokens import invitation_token_make

register = template.Library()


@register.simple_tag
def password_reset_url(user) -> str:  # type: ignore[no-untyped-def]
    """A link that sets a new password for `user` once: it stops working when the password
    changes, and after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password-reset-confirm", kwargs={"uidb64": uid, "token": token})


@register.simple_tag
def organization_invitation_url(invitation) -> str:  # type: ignore[no-untyped-def]
    """The link that accepts `invitation`: it works until the invitation expires, is revoked or is
    accepted once (accounts.services.invitation_accept decides)."""
    token = invitation_token_make(invitation_id=invitation.pk, email=invitation.email)
    return settings.SITE_URL + reverse("invitation-accept", kwargs={"token": token})
