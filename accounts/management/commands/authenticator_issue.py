"""`manage.py authenticator_issue <username> [--replace]`: a staff member's authenticator (TOTP)
and recovery codes, printed once, with a QR code to scan. Where STAFF_REQUIRE_2FA is on, staff
cannot sign in without one: this is how the first of them gets it."""

import io
from base64 import b32encode

import segno
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.second_factor import authenticator_issue


class Command(BaseCommand):
    help = "Issue a staff member's authenticator and recovery codes (printed once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="Replace an authenticator already set up.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user {options['username']!r}.") from exc
        try:
            device, codes = authenticator_issue(user=user, replace=bool(options["replace"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        qr = io.StringIO()
        segno.make(device.config_url, error="m").terminal(out=qr, compact=True)
        self.stdout.write(f"Authenticator for {user.username}: scan this with an authenticator app,")
        self.stdout.write(qr.getvalue())
        self.stdout.write(f"or enter the secret by hand: {b32encode(device.bin_key).decode()}")
        self.stdout.write("Recovery codes (each works once; keep them somewhere safe):")
        self.stdout.write("  " + "  ".join(codes))
