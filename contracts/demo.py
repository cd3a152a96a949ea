"""The demo price book: the Juniper reference example and a Cisco programme. Idempotent."""

from decimal import Decimal

from contracts.choices import SkuKind
from contracts.models import Sku, SkuProduct
from relicensing.models import Product, Vendor

# (vendor, code, kind, description, price, [product models])
SKUS = [
    ("juniper", "SVC-INSPECT-2", SkuKind.INSPECTION,
     "Equipment inspection, tier 2, per chassis", "1000.00", ["ACX2200"]),
    ("juniper", "SVC-CP-ACX2200", SkuKind.SUPPORT_YEAR,
     "Core Plus support for ACX2200, one year, return to factory", "437.00", ["ACX2200"]),
    ("juniper", "SVC-JUNOS-REG-4", SkuKind.OS_LICENSE,
     "Junos licence re-registration, tier 4", "2000.00", ["ACX2200"]),
    ("juniper", "SVC-INSPECT-3", SkuKind.INSPECTION,
     "Equipment inspection, tier 3, per chassis", "1500.00", ["QFX5100"]),
    ("juniper", "SVC-CP-QFX5100", SkuKind.SUPPORT_YEAR,
     "Core Plus support for QFX5100, one year, return to factory", "2180.00", ["QFX5100"]),
    ("juniper", "SVC-JUNOS-REG-6", SkuKind.OS_LICENSE,
     "Junos licence re-registration, tier 6", "5000.00", ["QFX5100"]),
    ("juniper", "QFX5K-C1-AFL", SkuKind.ADDON_LICENSE,
     "QFX5K class 1 advanced feature licence", "2950.00", ["QFX5100"]),
    ("juniper", "QFX5K-C1-PFL", SkuKind.ADDON_LICENSE,
     "QFX5K class 1 premium feature licence", "6500.00", ["QFX5100"]),
    ("juniper", "QFX5K-C2-AFL", SkuKind.ADDON_LICENSE,
     "QFX5K class 2 advanced feature licence", "4400.00", ["QFX5100"]),
    ("juniper", "QFX5K-C2-PFL", SkuKind.ADDON_LICENSE,
     "QFX5K class 2 premium feature licence", "9800.00", ["QFX5100"]),
    ("juniper", "S-QFX5K-TELEMETRY-1Y", SkuKind.SUBSCRIPTION,
     "QFX5K streaming telemetry subscription, one year", "1200.00", ["QFX5100"]),
    ("cisco", "CISCO-INSPECT-1", SkuKind.INSPECTION,
     "Equipment inspection, per chassis", "750.00", ["ISR4331", "C9300-48P", "WS-C3750X-48P"]),
    ("cisco", "CON-SNT-ISR4331", SkuKind.SUPPORT_YEAR,
     "SMARTnet 8x5xNBD for ISR4331, one year", "612.00", ["ISR4331"]),
    ("cisco", "CON-SNT-C930048P", SkuKind.SUPPORT_YEAR,
     "SMARTnet 8x5xNBD for C9300-48P, one year", "1386.00", ["C9300-48P"]),
    ("cisco", "CON-SNT-3750X48P", SkuKind.SUPPORT_YEAR,
     "SMARTnet 8x5xNBD for WS-C3750X-48P, one year", "980.00", ["WS-C3750X-48P"]),
    ("cisco", "CISCO-SWRELIC-ISR", SkuKind.OS_LICENSE,
     "Software relicensing fee, ISR routers", "1500.00", ["ISR4331"]),
    ("cisco", "CISCO-SWRELIC-CAT9K", SkuKind.OS_LICENSE,
     "Software relicensing fee, Catalyst 9000 switches", "2500.00", ["C9300-48P"]),
    ("cisco", "CISCO-SWRELIC-CAT3K", SkuKind.OS_LICENSE,
     "Software relicensing fee, Catalyst 3000 switches", "1200.00", ["WS-C3750X-48P"]),
    ("cisco", "C9300-DNA-A-48-1Y", SkuKind.SUBSCRIPTION,
     "DNA Advantage for C9300-48P, one-year term", "2100.00", ["C9300-48P"]),
]  # fmt: skip


def load() -> None:
    vendors = {v.slug: v for v in Vendor.objects.all()}
    for vendor, code, kind, description, price, models in SKUS:
        sku, _ = Sku.objects.update_or_create(
            code=code,
            defaults={
                "kind": kind,
                "description": description,
                "vendor": vendors[vendor],
                "price": Decimal(price),
                "currency": "USD",
                "non_refundable": True,
            },
        )
        for product in Product.objects.filter(vendor=vendors[vendor], model__in=models):
            SkuProduct.objects.get_or_create(sku=sku, product=product, defaults={"kind": kind})
