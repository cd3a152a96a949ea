"""`manage.py loaddemo`: the demo data of API.md, safe to run any number of times."""

from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

# Order matters: the price book refers to the catalog, which the people do not.
DEMO_MODULES = ["accounts.demo", "relicensing.demo", "contracts.demo"]


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
            for module in DEMO_MODULES:
                import_module(module).load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded (password for every demo user: see README)."))
