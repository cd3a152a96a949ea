"""GET /healthz: the process answers (liveness; no database, no broker, so a slow dependency never
gets a live web process restarted). GET /readyz: the database and the broker answer and no
migration is unapplied (readiness: send it traffic). 200, or 503 naming what failed."""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection


def _database_ok() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        options = {"socket_connect_timeout": 2, "socket_timeout": 2}  # a frozen broker is a 503, not a hang
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2, transport_options=options) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def unapplied_migrations() -> list[str]:
    """Migrations on disk the database has not applied ("app.0012_name"), in the order they would run."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


# Outside ATOMIC_REQUESTS' transaction: opening one would connect to the database, and readiness
# must answer 503 (not a server error) when the database is away.
@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    body = {"database": "ok" if database else "unavailable"}
    body["broker"] = "ok" if _broker_ok() else "unavailable"
    if not database:
        body["migrations"] = "unknown"  # read from the database
    else:
        try:
            unapplied = unapplied_migrations()
        except Exception:
            body["migrations"] = "unknown"
        else:
            body["migrations"] = "ok" if not unapplied else "unapplied: " + ", ".join(unapplied)
    failed = [name for name, answer in body.items() if answer != "ok"]
    body["status"] = "ok" if not failed else "failing: " + ", ".join(failed)
    return JsonResponse(body, status=503 if failed else 200)
