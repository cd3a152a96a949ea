"""`manage.py loadscale`: the scale dataset of issue 13, spread, disputed, and idempotent."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum

from accounts.models import Organization, Partnership, User
from relicensing.models import (
    ComplianceHold,
    Equipment,
    EquipmentEvent,
    Registration,
    RegistrationTally,
    Request,
)

pytestmark = pytest.mark.django_db

SCALE_SERIALS = {"equipment__serial_number__regex": r"^(SJ|SCL)[0-9]+$"}


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("loaddemo")


def counts() -> dict[str, object]:
    registrations = Registration.objects.filter(**SCALE_SERIALS)
    return {
        "by_customer": dict(
            registrations.values_list("organization__name").annotate(n=Count("pk")).order_by()
        ),
        "by_vendor": dict(
            Equipment.objects.filter(serial_number__regex=r"^(SJ|SCL)[0-9]+$")
            .values_list("vendor__slug")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "disputed": registrations.filter(reasons__contains=["ownership_dispute"]).count(),
        "holds": ComplianceHold.objects.filter(serial_number__regex=r"^(SJ|SCL)").count(),
        "active_holds": ComplianceHold.objects.active().filter(serial_number__regex=r"^(SJ|SCL)").count(),
        "flagged": {
            flag: Equipment.objects.filter(**{flag: True, "serial_number__regex": r"^(SJ|SCL)"}).count()
            for flag in ("lost_or_stolen", "counterfeit", "damaged", "permanently_damaged")
        },
        "requests": dict(
            Request.objects.filter(site_name__startswith="Scale site ")
            .values_list("status")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "events": EquipmentEvent.objects.count(),
        "users": User.objects.count(),
        "partnerships": Partnership.objects.count(),
    }


def test_two_runs_give_the_same_spread_data(demo):
    call_command("loadscale", "--serials", "2000")
    first = counts()
    call_command("loadscale", "--serials", "2000")

    assert counts() == first
    # Half to Acme, a fifth to Borealis, a twentieth to each of six more; four serials (0, 500,
    # 1000, 1500, all Acme's) also claimed by Borealis and Scale Customers 1 to 3.
    assert first["by_customer"] == {
        "Acme Networks": 1000,
        "Borealis Data": 401,
        "Scale Customer 1": 101,
        "Scale Customer 2": 101,
        "Scale Customer 3": 101,
        "Scale Customer 4": 100,
        "Scale Customer 5": 100,
        "Scale Customer 6": 100,
    }
    assert first["by_vendor"] == {"juniper": 800, "cisco": 1200}
    assert first["disputed"] == 8  # both claims on each of the four serials
    assert first["holds"] == 2 and first["active_holds"] == 1
    assert first["flagged"] == {"lost_or_stolen": 2, "counterfeit": 2, "damaged": 2, "permanently_damaged": 2}
    assert first["requests"] == {
        "submitted": 8,
        "quoted": 5,
        "quote_accepted": 2,
        "cancelled": 3,
        "rejected": 2,
    }
    # Folded as beat would: one tally row per organisation and eligibility, summing to its count.
    per_organization = RegistrationTally.objects.values("organization__name").annotate(n=Sum("n"))
    tallies = {row["organization__name"]: row["n"] for row in per_organization}
    assert tallies["Acme Networks"] == 1006  # the 1,000 above and the demo's 6
    assert tallies["Scale Customer 6"] == 100
    rows = RegistrationTally.objects.values("organization_id", "eligible").annotate(rows=Count("pk"))
    assert {row["rows"] for row in rows} == {1}


def test_partners_serve_the_scale_customers(demo):
    call_command("loadscale", "--serials", "200")

    north = Organization.objects.get(name="Scale Partner North")
    assert sorted(north.customers.values_list("name", flat=True)) == [
        "Scale Customer 1",
        "Scale Customer 2",
        "Scale Customer 3",
    ]
    assert list(Organization.objects.get(name="NetReseller").customers.values_list("name", flat=True)) == [
        "Acme Networks"
    ]


def test_a_larger_run_extends_a_smaller_one(demo):
    call_command("loadscale", "--serials", "1000")
    call_command("loadscale", "--serials", "2000")

    assert Registration.objects.filter(**SCALE_SERIALS).count() == 2004


def test_refused_without_the_demo_data(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="loaddemo"):
        call_command("loadscale", "--serials", "10")
