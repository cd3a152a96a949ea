"""Helpers for the inspection tests: a request of Acme's with two ACX2200 chassis at a GB site,
quoted by its partner and accepted (which opens its inspection), inspectors who cover GB, and
the Juniper checklist. Dates: time frozen on Friday 20 November 2026 (`frozen_friday`); ten
business days on is Friday 4 December; Christmas Day (Fri 25 Dec) and Boxing Day observed
(Mon 28 Dec) are GB bank holidays."""

import datetime as dt

from contracts.services.quotes import quote_accept, quote_issue
from inspections.demo import CHECKLIST
from inspections.models import ChecklistVersion, Inspection, Inspector
from tests.factories import UserFactory
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

EARLIEST = dt.date(2026, 12, 4)  # Friday
MONDAY = dt.date(2026, 12, 7)
TUESDAY = dt.date(2026, 12, 8)
ITEMS = [{"key": key, "text": text, "required": required} for key, text, required in CHECKLIST]
REQUIRED = [key for key, _, required in CHECKLIST if required]


def coverage(user, *countries: str) -> Inspector:
    profile, _ = Inspector.objects.get_or_create(user=user)
    profile.countries = list(countries)
    profile.save()
    return profile


def another_inspector(operator, username="inspector2", *countries: str) -> Inspector:
    user = UserFactory(
        username=username, organization=operator, role="inspector", first_name="Ola", last_name="Berg"
    )
    return coverage(user, *(countries or ("GB",)))


def checklist(vendor, items=ITEMS, version=1) -> ChecklistVersion:
    return ChecklistVersion.objects.create(vendor=vendor, version=version, items=list(items))


def accepted_inspection(customer, partner, *serials: str, date=MONDAY) -> Inspection:
    """Open, quote and accept a request for these serials (default: two ACX2200); its inspection."""
    serials = serials or ("JN11AC220001", "JN11AC220002")
    registrations = [register(customer, serial) for serial in serials]
    request = open_request(customer, *registrations, date=date)
    quote = quote_issue(request=request, user=partner)
    quote_accept(quote=quote, user=customer)
    return Inspection.objects.get(request=request)


def answers(passed=True, **overrides) -> dict[str, bool]:
    return {**dict.fromkeys(REQUIRED, passed), **overrides}
