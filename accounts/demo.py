"""Demo organisations and people (API.md, "Demo data"): idempotent."""

from base64 import b32encode

from django.contrib.auth.models import Group, Permission
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import OrganizationKind, Role
from accounts.models import Organization, Partnership, User

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published in README and API.md for the demo

# (name, kind, address, country, email, phone)
ORGANIZATIONS = [
    ("Acme Networks", OrganizationKind.CUSTOMER, "1 Network Way\nLeeds LS1 1AA", "GB",
     "it@acme.example", "+44 113 496 0000"),
    ("Borealis Data", OrganizationKind.CUSTOMER, "Datavägen 4\n111 22 Stockholm", "SE",
     "ops@borealis.example", "+46 8 555 012 00"),
    ("NetReseller", OrganizationKind.PARTNER, "12 Channel Street\nManchester M1 2AB", "GB",
     "quotes@netreseller.example", "+44 161 496 0123"),
    ("Polar Partners", OrganizationKind.PARTNER, "Aleksanterinkatu 9\n00100 Helsinki", "FI",
     "sales@polar.example", "+358 9 4245 0000"),
    ("Programme Operations", OrganizationKind.OPERATOR, "Vendor Park 1\nReading RG1 1AA", "GB",
     "programme@relicensing.example", "+44 118 496 0999"),
]  # fmt: skip
PARTNERSHIPS = [("NetReseller", "Acme Networks"), ("Polar Partners", "Borealis Data")]
# (username, first name, last name, organisation, role, organisation administrator)
USERS = [
    ("customer", "Casey", "Morgan", "Acme Networks", Role.CUSTOMER, True),
    ("customer2", "Kai", "Lindqvist", "Borealis Data", Role.CUSTOMER, True),
    ("partner", "Priya", "Natarajan", "NetReseller", Role.PARTNER, True),
    ("partner2", "Pekka", "Virtanen", "Polar Partners", Role.PARTNER, True),
    ("inspector", "Ines", "Duarte", "Programme Operations", Role.INSPECTOR, False),
    ("staff", "Sam", "Okafor", "Programme Operations", Role.STAFF, True),
]
STAFF_GROUP = "Programme staff"
DEMO_AUTHENTICATOR = "Demo authenticator"
STAFF_APPS = ["accounts", "relicensing", "inspections", "contracts", "notices", "knox"]


def load() -> None:
    organizations = {
        name: Organization.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "address": address, "country": country, "email": email, "phone": phone},
        )[0]
        for name, kind, address, country, email, phone in ORGANIZATIONS
    }
    for partner, customer in PARTNERSHIPS:
        Partnership.objects.get_or_create(partner=organizations[partner], customer=organizations[customer])
    staff_group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    staff_group.permissions.set(Permission.objects.filter(content_type__app_label__in=STAFF_APPS))
    for username, first, last, organization, role, is_admin in USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{organizations[organization].name.split()[0].lower()}.example",
                "organization": organizations[organization],
                "role": role,
                "is_staff": role == Role.STAFF,
                "is_organization_admin": is_admin,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        if role == Role.STAFF:
            user.groups.add(staff_group)
            # So the second factor can be tried (STAFF_REQUIRE_2FA=true): loaddemo prints its secret.
            TOTPDevice.objects.get_or_create(user=user, name=DEMO_AUTHENTICATOR, defaults={"confirmed": True})


def staff_totp_secret() -> str:
    """The demo staff user's authenticator secret, base32 as authenticator apps take it."""
    device = TOTPDevice.objects.get(user__username="staff", name=DEMO_AUTHENTICATOR)
    return b32encode(device.bin_key).decode()
