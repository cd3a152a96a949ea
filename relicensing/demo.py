"""Demo vendors and product models: idempotent."""

import datetime as dt
from decimal import Decimal

from relicensing.choices import ProductCategory
from relicensing.models import Product, Registration, Vendor
from relicensing.services.equipment import registrations_refresh

VENDORS = [
    {
        "slug": "juniper",
        "name": "Juniper Networks",
        "inspection_lead_business_days": 10,
        "quote_valid_days": 30,
        "inspections_per_inspector_per_day": 4,
        "serial_pattern": r"^[A-Z0-9]{12}$",
        "serial_format": "12 letters and digits",
        "serial_example": "JN11AC220001",
        "renewal_reminder_days": [90, 30, 7],
    },
    {
        "slug": "cisco",
        "name": "Cisco Systems",
        "inspection_lead_business_days": 10,
        "quote_valid_days": 30,
        "inspections_per_inspector_per_day": 3,
        "serial_pattern": r"^[A-Z]{3}[0-9]{4}[A-Z0-9]{4}$",
        "serial_format": "11 characters: 3 letters, 4 digits, then 4 letters or digits",
        "serial_example": "FOC1234X0AB",
        "renewal_reminder_days": [90, 60, 30],
    },
]

# (vendor, model, family, category, is_chassis, end_of_sale, end_of_support, list_price)
PRODUCTS = [
    ("juniper", "ACX2200", "ACX", ProductCategory.ROUTER, True,
     None, dt.date(2030, 12, 31), "8500.00"),
    ("juniper", "QFX5100", "QFX5K", ProductCategory.SWITCH, True,
     dt.date(2024, 6, 30), dt.date(2029, 6, 30), "26000.00"),
    ("cisco", "ISR4331", "ISR 4000", ProductCategory.ROUTER, True,
     dt.date(2023, 11, 7), dt.date(2028, 11, 30), "4000.00"),
    ("cisco", "C9300-48P", "Catalyst 9300", ProductCategory.SWITCH, True,
     None, None, "11000.00"),
    ("cisco", "WS-C3750X-48P", "Catalyst 3750-X", ProductCategory.SWITCH, True,
     dt.date(2016, 10, 30), dt.date(2021, 10, 31), "9500.00"),
    ("cisco", "C9300-NM-8X", "Catalyst 9300", ProductCategory.OTHER, False,
     None, None, "3000.00"),
]  # fmt: skip


def load() -> None:
    for fields in VENDORS:
        slug = fields["slug"]
        Vendor.objects.update_or_create(slug=slug, defaults={k: v for k, v in fields.items() if k != "slug"})
    vendors = {v.slug: v for v in Vendor.objects.all()}
    for vendor, model, family, category, chassis, eos, eosup, price in PRODUCTS:
        Product.objects.update_or_create(
            vendor=vendors[vendor],
            model=model,
            defaults={
                "family": family,
                "category": category,
                "is_chassis": chassis,
                "end_of_sale": eos,
                "end_of_support": eosup,
                "list_price": Decimal(price),
            },
        )
    # The dates were written straight to the rows: re-judge the demo units, as a catalog change does.
    registrations_refresh(Registration.objects.filter(equipment__product__vendor__in=vendors.values()))


# (organisation, vendor, serial, model, channel, condition, seller)
EQUIPMENT = [
    ("Acme Networks", "juniper", "JN11AC220001", "ACX2200", "secondary_market", "working", "Reliable Surplus Ltd"),
    ("Acme Networks", "juniper", "JN11AC220002", "ACX2200", "secondary_market", "working", "Reliable Surplus Ltd"),
    ("Acme Networks", "juniper", "JN11QF510001", "QFX5100", "secondary_market", "working", "DataCentre Liquidators"),
    ("Acme Networks", "cisco", "FDO2201A0BC", "ISR4331", "authorized", "working", "Cisco partner (new)"),
    ("Acme Networks", "cisco", "FDO1645R0XY", "WS-C3750X-48P", "secondary_market", "working", "Online auction"),
    ("Acme Networks", "cisco", "FOC2317X1AB", "C9300-48P", "secondary_market", "damaged", "Online auction"),
    ("Borealis Data", "juniper", "JN11AC229901", "ACX2200", "secondary_market", "working", "Nordic IT Recyclers"),
    ("Borealis Data", "cisco", "FOC2420Y0ZZ", "C9300-48P", "donated", "working", "Community donation"),
]  # fmt: skip
HOLDS = [("juniper", "JN11HOLD0001", "Export control review pending (demo)")]


def load_equipment() -> None:
    """A few registrations per demo customer, one on each eligibility path, and a hold on a
    serial nobody has registered yet. Registered through the services, like a person would."""
    from accounts.models import Organization, User
    from relicensing.models import ComplianceHold, Registration
    from relicensing.services.equipment import hold_place, registration_create

    vendors = {v.slug: v for v in Vendor.objects.all()}
    for org_name, vendor, serial, model, channel, condition, seller in EQUIPMENT:
        organization = Organization.objects.get(name=org_name)
        if Registration.objects.filter(organization=organization, equipment__serial_number=serial).exists():
            continue
        registration_create(
            organization=organization,
            user=User.objects.filter(organization=organization).first(),
            vendor=vendors[vendor],
            serial_number=serial,
            product=model,
            acquisition_channel=channel,
            condition=condition,
            acquired_from=seller,
            acquired_on=dt.date(2026, 9, 15),
        )
    _load_licences()
    staff = User.objects.get(username="staff")
    for vendor, serial, reason in HOLDS:
        if not ComplianceHold.objects.active().filter(vendor=vendors[vendor], serial_number=serial).exists():
            hold_place(vendor=vendors[vendor], serial_number=serial, reason=reason, user=staff)


def _load_licences() -> None:
    """The router Acme bought new carries its embedded licence in Acme's name; the gray-market
    ACX2200 still carries its previous owner's (Harbour Logistics), which relicensing will terminate."""
    from accounts.choices import OrganizationKind
    from accounts.models import Organization
    from relicensing.models import Equipment, SoftwareLicence

    acme = Organization.objects.get(name="Acme Networks")
    previous, _ = Organization.objects.get_or_create(
        name="Harbour Logistics", defaults={"kind": OrganizationKind.CUSTOMER}
    )
    licences = [
        ("FDO2201A0BC", acme, "IOS XE Network Essentials (embedded)", dt.date(2026, 9, 15)),
        ("JN11AC220001", previous, "Junos base licence (embedded)", dt.date(2019, 4, 2)),
    ]
    for serial, licensee, description, starts_on in licences:
        # Keyed by licensee too: once the unit is reinstated it also holds its new owner's licence.
        SoftwareLicence.objects.get_or_create(
            equipment=Equipment.objects.get(serial_number=serial),
            kind="embedded",
            licensee=licensee,
            defaults={"description": description, "starts_on": starts_on},
        )
