"""`manage.py loaddemo`: the demo data of API.md, safe to run any number of times."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import demo as accounts_demo
from contracts import demo as contracts_demo
from inspections import demo as inspections_demo
from relicensing import demo as relicensing_demo

# Order matters: the price book refers to the catalog; equipment to people and catalog. The
# command gathers from several apps, hence its place in the portal layer.
DEMO_LOADERS = [
    accounts_demo.load,
    relicensing_demo.load,
    contracts_demo.load,
    inspections_demo.load,
    relicensing_demo.load_equipment,
]


class Command(BaseCommand):
    help = "Load (or refresh) the demo organisations, users, catalog and price book."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (not for production)."
        )

    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off, so this looks like production: demo users with a published "
                "password would be created. Re-run with --force if that is really what you want."
            )
        with transaction.atomic():
            for load in DEMO_LOADERS:
                load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded (password for every demo user: see README)."))
        self.stdout.write(
            f"Staff authenticator secret (for STAFF_REQUIRE_2FA=true; add it to any TOTP app): "
            f"{accounts_demo.staff_totp_secret()}"
        )
