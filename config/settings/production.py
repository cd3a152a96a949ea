"""Production: every secret and address must come from the environment, or the process stops."""

import os

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# Set but blank counts as missing: docker compose passes a variable left empty in .env (as
# .env.example has them) as "", which would otherwise surface as an obscure error further on.
for _name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "ALLOWED_HOSTS"):
    if _name in os.environ and not os.environ[_name].strip():
        raise ImproperlyConfigured(f"Set the {_name} environment variable")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set the ALLOWED_HOSTS environment variable")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The health checks and the metrics answer over plain HTTP: the container's own check
# (scripts/healthcheck), a load balancer and a Prometheus scraper call them on the app's port,
# behind the TLS proxy (/metrics still wants the scrape token or a staff session).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Browser policy headers ---------------------------------------------------------
# Inserted right after SecurityMiddleware, so every answer gets them, including one that a later
# middleware writes itself (the 400 for a NUL in the address, an error page).
_SECURITY = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")  # noqa: F405
MIDDLEWARE = [
    *MIDDLEWARE[: _SECURITY + 1],  # noqa: F405
    "csp.middleware.CSPMiddleware",
    "common.middleware.PermissionsPolicyMiddleware",
    *MIDDLEWARE[_SECURITY + 1 :],  # noqa: F405
]

# Every script and style comes from the app's own static files: no inline <script>, no on*=
# handler, no style="" attribute in the pages (a script may still set element.style). NONCE is
# a slot, not a grant: django-csp writes a nonce into the header only on an answer whose
# template asked for one, which only the API docs page does, for the few lines that start
# Swagger UI with this site's schema (templates/drf_spectacular/swagger_ui.html); every other
# page gets plain `script-src 'self'`. Images may be data: URIs (Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Powerful browser features the portal never uses, refused to the site and to anything it embeds.
# common.middleware.PermissionsPolicyMiddleware writes them as `feature=()`.
PERMISSIONS_POLICY = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)

# Staff approve reinstatements: a password alone does not sign them in (django-otp; see accounts).
STAFF_REQUIRE_2FA = env.bool("STAFF_REQUIRE_2FA", default=True)

# Behind the TLS proxy every connection comes from the proxy: count failed sign-ins by the client
# address it appends to X-Forwarded-For (the right-most entry, which a client cannot forge), or
# one person's wrong passwords would lock everyone out.
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_CLIENT_ADDRESS_HEADERS", default=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
)
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=1)
AXES_IPWARE_PROXY_ORDER = "right-most"
