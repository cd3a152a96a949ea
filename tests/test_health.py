"""GET /healthz checks the database and the broker."""

import pytest

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "status": "ok"}


def test_broker_down_is_a_503_naming_it(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "failing: broker"


def test_a_broker_that_accepts_but_never_answers_is_unavailable_not_a_hang(settings):
    """A frozen Redis accepts TCP connections and then says nothing. The probe runs in a
    thread so that, were it to hang, the test fails instead of hanging the suite."""
    import socket
    import threading

    from config import health

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
    answers: list[bool] = []
    probe = threading.Thread(target=lambda: answers.append(health._broker_ok()), daemon=True)
    probe.start()
    probe.join(timeout=30)
    silent.close()
    assert answers == [False], "the health probe hung on a silent broker"
