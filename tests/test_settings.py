"""Production settings refuse to start without their configuration, naming what is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPLETE = {
    "SECRET_KEY": "x" * 60,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/relicensing",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp://mail.example.com:587",
    "ALLOWED_HOSTS": "relicensing.example.com",
}


def start_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in COMPLETE and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_starts_with_everything_set():
    result = start_production(COMPLETE)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(COMPLETE))
def test_production_refuses_to_start_without(missing):
    result = start_production({k: v for k, v in COMPLETE.items() if k != missing})
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_asks_staff_for_a_second_factor_and_counts_clients_behind_the_proxy():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.STAFF_REQUIRE_2FA, s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.AXES_IPWARE_PROXY_COUNT, "
        "s.AXES_IPWARE_PROXY_ORDER)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in COMPLETE and k != "DEBUG"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **COMPLETE, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "True ['HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR'] 1 right-most"
    )


@pytest.mark.parametrize("module", ["config.settings.production", "config.settings.local"])
def test_webhooks_reach_loopback_only_under_the_test_settings(module):
    clean = {k: v for k, v in os.environ.items() if k not in COMPLETE and k != "DEBUG"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; print(s.WEBHOOKS_ALLOW_LOOPBACK)",
        ],
        cwd=ROOT,
        env={**clean, **COMPLETE, "DJANGO_SETTINGS_MODULE": module},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_the_planner_prices_random_reads_as_on_ssd(db):
    # config/settings/base.py: each connection sets random_page_cost (PG_RANDOM_PAGE_COST, 1.1).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone() == ("1.1",)
