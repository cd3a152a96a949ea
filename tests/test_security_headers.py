"""Browser policy headers under the production settings (issue 12, Deliver 6): every answer, a page,
the API and the API docs, carries a Content-Security-Policy that allows no inline script and no
inline style, and a Permissions-Policy refusing the powerful features; the templates hold no
inline code such a policy would refuse; a 403 or 404 is logged as one info line, no traceback.

The policies are production's own: the production settings module is imported as it is (the test
settings have already set the variables it requires) and its middleware and policies applied."""

import importlib
import logging
import re
from pathlib import Path

import pytest
from django.test import override_settings

from config.logs import ClientRefusalQuiet
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]

# Directive by directive: django-csp writes them in no fixed order.
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)


def policy(response) -> dict[str, list[str]]:
    directives = [directive.split() for directive in response["Content-Security-Policy"].split("; ")]
    return {name: sources for name, *sources in directives}


def production_policies() -> override_settings:
    production = importlib.import_module("config.settings.production")
    return override_settings(
        MIDDLEWARE=production.MIDDLEWARE,
        CONTENT_SECURITY_POLICY=production.CONTENT_SECURITY_POLICY,
        PERMISSIONS_POLICY=production.PERMISSIONS_POLICY,
    )


@pytest.fixture
def production():
    with production_policies():
        yield


def test_a_page_carries_both_policies(production, client, customer):
    client.force_login(customer)
    response = client.get("/")
    assert response.status_code == 200
    assert policy(response) == POLICY
    assert response["Permissions-Policy"] == PERMISSIONS


def test_the_sign_in_page_and_an_unknown_address_carry_them_too(production, client):
    for address, status in (("/login/", 200), ("/no-such-page/", 404)):
        response = client.get(address)
        assert response.status_code == status, address
        assert policy(response) == POLICY, address
        assert response["Permissions-Policy"] == PERMISSIONS, address


def test_the_api_carries_both_policies(production, api_as, customer):
    VendorFactory(name="Juniper")
    response = api_as(customer).get("/api/v1/vendors/")
    assert response.status_code == 200
    assert policy(response) == POLICY
    assert response["Permissions-Policy"] == PERMISSIONS
    refused = api_as(None).get("/api/v1/vendors/")
    assert refused.status_code == 401
    assert policy(refused) == POLICY


def test_the_docs_page_runs_only_its_own_nonced_start_up_script(production, client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    script_src = policy(response)["script-src"]
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9+/]{22}==)'", script_src[-1])
    assert nonce, script_src
    assert policy(response) == {**POLICY, "script-src": ["'self'", f"'nonce-{nonce[1]}'"]}
    assert response["Permissions-Policy"] == PERMISSIONS
    page = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    inline = [attributes for attributes in scripts if "src=" not in attributes]
    assert inline == [f' nonce="{nonce[1]}"'], scripts
    assert "<style" not in page
    assert 'href="/static/css/api_docs.css"' in page


def test_two_answers_never_share_a_nonce(production, client):
    policies = {client.get("/api/v1/docs/")["Content-Security-Policy"] for _ in range(2)}
    assert len(policies) == 2


def test_without_the_setting_no_permissions_policy_is_sent(client):
    with override_settings(
        MIDDLEWARE=importlib.import_module("config.settings.production").MIDDLEWARE, PERMISSIONS_POLICY=()
    ):
        response = client.get("/login/")
    assert "Permissions-Policy" not in response


# --- the pages hold nothing the policy refuses --------------------------------------------------
# Emails are read in a mail client and PDFs rendered by WeasyPrint, not served under the policy.
NOT_SERVED = ("notices/", "contracts/quote_pdf.html", "contracts/welcome_kit_pdf.html")


def served_templates() -> list[tuple[str, str]]:
    root = REPO / "templates"
    found = []
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if not name.startswith(NOT_SERVED):
            found.append((name, path.read_text()))
    return found


def test_no_template_holds_an_inline_script_or_event_handler():
    offending = []
    for name, text in served_templates():
        for attributes in re.findall(r"<script\b([^>]*)>", text):
            if "src=" not in attributes and "nonce=" not in attributes:
                offending.append((name, "<script>"))
        offending += [(name, handler) for handler in re.findall(r"\son[a-z]+\s*=", text)]
        offending += [(name, "javascript:") for _ in re.findall(r"javascript:", text, re.IGNORECASE)]
    assert offending == []


def test_no_template_holds_an_inline_style():
    offending = []
    for name, text in served_templates():
        if "<style" in text:
            offending.append((name, "<style>"))
        offending += [(name, "style attribute") for _ in re.findall(r"\sstyle\s*=", text)]
    assert offending == []


# --- 403 and 404 in the log ---------------------------------------------------------------------
QUIETED = ("django.request", "django_structlog.middlewares.request")


@pytest.fixture
def refusals_quiet():
    """The filter as LOGGING puts it, on Django's request logger and django-structlog's."""
    quiet = ClientRefusalQuiet()
    for name in QUIETED:
        logging.getLogger(name).addFilter(quiet)
    yield
    for name in QUIETED:
        logging.getLogger(name).removeFilter(quiet)


def request_records(caplog) -> list[tuple[str, str, int]]:
    """(logger, level, status) of each line about a finished or refused request."""
    lines = []
    for record in caplog.records:
        if record.name == "django.request":
            lines.append(("django", record.levelname, record.status_code))
        elif record.name == QUIETED[1] and record.msg["event"] == "request_finished":
            assert record.msg["level"] == record.levelname.lower()
            lines.append(("structlog", record.levelname, record.msg["code"]))
    return lines


def test_a_403_and_a_404_are_info_lines_without_a_traceback(refusals_quiet, caplog, client, api_as, customer):
    client.force_login(customer)
    with caplog.at_level(logging.INFO):
        assert client.get("/staff/holds/").status_code == 403  # a page raising PermissionDenied
        assert client.get("/no-such-page/").status_code == 404  # Http404 from the resolver
        assert api_as(customer).get("/api/v1/requests/999999/").status_code == 404  # DRF's answer
    # Django's line comes before or after django-structlog's, as the answer was made: not ordered.
    assert sorted(request_records(caplog)) == [
        ("django", "INFO", 403),
        ("django", "INFO", 404),
        ("django", "INFO", 404),
        ("structlog", "INFO", 403),
        ("structlog", "INFO", 404),
        ("structlog", "INFO", 404),
    ]
    assert all(record.exc_info is None and record.exc_text is None for record in caplog.records)
    assert "Traceback" not in caplog.text


def test_a_refusal_is_dropped_where_the_logger_stops_at_warnings(refusals_quiet, caplog, client):
    """As with the test settings' root at WARNING: the console handler itself has no level, so an
    info line let through by the filter would still be printed."""
    levels = {name: logging.getLogger(name).level for name in QUIETED}
    for name in QUIETED:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        assert client.get("/no-such-page/").status_code == 404
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    assert caplog.handler.level == logging.NOTSET
    assert request_records(caplog) == []


def test_other_client_errors_stay_warnings(refusals_quiet, caplog, client):
    with caplog.at_level(logging.INFO):
        assert client.get("/api/v1/vendors/").status_code == 401
    assert sorted(request_records(caplog)) == [("django", "WARNING", 401), ("structlog", "WARNING", 401)]


def test_the_settings_log_a_404_at_info_without_a_traceback(client, customer, caplog):
    """The wiring in config/settings/base.py LOGGING (the filter itself is tested above)."""
    import logging

    caplog.set_level(logging.INFO, logger="django.request")
    client.force_login(customer)
    assert client.get("/no-such-page/").status_code == 404
    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert refusals and all(r.levelno == logging.INFO and r.exc_info is None for r in refusals)
