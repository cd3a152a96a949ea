"""`manage.py loadscale --serials 1000000`: the scale dataset of issue 13, on top of loaddemo."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relicensing.scale import scale_load


class Command(BaseCommand):
    help = (
        "Register N serials over several customers and both demo vendors through the import path, "
        "with holds, flags, disputes and requests. Idempotent; run loaddemo first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--serials", type=int, default=1_000_000, help="how many serials (default 1,000,000)"
        )
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (not for production)."
        )

    def handle(self, *args: object, serials: int, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like production: users with the published demo "
                "password would be created. Re-run with --force if that is really what you want."
            )
        if serials < 1:
            raise CommandError("--serials must be at least 1.")
        started = time.monotonic()
        try:
            added = scale_load(serials=serials, progress=self._progress(started))
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{name} {count:,}" for name, count in added.items())
        self.stdout.write(
            self.style.SUCCESS(f"Scale data for {serials:,} serials in place; added: {summary}.")
        )

    def _progress(self, started: float):  # type: ignore[no-untyped-def]
        def write(message: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:7.1f} s] {message}")
            self.stdout.flush()

        return write
