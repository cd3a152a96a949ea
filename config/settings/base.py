"""Settings shared by every environment; everything that differs comes from the environment."""

import datetime as dt
import logging
from pathlib import Path

import environ

from common import schedule
from config import logs

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Postgres prices a random page read at four sequential ones by default, as on spinning disks; on
# SSD, or with the working set in memory, 1.1 is the usual setting. At 4, a partner's page of 51
# requests was planned as a read of every request and a sort, not 51 rows off its index.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = (
    f"-c random_page_cost={env.float('PG_RANDOM_PAGE_COST', default=1.1)} {_options.get('options', '')}".strip()
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")

EMAIL_CONFIG = env.email_url("EMAIL_URL")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Relicensing programme <noreply@relicensing.example>")
EMAIL_TIMEOUT = 10

INSTALLED_APPS = [
    # pghistory's admin templates (an "Events" button on every tracked record) before the admin's.
    "pghistory.admin",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "django_countries",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_ratelimit",
    "django_prometheus",
    "django_structlog",
    "pgtrigger",
    "pghistory",
    "common",
    "accounts",
    "relicensing",
    "inspections",
    "contracts",
    "notices",
    "webhooks",
    "portal",
    "insights",
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "common.middleware.NulRefusedMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session signed in with a second factor.
    "django_otp.middleware.OTPMiddleware",
    # Who changed the programme's rules: the signed-in user (set again when the API authenticates
    # a token) and the URL, on every history row a write in this request leaves (common/history.py).
    "pghistory.middleware.HistoryMiddleware",
    # One request id per request, with the user and organisation, on every log line (and carried
    # into the tasks the request enqueues).
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.ErrorPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in on a page into its lockout page.
    "axes.middleware.AxesMiddleware",
]

# One cache for every process (Redis): counters such as the password-reset limits must be shared by
# all web workers, or each would allow its own share.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": "relicensing-cache",
    },
    # Each process's own memory, for what may differ between workers for a minute: the estimated
    # counts of long lists (common.paging) and the catalogue the pages' filters and the dashboard
    # name (relicensing.selectors.catalogue_kept).
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "process-local",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
# django-ratelimit (password reset) counts clients by the address django-axes reads (see
# accounts/passwords.py), so RATELIMIT_IP_META_KEY is not used. Its W001 names the backends it
# tests against; Django's own Redis backend gives it the atomic INCR it relies on.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# A password reset link works once (it ends when the password changes) and for two hours.
PASSWORD_RESET_TIMEOUT = 2 * 60 * 60

# Who changed the programme's rules (common/history.py) is read on writes only: reading the user on
# a GET would read the session, and every page would answer "Vary: Cookie" (uncacheable).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# django-axes first: every sign-in (the page, the admin, the API's token endpoint) is counted and
# refused while its account or its address is locked out, before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.PasswordBackend",
]
# Five wrong passwords lock the account (from anywhere) and, separately, the address (for any
# account) for 15 minutes; a correct sign-in clears the account's count. The counting is axes' own
# (its database handler updates the attempt row in place).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# The page and the admin answer 429 with a page that says when to try again (and Retry-After).
AXES_LOCKOUT_CALLABLE = "accounts.views.signin_locked_out"
# Masked wherever axes logs or keeps a sign-in attempt; its log lines name only the username and
# address (not verbose: no start-up banner on every process either).
AXES_SENSITIVE_PARAMETERS = ["password", "otp"]
AXES_VERBOSE = False
# The address counted is the connection's own unless a deployment names the header its proxy sets
# (e.g. HTTP_X_FORWARDED_FOR, with AXES_IPWARE_PROXY_COUNT): a header a client sends itself must
# not let it pose as a new address at each guess.
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list("AXES_CLIENT_ADDRESS_HEADERS", default=["REMOTE_ADDR"])
# Programme staff (who approve reinstatements) sign in with a second factor as well, on the page,
# in the admin and at the token endpoint (django-otp: an authenticator app, or a recovery code).
# On in production; off by default so the README's demo sign-ins work as documented.
STAFF_REQUIRE_2FA = env.bool("STAFF_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "Relicensing programme"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                # After `auth` (which the admin requires): `user` as the loaded object, not lazy.
                "accounts.context_processors.signed_in",
                "django.contrib.messages.context_processors.messages",
                "notices.context_processors.unread_notices",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with a WWW-Authenticate header. django-rest-knox:
        # keys stored hashed, each with its expiry, listed and revoked by their owner (checked
        # without reading the caller's other keys: accounts/authentication.py).
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON written by orjson, as DRF's encoder would write it (common.renderers); the browsable API
    # for a person in a browser, as DRF's default.
    "DEFAULT_RENDERER_CLASSES": [
        "common.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON with a depth limit first (400, not a RecursionError); forms and uploads as DRF's.
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["common.api.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}
# API keys (`Authorization: Token <key>`, as before) last 30 days, and end sooner when their
# owner revokes them or changes password (accounts.models.User.save).
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Relicensing programme API",
    "DESCRIPTION": "Partner-facing API, v1: catalog, equipment, requests, quotes, inspections "
    "and contracts. Authenticate with `Authorization: Token <key>` from /api/v1/auth/token/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `kind`; name each choice set after its noun in the schema.
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "accounts.choices.OrganizationKind",
        "SkuKindEnum": "contracts.choices.SkuKind",
        "RequestStatusEnum": "relicensing.choices.RequestStatus",
        "DocumentKindEnum": "relicensing.choices.DocumentKind",
        "QuoteStatusEnum": "contracts.choices.QuoteStatus",
        "RegistrationStatusEnum": "relicensing.choices.RegistrationStatus",
        "InspectionStatusEnum": "inspections.choices.InspectionStatus",
        "WebhookEventEnum": "webhooks.choices.WebhookEvent",
        "WebhookEndpointStatusEnum": "webhooks.choices.EndpointStatus",
        "WebhookDeliveryStatusEnum": "webhooks.choices.DeliveryStatus",
    },
}

# --- Celery -------------------------------------------------------------------
# At least once, effect once: a task is acknowledged after it ran (a worker killed mid-task leaves
# it to be delivered again) and every task is safe to run twice (services lock and re-check).
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A broker that accepts connections but does not answer (a frozen Redis) must not hang a web
    # request that publishes: give up after these seconds; the outbox sweep sends later.
    "socket_connect_timeout": 3,
    "socket_timeout": 5,
    # An unacknowledged task goes back to its queue after this long. It must outlast every task's
    # time limit and every retry countdown, or a slow task would be handed to a second worker
    # while the first still runs it (checked by common.checks). Nothing waits in the broker
    # longer than RETRY_BACKOFF_MAX: long delays live in the database and beat picks them up.
    "visibility_timeout": 60 * 60,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# With acks_late, a task running when the broker connection drops can no longer be acknowledged;
# it will be delivered again, so stop it rather than finish it twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Separate queues and workers (Procfile, docker-compose.yml): a 100,000-row import or a long sweep
# never delays a welcome notice. Anything not routed goes to the workflow queue.
CELERY_TASK_DEFAULT_QUEUE = schedule.WORKFLOW
CELERY_TASK_ROUTES = {
    "notices.tasks.notice_send": {"queue": schedule.NOTICES},
    # Posts that end in seconds, like emails: beside the notices, never behind an import or sweep.
    "webhooks.tasks.webhook_send": {"queue": schedule.NOTICES},
    "contracts.tasks.request_reinstate": {"queue": schedule.WORKFLOW},
    "relicensing.tasks.import_job_run": {"queue": schedule.IMPORTS},
    "relicensing.tasks.export_job_run": {"queue": schedule.IMPORTS},
    **{job.task: {"queue": schedule.SWEEPS} for job in schedule.PERIODIC_JOBS},
}
CELERY_BEAT_SCHEDULE = schedule.beat_schedule()

# --- Logging ------------------------------------------------------------------
# One line per event on stdout from every process (web, workers, beat), whether written through
# structlog or a plain `logging.getLogger(__name__)`, each with the request id, task id, user and
# organisation in effect (config.logs). JSON unless DEBUG is on (a workstation: scripts/run), where
# it reads as text; LOG_FORMAT=json|console says otherwise.
LOG_FORMAT = env("LOG_FORMAT", default=logs.CONSOLE if DEBUG else logs.JSON)
logs.structlog_configure()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": logs.formatter(LOG_FORMAT)},
    # A 403 or 404 is an answer, not an incident: info, without a traceback.
    "filters": {"client_refusal_quiet": {"()": "config.logs.ClientRefusalQuiet"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "structured"}
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's and gunicorn's loggers come with their own plain handlers (a gunicorn worker
        # loads Django after setting up its error and access logs): none, so each line reaches
        # the root's once. Celery leaves the root to this (config/celery_app.py).
        "django": {"handlers": [], "level": "NOTSET"},
        "gunicorn": {"handlers": []},
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_refusal_quiet"]},
        "django_structlog.middlewares.request": {"filters": ["client_refusal_quiet"]},
        # Celery's "Task ... succeeded in 0.01s" repeats django-structlog's task_succeeded.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- django-structlog ------------------------------------------------------------
# The request's context (request id, user, organisation) travels in the headers of every task it
# enqueues; the worker side is wired in config/celery_app.py.
DJANGO_STRUCTLOG_CELERY_ENABLED = True
# One line per request, request_finished (method, path, status, user); request_started at DEBUG.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG

# Absolute address of the site, for links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# Webhooks go only to public addresses (webhooks.transport). The test settings alone allow loopback
# (and plain http) for a receiver the tests start on 127.0.0.1; never local or production.
WEBHOOKS_ALLOW_LOOPBACK = False
METRICS_TOKEN = env("METRICS_TOKEN", default="")
