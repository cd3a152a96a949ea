"""Every change to a fact eligibility reads leaves the stored answer right: through the admin,
during a long import, while a unit is being registered, on loading the demo, and when the
catalog gains the model a unit was registered under."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from relicensing import demo
from relicensing.choices import Reason
from relicensing.models import ComplianceHold, Registration
from relicensing.services import catalog, imports
from relicensing.services import equipment as services
from relicensing.services.imports import jobs as import_jobs
from tests.races import Racer, race
from tests.relicensing.registering import register

PAST = dt.date(2020, 1, 1)


@pytest.mark.django_db
def test_moving_end_of_support_later_in_the_admin_makes_the_unit_eligible_again(
    admin_client, customer, old_cisco
):
    registration = register(customer, "FDO1645R0XY", vendor="cisco", product="WS-C3750X-48P")
    assert Reason.END_OF_SUPPORT in registration.reasons
    response = admin_client.post(
        f"/admin/relicensing/product/{old_cisco.pk}/change/",
        {
            "vendor": old_cisco.vendor_id,
            "model": old_cisco.model,
            "family": old_cisco.family,
            "category": old_cisco.category,
            "is_chassis": "on",
            "end_of_sale": "",
            "end_of_support": "2031-12-31",
            "list_price": "9500.00",
            "currency": "USD",
        },
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.eligible, registration.reasons) == (True, [])


@pytest.mark.django_db
def test_a_hold_cannot_be_deleted_in_the_admin_only_released(admin_client, customer, staff, acx2200):
    register(customer, "AB12CD34EF56")
    hold = services.hold_place(
        vendor=acx2200.vendor, serial_number="AB12CD34EF56", reason="Fraud", user=staff
    )
    response = admin_client.post(f"/admin/relicensing/compliancehold/{hold.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert ComplianceHold.objects.active().count() == 1


@pytest.mark.django_db
def test_a_long_import_judges_each_chunk_with_the_catalog_as_it_is_then(
    customer, staff, acx2200, monkeypatch
):
    monkeypatch.setattr(import_jobs, "CHUNK_ROWS", 1)
    content = (
        b"vendor,serial_number,product,acquisition_channel\n"
        b"juniper,AB12CD000001,ACX2200,secondary_market\n"
        b"juniper,AB12CD000002,ACX2200,secondary_market\n"
    )
    job = imports.import_job_create(
        organization=customer.organization, user=customer, upload=SimpleUploadedFile("u.csv", content)
    )
    moved = []

    def support_ends_between_chunks(job):
        if not moved:
            catalog.product_update(user=staff, product=acx2200, end_of_support=PAST)
            moved.append(True)

    imports.import_job_run(job_id=job.pk, on_chunk=support_ends_between_chunks)
    for serial in ("AB12CD000001", "AB12CD000002"):
        assert Reason.END_OF_SUPPORT in Registration.objects.get(equipment__serial_number=serial).reasons, (
            serial
        )


@pytest.mark.django_db
def test_an_import_judges_a_known_unit_as_its_own_product(customer, other_customer, staff, acx2200, qfx5100):
    register(other_customer, "AB12CD34EF56", product="QFX5100")
    catalog.product_update(user=staff, product=qfx5100, end_of_support=PAST)
    content = (
        b"vendor,serial_number,product,acquisition_channel\njuniper,AB12CD34EF56,ACX2200,secondary_market\n"
    )
    imports.registrations_import(
        organization=customer.organization, user=customer, rows=imports.rows_read(content=content)
    )
    mine = Registration.objects.get(organization=customer.organization)
    assert mine.equipment.product == qfx5100  # the row's model does not change what the unit is
    assert Reason.END_OF_SUPPORT in mine.reasons


@pytest.mark.django_db(transaction=True)
def test_a_product_date_change_racing_a_first_registration_reaches_the_new_unit(customer, staff, acx2200):
    # Guard: the share lock a registration holds on its product's row while it judges the unit.
    # The change waits for it, then re-judges every unit, the new one included. Without it the
    # change locks only the units that exist, and the new unit keeps an answer from the old dates.
    update, registering = race(
        Racer(
            lambda: catalog.product_update(user=staff, product=acx2200, end_of_support=PAST),
            pause_at=[(services, "products_refresh")],
        ),
        Racer(lambda: register(customer, "AB12CD000077"), pause_at=[(services, "registrations_refresh")]),
    )
    assert update.ok and registering.ok, (update.error, registering.error)
    registration = Registration.objects.get(equipment__serial_number="AB12CD000077")
    assert Reason.END_OF_SUPPORT in registration.reasons


@pytest.mark.django_db
def test_loading_the_demo_again_re_judges_its_units(customer, staff, acx2200):
    registration = register(customer, "AB12CD34EF56")
    catalog.product_update(user=staff, product=acx2200, end_of_support=PAST)
    registration.refresh_from_db()
    assert Reason.END_OF_SUPPORT in registration.reasons
    demo.load()  # puts the demo ACX2200's end of support back in the future
    registration.refresh_from_db()
    assert (registration.eligible, registration.reasons) == (True, [])


@pytest.mark.django_db
def test_adding_the_missing_model_to_the_catalog_adopts_its_units(customer, staff, juniper):
    # The unknown_product explanation tells the owner to ask staff whether the model can be added.
    registration = register(customer, "AB12CD34EF56", product="MX960")
    assert registration.reasons == [Reason.UNKNOWN_PRODUCT]
    product = catalog.product_create(user=staff, vendor=juniper, model="mx960", category="router")
    registration.refresh_from_db()
    assert registration.equipment.product == product and registration.equipment.reported_model == ""
    assert Reason.UNKNOWN_PRODUCT not in registration.reasons
