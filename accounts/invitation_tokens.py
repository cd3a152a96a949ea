"""The link in an invitation email: the invitation's id and address, signed with the site's secret.

Nothing secret is stored: the signature proves the link came from us, and the invitation row says
whether it still works (not expired, not revoked, not yet accepted), so a link ends the moment its
row does."""

from django.core import signing

SALT = "accounts.invitation"


def invitation_token_make(*, invitation_id: int, email: str) -> str:
    return signing.dumps({"i": invitation_id, "e": email.lower()}, salt=SALT, compress=True)


def invitation_token_read(*, token: str) -> tuple[int, str] | None:
    """(invitation id, address) from a link we signed; None for anything else."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("i"), int)
        or not isinstance(payload.get("e"), str)
    ):
        return None
    return payload["i"], payload["e"]
