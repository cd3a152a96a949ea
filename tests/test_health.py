"""GET /healthz: liveness, cheap and unauthenticated (no database, no broker). GET /readyz: the
database, the broker and the migrations; 200, or 503 naming what failed."""

import pytest
from django.db import connection, connections
from django.db.utils import OperationalError

from config import health

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database_or_the_broker(
    client, settings, django_assert_num_queries
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # the broker away: still alive
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_when_all_is_well(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "migrations": "ok", "status": "ok"}


def test_readyz_names_the_broker_when_it_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "broker": "unavailable",
        "migrations": "ok",
        "status": "failing: broker",
    }


def test_readyz_names_an_unapplied_migration(client):
    """The database forgets it applied the last notices migration (rolled back with the test)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'notices' ORDER BY name DESC LIMIT 1")
        (last,) = cursor.fetchone()
        cursor.execute("DELETE FROM django_migrations WHERE app = 'notices' AND name = %s", [last])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == f"unapplied: notices.{last}"
    assert response.json()["status"] == "failing: migrations"
    assert response.json()["database"] == "ok"


def test_readyz_names_the_database_when_it_is_down(client, monkeypatch):
    """Every query fails as it does when Postgres is away; the migrations cannot be read either."""

    def refused(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "database": "unavailable",
        "broker": "ok",
        "migrations": "unknown",
        "status": "failing: database, migrations",
    }


def test_a_broker_that_accepts_but_never_answers_is_unavailable_not_a_hang(settings):
    """A frozen Redis accepts TCP connections and then says nothing. The probe runs in a
    thread so that, were it to hang, the test fails instead of hanging the suite."""
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
    answers: list[bool] = []
    probe = threading.Thread(target=lambda: answers.append(health._broker_ok()), daemon=True)
    probe.start()
    probe.join(timeout=30)
    silent.close()
    assert answers == [False], "the readiness probe hung on a silent broker"
