"""Links drawn when an email is written, never stored: a password reset link."""

from django import template
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

register = template.Library()


@register.simple_tag
def password_reset_url(user) -> str:  # type: ignore[no-untyped-def]
    """A link that sets a new password for `user` once: it stops working when the password
    changes, and after PASSWORD_RESET_TIMEOUT."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password-reset-confirm", kwargs={"uidb64": uid, "token": token})
