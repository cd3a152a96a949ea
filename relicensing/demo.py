"""Demo vendors and product models: idempotent."""

import datetime as dt
from decimal import Decimal

from relicensing.choices import ProductCategory
from relicensing.models import Product, Vendor

VENDORS = [
    {
        "slug": "juniper",
        "name": "Juniper Networks",
        "inspection_lead_business_days": 10,
        "quote_valid_days": 30,
        "inspections_per_inspector_per_day": 4,
        "serial_pattern": r"^[A-Z0-9]{12}$",
        "renewal_reminder_days": [90, 30, 7],
    },
    {
        "slug": "cisco",
        "name": "Cisco Systems",
        "inspection_lead_business_days": 10,
        "quote_valid_days": 30,
        "inspections_per_inspector_per_day": 3,
        "serial_pattern": r"^[A-Z]{3}[0-9]{4}[A-Z0-9]{4}$",
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
