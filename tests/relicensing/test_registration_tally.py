"""The dashboard's equipment counts come from tallies the database keeps (issue 13): every way of
adding, removing or re-judging a registration moves them, folding never changes a sum, and writers
racing a fold lose nothing. Expected figures are counted by hand from what each test does."""

import threading

import pytest
from django.db import connection, connections

from relicensing.models import Registration, RegistrationTally
from relicensing.selectors import registration_counts
from relicensing.services.equipment import hold_place, registration_create
from relicensing.services.tallies import registration_tallies_fold

pytestmark = pytest.mark.django_db


def register(user, serial, vendor):
    return registration_create(
        organization=user.organization,
        user=user,
        vendor=vendor,
        serial_number=serial,
        product="ACX2200",
        acquisition_channel="secondary_market",
    )


def test_registering_holding_deleting_and_folding_keep_the_counts(
    customer, partner, other_customer, staff, acx2200
):
    juniper = acx2200.vendor
    for n in range(3):
        register(customer, f"TL{n:010d}", juniper)
    register(other_customer, "TL9999999999", juniper)
    assert registration_counts(user=customer) == {"total": 3, "eligible_count": 3, "attention": 0}

    hold_place(vendor=juniper, serial_number="TL0000000001", reason="Reported stolen", user=staff)
    assert registration_counts(user=customer) == {"total": 3, "eligible_count": 2, "attention": 1}
    # The partner serves Acme only; staff see everyone's.
    assert registration_counts(user=partner) == {"total": 3, "eligible_count": 2, "attention": 1}
    assert registration_counts(user=staff) == {"total": 4, "eligible_count": 3, "attention": 1}
    assert registration_counts(user=other_customer) == {"total": 1, "eligible_count": 1, "attention": 0}

    Registration.objects.filter(equipment__serial_number="TL0000000002").delete()
    assert registration_counts(user=customer) == {"total": 2, "eligible_count": 1, "attention": 1}

    rows_before = RegistrationTally.objects.count()
    assert registration_tallies_fold() == 3  # Acme eligible, Acme not, Borealis eligible
    assert RegistrationTally.objects.count() == 3 < rows_before
    assert registration_counts(user=customer) == {"total": 2, "eligible_count": 1, "attention": 1}
    assert registration_counts(user=staff) == {"total": 3, "eligible_count": 2, "attention": 1}


def test_the_customer_dashboard_shows_the_tallied_counts(client, customer, acx2200):
    for n in range(4):
        register(customer, f"TD{n:010d}", acx2200.vendor)
    client.force_login(customer)
    page = client.get("/").content.decode()
    assert registration_counts(user=customer) == {"total": 4, "eligible_count": 4, "attention": 0}
    assert ">4<" in page.replace(" ", "")
    # Each figure links to the list it counts.
    for link in ('href="/equipment/"', 'href="/equipment/?eligible=yes"', 'href="/equipment/?eligible=no"'):
        assert f'<a class="stat" {link}>' in page, link


@pytest.mark.django_db(transaction=True)
def test_writers_racing_a_fold_lose_nothing(customer, acx2200):
    # Proves the fold's single DELETE ... RETURNING / INSERT statement: rows a writer commits while
    # the fold runs are either folded or left for the next fold, never dropped. (A fold written as
    # "sum, delete all, insert the sum" in separate statements loses them and turns this red.)
    juniper = acx2200.vendor
    start = threading.Barrier(5)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            start.wait()
            for n in range(15):
                register(customer, f"RF{k:02d}{n:08d}", juniper)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def folder() -> None:
        try:
            start.wait()
            for _ in range(30):
                registration_tallies_fold()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)] + [
        threading.Thread(target=folder)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Registration.objects.filter(organization=customer.organization).count() == 60
    assert registration_counts(user=customer)["total"] == 60
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM relicensing_registrationtally")
        assert cursor.fetchone()[0] >= 1


def test_an_import_is_tallied(api_as, customer, acx2200):
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = "vendor,serial_number,product,acquisition_channel,acquired_from,acquired_on,condition\n"
    rows = "".join(
        f"juniper,TI{n:010d},ACX2200,secondary_market,Broker Ltd,2026-01-05,working\n" for n in range(25)
    )
    damaged = "juniper,TIDAMAGED001,ACX2200,secondary_market,Broker Ltd,2026-01-05,damaged\n"
    client = api_as(customer)
    content = (header + rows + damaged).encode()
    response = client.post(
        "/api/v1/equipment/import/", {"file": SimpleUploadedFile("s.csv", content)}, format="multipart"
    )
    assert response.json()["created"] == 26
    assert registration_counts(user=customer) == {"total": 26, "eligible_count": 25, "attention": 1}
