"""Development on a workstation: debug on, demo-friendly defaults for everything but the services."""

import os
from pathlib import Path

import environ

# While `scripts/run` has embedded services up, it records their addresses here, so a
# plain `./manage.py shell` in another terminal reaches the same database and broker.
environ.Env.read_env(Path(__file__).resolve().parents[2] / "var" / "services.env")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "local-development-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
os.environ.setdefault("EMAIL_URL", "consolemail://")

from .base import *  # noqa: E402, F403
