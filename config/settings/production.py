"""Production: every secret and address must come from the environment, or the process stops."""

import os

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
