"""Demo inspectors and checklists (API.md, "Demo data"): idempotent."""

from accounts.choices import Role
from accounts.models import User
from inspections.models import ChecklistVersion, Inspector
from relicensing.models import Vendor

# The demo inspector covers these countries and has no days away, so every demo site can be booked.
INSPECTOR_COUNTRIES = ["GB", "IE", "US", "CA", "DE", "FR", "NL", "SE", "FI"]

# What DOMAIN.md says an inspection checks, per chassis (required unless marked otherwise).
CHECKLIST = [
    ("physical_condition", "Physically sound: no damage to chassis, ports or fans", True),
    ("powers_on", "Powers on", True),
    ("diagnostics_pass", "Diagnostics pass", True),
    ("supported_release", "Runs a supported software release", True),
    ("serial_matches_label", "Serial number in software matches the label", True),
    ("no_tampering", "No sign of tampering (seals, labels, replaced parts)", True),
    ("line_cards_seated", "Line cards and modules seated and recognised", False),
]


def load() -> None:
    for user in User.objects.filter(role=Role.INSPECTOR, username="inspector"):
        profile, _ = Inspector.objects.get_or_create(user=user)
        profile.countries = INSPECTOR_COUNTRIES
        profile.save(update_fields=["countries"])
    items = [{"key": key, "text": text, "required": required} for key, text, required in CHECKLIST]
    for vendor in Vendor.objects.filter(slug__in=["juniper", "cisco"]):
        if not ChecklistVersion.objects.filter(vendor=vendor).exists():
            ChecklistVersion.objects.create(
                vendor=vendor, version=1, items=items, note="The programme's checklist, first version."
            )
