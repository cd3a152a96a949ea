"""Ownership disputes under every interleaving of import and single registration, against the
real database: two imports of overlapping serials (through the API, and as chunked jobs whose
chunks overlap in different orders), and an import against a single registration with either one
holding the serial lock first. Afterwards every serial claimed by both organisations is disputed
for both: on the registration rows, in the stored eligibility answer, and in the API's answers.

The guard is the serial lock (relicensing.locks) that `registrations._insert` and `registration_create`
both take, on the same key, before they read rival claims. Each test names the lock it proves;
with that lock removed, the test fails every time (the pause points make both sides read before
either commits)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from relicensing.choices import EventKind, ImportStatus, Reason
from relicensing.models import Equipment, EquipmentEvent, Registration
from relicensing.services import equipment as services
from relicensing.services import imports
from relicensing.services.imports import jobs as import_jobs
from relicensing.services.imports import registrations as import_registrations
from tests.races import Racer, race

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "vendor,serial_number,product,acquisition_channel\n"
S1, S2, S3, S4, S5 = (f"DS00000000{n:02d}" for n in range(1, 6))
DISPUTED = {"eligible": False, "path": "none", "reasons": [Reason.OWNERSHIP_DISPUTE]}
CLEAN = {"eligible": True, "path": "inspection", "reasons": []}


def csv_of(*serials: str) -> bytes:
    return (HEADER + "".join(f"juniper,{s},ACX2200,secondary_market\n" for s in serials)).encode()


def client_of(user) -> APIClient:
    """One client per racing thread: a shared one would carry one user's sign-in into the other."""
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def api_import(user, *serials: str):
    return lambda: client_of(user).post(
        "/api/v1/equipment/import/",
        {"file": SimpleUploadedFile("units.csv", csv_of(*serials))},
        format="multipart",
    )


def api_register(user, serial: str):
    body = {
        "vendor": "juniper",
        "serial_number": serial,
        "product": "ACX2200",
        "acquisition_channel": "secondary_market",
    }
    return lambda: client_of(user).post("/api/v1/equipment/", body, format="json")


def answers(user) -> dict[str, dict]:
    """Each serial of the user's organisation, as the API answers it: its eligibility."""
    body = client_of(user).get("/api/v1/equipment/?page_size=100").json()
    return {r["serial_number"]: r["eligibility"] for r in body["results"]}


def serial_check(user, serial: str) -> tuple[bool, bool, list[str]]:
    """The buyer's serial check: (registered elsewhere, eligible, reasons)."""
    body = client_of(user).get(f"/api/v1/serial-check/?vendor=juniper&serial_number={serial}").json()
    return body["registered_elsewhere"], body["eligible"], body["reasons"]


def stored(serial: str) -> dict[str, tuple]:
    """Each organisation's claim on a serial, as stored: (status, eligible, reasons)."""
    return {
        r.organization.name: (r.status, r.eligible, list(r.reasons))
        for r in Registration.objects.filter(equipment__serial_number=serial).select_related("organization")
    }


DISPUTED_BY_BOTH = {
    "Acme Networks": ("active", False, [Reason.OWNERSHIP_DISPUTE]),
    "Borealis Data": ("active", False, [Reason.OWNERSHIP_DISPUTE]),
}


def disputes_opened() -> dict[str, int]:
    events = EquipmentEvent.objects.filter(kind=EventKind.DISPUTE_OPENED)
    return {s: events.filter(serial_number=s).count() for s in events.values_list("serial_number", flat=True)}


def test_two_imports_of_overlapping_serials_in_different_orders_dispute_every_shared_serial(
    customer, other_customer, acx2200
):
    # Guard: the serial locks `registrations._insert` takes for the batch before it reads rival claims.
    # Both imports pause having read the facts; without the locks neither sees the other (S3 is a
    # unit known already, S2 and S4 are new) and every shared serial comes out eligible twice.
    Equipment.objects.create(vendor=acx2200.vendor, serial_number=S3, product=acx2200)
    acme, borealis = race(
        api_import(customer, S1, S2, S3, S4),
        api_import(other_customer, S4, S3, S5, S2),
        pause_at=[(import_registrations, "_staging_csv")],
    )
    assert acme.ok and borealis.ok, (acme.error, borealis.error)
    assert acme.value.status_code == borealis.value.status_code == 200, (
        acme.value.json(),
        borealis.value.json(),
    )
    assert acme.value.json()["created"] == borealis.value.json()["created"] == 4
    for serial in (S2, S3, S4):
        assert stored(serial) == DISPUTED_BY_BOTH, serial
    assert stored(S1) == {"Acme Networks": ("active", True, [])}
    assert stored(S5) == {"Borealis Data": ("active", True, [])}
    assert disputes_opened() == {S2: 1, S3: 1, S4: 1}  # opened by whichever import came second
    assert answers(customer) == {S1: CLEAN, S2: DISPUTED, S3: DISPUTED, S4: DISPUTED}
    assert answers(other_customer) == {S2: DISPUTED, S3: DISPUTED, S4: DISPUTED, S5: CLEAN}
    assert [serial_check(customer, s) for s in (S1, S2)] == [
        (False, True, []),
        (True, False, ["ownership_dispute"]),
    ]


def test_two_import_jobs_whose_chunks_overlap_in_different_orders_dispute_every_shared_serial(
    customer, other_customer, acx2200, monkeypatch
):
    # Guard: the serial locks `registrations._insert` takes per chunk. Chunks of two rows: Acme's
    # [S1 S2 | S3 S4] and Borealis' [S3 S2 | S1 S5]. The first chunks share S2 (listed in another
    # order); S1 and S3 sit in a first chunk of one job and the second chunk of the other. Without
    # the locks both first chunks read their facts before either commits: S2 is claimed twice and
    # disputed by neither.
    monkeypatch.setattr(import_jobs, "CHUNK_ROWS", 2)
    monkeypatch.setattr(import_jobs, "import_jobs_dispatch", lambda job_ids: None)  # run here, in the race
    jobs = [
        imports.import_job_create(
            organization=user.organization,
            user=user,
            upload=SimpleUploadedFile("units.csv", csv_of(*serials)),
        )
        for user, serials in ((customer, (S1, S2, S3, S4)), (other_customer, (S3, S2, S1, S5)))
    ]
    acme, borealis = race(
        *(lambda job=job: imports.import_job_run(job_id=job.pk) for job in jobs),
        pause_at=[(import_registrations, "_staging_csv")],
    )
    assert acme.ok and borealis.ok, (acme.error, borealis.error)
    assert [(j.status, j.created_count, j.rejected) for j in (acme.value, borealis.value)] == [
        (ImportStatus.DONE, 4, []),
        (ImportStatus.DONE, 4, []),
    ]
    for serial in (S1, S2, S3):
        assert stored(serial) == DISPUTED_BY_BOTH, serial
    assert stored(S4) == {"Acme Networks": ("active", True, [])}
    assert stored(S5) == {"Borealis Data": ("active", True, [])}
    assert disputes_opened() == {S1: 1, S2: 1, S3: 1}
    assert answers(customer) == {S1: DISPUTED, S2: DISPUTED, S3: DISPUTED, S4: CLEAN}
    assert answers(other_customer) == {S1: DISPUTED, S2: DISPUTED, S3: DISPUTED, S5: CLEAN}


def test_an_import_while_a_single_registration_holds_the_serial_lock_disputes_both(
    customer, other_customer, acx2200
):
    # Guard: the serial lock `registrations._insert` takes before it reads rival claims. Borealis'
    # single registration holds the serial lock when both first meet; the import has not asked for
    # it yet. They meet again with the registration written and the import's facts read; with the
    # lock the import never gets there before the registration commits, so it reads the claim.
    # Without it both pass the second meeting having seen nothing of the other: no dispute.
    registration = Racer(
        api_register(other_customer, S2),
        pause_at=[(services, "serials_lock"), (services, "_event")],
        before=False,  # after taking the lock; after writing the "registered" event
    )
    bulk = Racer(
        api_import(customer, S1, S2, S3),
        pause_at=[(import_registrations, "products_share_lock"), (import_registrations, "_staging_csv")],
        before=True,  # before the import's locks; before its judging, the facts read
    )
    single, imported = race(registration, bulk)
    assert single.ok and imported.ok, (single.error, imported.error)
    assert single.value.status_code == 201, single.value.json()
    assert single.value.json()["eligibility"] == CLEAN  # answered before the import's rival claim
    assert imported.value.json()["created"] == 3
    assert stored(S2) == DISPUTED_BY_BOTH
    assert stored(S1) == stored(S3) == {"Acme Networks": ("active", True, [])}
    assert disputes_opened() == {S2: 1}
    assert answers(customer) == {S1: CLEAN, S2: DISPUTED, S3: CLEAN}
    assert answers(other_customer) == {S2: DISPUTED}


def test_a_single_registration_while_an_import_holds_the_serial_lock_disputes_both(
    customer, other_customer, acx2200
):
    # Guard: the serial lock `registration_create` takes before it reads rival claims, on the key
    # the import locked (one lock for both paths). The import holds the serial locks of its batch
    # when both first meet; the registration has not started. They meet again with the import's
    # facts read and the registration's rivals read; with the lock the registration never gets
    # there before the import commits, so it reads the import's claim.
    bulk = Racer(
        api_import(customer, S1, S2, S3),
        pause_at=[(import_registrations, "serials_lock"), (import_registrations, "_staging_csv")],
        before=False,  # after taking the locks; after judging its rows
    )
    registration = Racer(
        api_register(other_customer, S2),
        pause_at=[(services, "action_require"), (services, "_event")],
        before=True,  # before anything; with its claim written and its rivals read
    )
    imported, single = race(bulk, registration)
    assert single.ok and imported.ok, (single.error, imported.error)
    assert imported.value.json()["created"] == 3
    assert single.value.status_code == 201, single.value.json()
    assert single.value.json()["eligibility"] == DISPUTED  # it came second and saw the import's claim
    assert stored(S2) == DISPUTED_BY_BOTH
    assert stored(S1) == stored(S3) == {"Acme Networks": ("active", True, [])}
    assert disputes_opened() == {S2: 1}
    assert answers(customer) == {S1: CLEAN, S2: DISPUTED, S3: CLEAN}
    assert answers(other_customer) == {S2: DISPUTED}
