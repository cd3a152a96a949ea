"""Never a 500 on any input: schemathesis generates requests from the OpenAPI schema for every
operation and sends them to the app, signed in as programme staff (who reach the most)."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.models import User


def load_schema():  # type: ignore[no-untyped-def]
    """The schema the app serves, generated in-process (loading it over WSGI at collection
    time would touch the database before pytest-django allows it)."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = WSGIHandler()
    return loaded


schema = load_schema()


@pytest.fixture
def keep_test_connection():
    """A real WSGI handler closes the database connection after each request; the test's
    transaction lives on that connection, so (as Django's test client does) keep it open."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(db, settings, keep_test_connection):
    from django.core.management import call_command
    from knox.models import AuthToken

    settings.DEBUG = True
    call_command("loaddemo")
    settings.DEBUG = False
    return AuthToken.objects.create(user=User.objects.get(username="staff"))[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_a_server_error(case, staff_token):
    case.call_and_validate(headers={"Authorization": f"Token {staff_token}"}, checks=[not_a_server_error])
