"""The `Relicensing-Signature` header: HMAC-SHA256 of "<unix seconds>.<body>" under each secret in
force (Stripe's scheme: during a rotation's overlap one v1 for the new secret and one for the old)."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable

HEADER = "Relicensing-Signature"
SECRET_PREFIX = "whsec_"  # noqa: S105  (a label, not a secret)


def secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_hex(32)


def signature_compute(*, secret: str, timestamp: int, body: str) -> str:
    message = f"{timestamp}.{body}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secrets_in_force: Iterable[str], timestamp: int, body: str) -> str:
    """`t=<unix seconds>,v1=<hex>[,v1=<hex>]`: a receiver accepts if any v1 matches its secret."""
    parts = [f"t={timestamp}"]
    parts += [f"v1={signature_compute(secret=s, timestamp=timestamp, body=body)}" for s in secrets_in_force]
    return ",".join(parts)


def signature_verify(*, header: str, secret: str, body: str, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (the API documentation shows the same in a few lines): the timestamp
    within `tolerance` seconds of now (a replayed old delivery is refused), and a v1 matching."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in fields if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = signature_compute(secret=secret, timestamp=int(stamps[0]), body=body)
    return any(hmac.compare_digest(expected, value) for key, value in fields if key == "v1")


VERIFICATION_EXAMPLE = """
Each delivery is a POST with a JSON body `{"id", "type", "created_at", "data"}` (`data`: the object
as this API returns it at the time of the event) and the header

    Relicensing-Signature: t=1767225600,v1=6bbc2e217ae6cc30ea42c1a53abb4f941db79f555ead79ec4c6a5023a4688659

`v1` is the hex HMAC-SHA256, under your endpoint's secret, of the timestamp, a dot and the raw body
(the example is the secret `whsec_example` and the body `{}`, to check your code against).
After a secret rotation, for 24 hours, a second `v1` is signed with the old secret. Answer 2xx
within 5 seconds; anything else is retried with growing delays for a day. The same `id` may arrive
twice (a re-send, a retry after a lost answer): treat it once. Verifying in Python:

```python
import hashlib, hmac, time

def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    fields = [part.split("=", 1) for part in header.split(",")]
    timestamp = next(value for key, value in fields if key == "t")
    if abs(time.time() - int(timestamp)) > tolerance:
        return False  # too old: a replay
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in fields if key == "v1")
```
"""
