"""`manage.py loaddemo`: the demo data of API.md, idempotent, refused in production."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from accounts.models import Organization, Partnership, User
from contracts.models import Sku, SkuProduct
from contracts.selectors import products_missing_fee_skus
from relicensing.models import ComplianceHold, EquipmentEvent, Product, Registration, Vendor

pytestmark = pytest.mark.django_db

MODELS = [
    Organization,
    Partnership,
    User,
    Vendor,
    Product,
    Sku,
    SkuProduct,
    Registration,
    ComplianceHold,
    EquipmentEvent,
]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("loaddemo")


def test_running_twice_gives_the_same_counts(demo):
    first = counts()
    call_command("loaddemo")
    assert counts() == first
    assert first["User"] == 6


def test_every_demo_user_signs_in_with_the_published_password(demo):
    for username in ("customer", "customer2", "partner", "partner2", "inspector", "staff"):
        # A request, as every sign-in has one (django-axes counts attempts per address).
        request = RequestFactory().post("/login/")
        assert authenticate(request, username=username, password="demo-pass-2026") is not None, username


def test_organisations_and_partnerships(demo):
    acme = Organization.objects.get(name="Acme Networks")
    borealis = Organization.objects.get(name="Borealis Data")
    assert list(acme.partners.values_list("name", flat=True)) == ["NetReseller"]
    assert list(borealis.partners.values_list("name", flat=True)) == ["Polar Partners"]
    assert User.objects.get(username="customer").organization == acme
    assert User.objects.get(username="customer2").organization == borealis
    assert User.objects.get(username="staff").is_programme_staff


def test_reference_example_prices(demo):
    acx = Product.objects.get(vendor__slug="juniper", model="ACX2200")
    prices = {sku.code: str(sku.price) for sku in acx.skus.all()}
    assert prices == {"SVC-INSPECT-2": "1000.00", "SVC-CP-ACX2200": "437.00", "SVC-JUNOS-REG-4": "2000.00"}
    qfx = Product.objects.get(vendor__slug="juniper", model="QFX5100")
    addons = set(qfx.skus.filter(kind="addon_license").values_list("code", flat=True))
    assert addons == {"QFX5K-C1-AFL", "QFX5K-C1-PFL", "QFX5K-C2-AFL", "QFX5K-C2-PFL"}


def test_cisco_has_a_router_a_switch_and_one_past_end_of_support(demo):
    cisco = Product.objects.filter(vendor__slug="cisco", is_chassis=True)
    assert {"router", "switch"} <= set(cisco.values_list("category", flat=True))
    assert any(p.is_past_end_of_support for p in cisco)
    assert not products_missing_fee_skus().exists()  # every demo chassis can be quoted


def test_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("loaddemo")
    assert not User.objects.exists()
    call_command("loaddemo", "--force")
    assert User.objects.count() == 6


def test_demo_equipment_shows_each_path(demo):
    paths = set(Registration.objects.values_list("path", flat=True))
    assert {"inspection", "no_relicensing_needed", "none"} <= paths
    reasons = {r for rs in Registration.objects.values_list("reasons", flat=True) for r in rs}
    assert {"end_of_support", "damaged", "donated_equipment"} <= reasons


def test_running_again_after_a_demo_unit_was_reinstated_changes_nothing(demo):
    # Found trying it as a new user: after the gray-market ACX2200 went through the programme,
    # `./scripts/run` failed on its next start (the unit held two embedded licences).
    import datetime as dt

    from relicensing.models import Equipment, SoftwareLicence

    unit = Equipment.objects.get(serial_number="JN11AC220001")
    SoftwareLicence.objects.filter(equipment=unit).update(
        status="terminated", terminated_on=dt.date(2026, 12, 6)
    )
    SoftwareLicence.objects.create(
        equipment=unit,
        kind="embedded",
        description="Junos, reinstated",
        licensee=Organization.objects.get(name="Acme Networks"),
        starts_on=dt.date(2026, 12, 6),
    )
    call_command("loaddemo")
    assert sorted(SoftwareLicence.objects.filter(equipment=unit).values_list("status", flat=True)) == [
        "active",
        "terminated",
    ]
