"""RMA swaps on a contract (staff): the returned serial leaves, its replacement joins for the rest
of the coverage in the owner's name, both recorded on the contract and on each unit; the returned
unit is retired for good. Also a donated-equipment contract's rule. Time is Friday 20 November
2026 (frozen_friday); Acme's contract CT-2026-000001 runs to 31 May 2027."""

import datetime as dt

import pytest

from common.errors import Conflict
from contracts.models import Contract, ContractEvent, ContractLine
from contracts.services import rma
from contracts.services.rma import contract_rma_swap
from relicensing.models import Equipment, EquipmentEvent, Registration
from relicensing.services.imports import registrations_import
from tests.contracts.test_coverage import contract_of
from tests.races import race
from tests.relicensing.registering import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_contract(frozen_friday, acx2200, customer):
    return contract_of(customer, "CT-2026-000001", ["JN11AC220001", "JN11AC220002"])


def swap(client, returned, replacement, number="CT-2026-000001", **extra):
    return client.post(
        f"/api/v1/contracts/{number}/rma/",
        {"returned_serial": returned, "replacement_serial": replacement, **extra},
        format="json",
    )


def serials_on(contract):
    return sorted(
        ContractLine.objects.filter(contract=contract).values_list("equipment__serial_number", flat=True)
    )


def test_staff_swap_a_returned_unit_for_its_replacement(api_as, staff, acme_contract, acme):
    answer = swap(api_as(staff), " jn11ac220001 ", "jn11ac229999")
    assert answer.status_code == 200
    body = answer.json()
    assert [line["serial_number"] for line in body["lines"]] == ["JN11AC220002", "JN11AC229999"]
    assert (body["starts_on"], body["ends_on"]) == ("2026-06-01", "2027-05-31")  # the rest of its coverage
    assert body["history"][-1]["kind"] == "rma_swap"
    assert body["history"][-1]["note"] == (
        "RMA: JN11AC220001 returned to Juniper Networks, replaced by JN11AC229999 (ACX2200), "
        "covered until 31 May 2027."
    )
    returned = Equipment.objects.get(serial_number="JN11AC220001")
    assert returned.retired == "returned_rma" and returned.retired_at is not None
    replacement = Equipment.objects.get(serial_number="JN11AC229999")
    assert (replacement.product.model, replacement.current_owner, replacement.retired) == (
        "ACX2200",
        acme,
        "",
    )
    claim = Registration.objects.get(equipment=replacement)
    assert (claim.organization, claim.acquisition_channel, claim.registered_by, claim.acquired_on) == (
        acme,
        "authorized",
        staff,
        dt.date(2026, 11, 20),
    )
    assert claim.acquired_from == "Juniper Networks: RMA replacement for JN11AC220001"
    assert list(EquipmentEvent.objects.filter(serial_number="JN11AC220001").values_list("kind", "note"))[
        -1
    ] == ("returned_rma", "Returned under an RMA on contract CT-2026-000001; replaced by JN11AC229999.")
    assert list(
        EquipmentEvent.objects.filter(serial_number="JN11AC229999").values_list("kind", flat=True)
    ) == [
        "registered",
        "rma_replacement",
    ]
    assert EquipmentEvent.objects.get(serial_number="JN11AC229999", kind="rma_replacement").note == (
        "Joined contract CT-2026-000001 in place of JN11AC220001 (RMA), in Acme Networks's name, "
        "covered until 31 May 2027."
    )


def test_the_returned_unit_can_never_be_registered_again(
    api_as, staff, other_customer, acme_contract, borealis
):
    swap(api_as(staff), "JN11AC220001", "JN11AC229999")
    again = api_as(other_customer).post(
        "/api/v1/equipment/",
        {
            "vendor": "juniper",
            "serial_number": "JN11AC220001",
            "product": "ACX2200",
            "acquisition_channel": "secondary_market",
        },
        format="json",
    )
    assert again.status_code == 409
    assert again.json()["code"] == "retired_equipment"
    assert again.json()["detail"] == (
        "Juniper Networks serial JN11AC220001 was returned to the vendor under an RMA; it can never be "
        "registered again as working equipment."
    )
    imported = registrations_import(
        organization=borealis,
        user=other_customer,
        rows=[
            (
                2,
                {
                    "vendor": "juniper",
                    "serial_number": "JN11AC220001",
                    "product": "ACX2200",
                    "acquisition_channel": "secondary_market",
                },
            ),
            (
                3,
                {
                    "vendor": "juniper",
                    "serial_number": "JN11AC220077",
                    "product": "ACX2200",
                    "acquisition_channel": "secondary_market",
                },
            ),
        ],
    )
    assert (imported.created, imported.already_registered) == (1, 0)  # the good row still goes in
    assert imported.rejected == [
        {
            "row": 2,
            "serial_number": "JN11AC220001",
            "errors": [
                "serial_number: Juniper Networks serial JN11AC220001 was returned to the vendor under an "
                "RMA; it can never be registered again as working equipment."
            ],
        }
    ]
    assert not Registration.objects.filter(
        organization=borealis, equipment__serial_number="JN11AC220001"
    ).exists()


def test_a_serial_not_on_the_contract_cannot_be_returned(api_as, staff, acme_contract):
    answer = swap(api_as(staff), "JN11AC220077", "JN11AC229999")
    assert (answer.status_code, answer.json()["code"]) == (400, "not_on_contract")
    assert serials_on(acme_contract) == ["JN11AC220001", "JN11AC220002"]


def test_the_replacement_must_be_the_same_product(api_as, staff, customer, acme_contract, qfx5100):
    register(customer, "JN11QF000001", product="QFX5100")
    client = api_as(staff)
    known = swap(client, "JN11AC220001", "JN11QF000001")
    assert (known.status_code, known.json()["code"]) == (400, "rma_product_mismatch")
    assert known.json()["detail"] == (
        "JN11QF000001 is QFX5100, but the returned JN11AC220001 is ACX2200: an RMA replaces a unit with "
        "one of the same product."
    )
    shipped = swap(client, "JN11AC220001", "JN11AC229999", replacement_product="QFX5100")
    assert (shipped.status_code, shipped.json()["code"]) == (400, "rma_product_mismatch")
    assert serials_on(acme_contract) == ["JN11AC220001", "JN11AC220002"]
    assert not Equipment.objects.filter(serial_number="JN11AC229999").exists()
    assert Equipment.objects.get(serial_number="JN11AC220001").retired == ""


def test_a_replacement_covered_elsewhere_is_a_409(api_as, staff, acme_contract, other_customer, customer):
    contract_of(other_customer, "CT-2026-000002", ["JN11BO000001"], ends_on=dt.date(2027, 6, 30))
    contract_of(  # a future contract of Acme's covers JN11AC220005 from January
        customer,
        "CT-2026-000003",
        ["JN11AC220005"],
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    client = api_as(staff)
    for replacement, covering in (
        ("JN11BO000001", "CT-2026-000002"),
        ("JN11AC220005", "CT-2026-000003"),
        ("JN11AC220002", "CT-2026-000001"),  # already on this very contract
    ):
        answer = swap(client, "JN11AC220001", replacement)
        assert (answer.status_code, answer.json()["code"], answer.json()["contract"]) == (
            409,
            "already_covered",
            covering,
        )
    assert serials_on(acme_contract) == ["JN11AC220001", "JN11AC220002"]


def test_a_unit_on_an_expired_contract_may_be_the_replacement(api_as, staff, customer, acme_contract):
    contract_of(
        customer,
        "CT-2025-000007",
        ["JN11AC220003"],
        starts_on=dt.date(2025, 11, 1),
        ends_on=dt.date(2026, 10, 31),
    )
    assert swap(api_as(staff), "JN11AC220001", "JN11AC220003").status_code == 200
    assert serials_on(acme_contract) == ["JN11AC220002", "JN11AC220003"]
    # Acme's own registration of it stands: no second claim.
    assert Registration.objects.filter(equipment__serial_number="JN11AC220003").count() == 1


def test_a_replacement_another_organisation_holds_is_refused(api_as, staff, other_customer, acme_contract):
    register(other_customer, "JN11BO000009")
    answer = swap(api_as(staff), "JN11AC220001", "JN11BO000009")
    assert (answer.status_code, answer.json()["code"]) == (409, "registered_elsewhere")


def test_an_expired_contract_takes_no_swap(api_as, staff, customer, frozen_friday, acx2200):
    contract_of(
        customer,
        "CT-2025-000007",
        ["JN11AC220003"],
        starts_on=dt.date(2025, 11, 1),
        ends_on=dt.date(2026, 10, 31),
    )
    answer = swap(api_as(staff), "JN11AC220003", "JN11AC229999", number="CT-2025-000007")
    assert (answer.status_code, answer.json()["code"]) == (409, "contract_expired")


def test_only_staff_swap_and_outsiders_do_not_find_the_contract(api_as, everyone, acme_contract):
    for who in ("customer", "partner"):  # they see the contract, but may not swap
        answer = swap(api_as(everyone[who]), "JN11AC220001", "JN11AC229999")
        assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied"), who
    for who in ("other_customer", "other_partner", "inspector"):  # another organisation's contract
        assert swap(api_as(everyone[who]), "JN11AC220001", "JN11AC229999").status_code == 404, who
    assert (
        swap(api_as(everyone["staff"]), "JN11AC220001", "JN11AC229999", number="CT-2026-999999").status_code
        == 404
    )
    assert serials_on(acme_contract) == ["JN11AC220001", "JN11AC220002"]


# --- donated equipment ------------------------------------------------------------------------
@pytest.fixture
def donated_contract(frozen_friday, acx2200, customer):
    return contract_of(customer, "CT-2026-000004", ["JN11DN000001", "JN11DN000002"], channel="donated")


def test_a_donated_contracts_replacement_is_registered_as_donated(api_as, staff, donated_contract, acme):
    assert swap(api_as(staff), "JN11DN000001", "JN11DN000009", number="CT-2026-000004").status_code == 200
    claim = Registration.objects.get(equipment__serial_number="JN11DN000009")
    assert (claim.organization, claim.acquisition_channel) == (acme, "donated")
    assert serials_on(donated_contract) == ["JN11DN000002", "JN11DN000009"]


def test_equipment_obtained_elsewhere_cannot_join_a_donated_contract(
    api_as, staff, customer, donated_contract
):
    register(customer, "JN11AC220088")  # bought on the secondary market
    register(customer, "JN11DN000008", acquisition_channel="donated")
    client = api_as(staff)
    refused = swap(client, "JN11DN000001", "JN11AC220088", number="CT-2026-000004")
    assert (refused.status_code, refused.json()["code"]) == (400, "donated_contract_only")
    assert refused.json()["detail"] == (
        "Contract CT-2026-000004 covers donated equipment: JN11AC220088 was obtained elsewhere, and "
        "equipment obtained elsewhere cannot be added to it."
    )
    assert serials_on(donated_contract) == ["JN11DN000001", "JN11DN000002"]
    assert swap(client, "JN11DN000001", "JN11DN000008", number="CT-2026-000004").status_code == 200


# --- the race ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_one_replacement_put_on_two_contracts_at_once_joins_one(
    staff, customer, other_customer, frozen_friday, acx2200
):
    # Guard: the serial locks contract_rma_swap takes on both units before any check. Both swaps
    # pause at the replacement's check; with the locks the second waits for the first to commit
    # and then finds the replacement covered (409 already_covered). Without them (serials_lock
    # removed from contract_rma_swap: seen red by hand) both pass the check and the unit joins
    # both contracts, Acme's and Borealis's.
    acme_contract = contract_of(customer, "CT-2026-000001", ["JN11AC220001"])
    borealis_contract = contract_of(other_customer, "CT-2026-000002", ["JN11BO000001"])
    outcomes = race(
        lambda: contract_rma_swap(
            contract=acme_contract,
            user=staff,
            returned_serial="JN11AC220001",
            replacement_serial="JN11RP000001",
        ),
        lambda: contract_rma_swap(
            contract=borealis_contract,
            user=staff,
            returned_serial="JN11BO000001",
            replacement_serial="JN11RP000001",
        ),
        pause_at=[(rma, "_replacement_check")],
    )
    assert sorted(o.ok for o in outcomes) == [False, True]
    (lost,) = [o.error for o in outcomes if not o.ok]
    assert isinstance(lost, Conflict) and lost.code == "already_covered"
    assert ContractLine.objects.filter(equipment__serial_number="JN11RP000001").count() == 1
    assert ContractEvent.objects.filter(kind="rma_swap").count() == 1
    assert Equipment.objects.filter(retired="returned_rma").count() == 1
    assert Contract.objects.count() == 2


def test_the_returned_unit_can_enter_no_new_request(api_as, staff, customer, acme_contract):
    # Its owner's registration stays, as history; but the unit is out of commission for good
    # (DOMAIN.md: permanently damaged, out of commission or unusable), so it is not eligible.
    swap(api_as(staff), "JN11AC220001", "JN11AC229999")
    returned = Registration.objects.get(
        organization=customer.organization, equipment__serial_number="JN11AC220001"
    )
    assert (returned.eligible, returned.reasons) == (False, ["permanently_damaged"])
    answer = api_as(customer).get(f"/api/v1/equipment/{returned.pk}/").json()["eligibility"]
    assert answer == {"eligible": False, "path": "none", "reasons": ["permanently_damaged"]}


def test_a_held_or_flagged_replacement_never_joins_the_contract(
    api_as, staff, customer, acme_contract, juniper
):
    from relicensing.services.equipment import hold_place

    hold_place(vendor=juniper, serial_number="JN11AC229999", reason="Export control review", user=staff)
    refused = swap(api_as(staff), "JN11AC220001", "JN11AC229999")
    assert refused.status_code == 409
    assert refused.json()["code"] == "ineligible_equipment"
    assert refused.json()["detail"] == (
        "JN11AC229999 cannot join a contract: compliance hold. Ask for another replacement, or settle this first."
    )
    assert serials_on(acme_contract) == ["JN11AC220001", "JN11AC220002"]  # nothing changed
    assert not Registration.objects.filter(equipment__serial_number="JN11AC229999").exists()


def test_the_owners_licences_move_to_the_replacement(api_as, staff, customer, acme_contract):
    from relicensing.models import SoftwareLicence

    returned = Equipment.objects.get(serial_number="JN11AC220001")
    embedded = SoftwareLicence.objects.create(
        equipment=returned,
        kind="embedded",
        description="Junos",
        sku_code="SVC-JUNOS-REG-4",
        licensee=customer.organization,
        starts_on=dt.date(2026, 6, 1),
    )
    assert swap(api_as(staff), "JN11AC220001", "JN11AC229999").status_code == 200
    embedded.refresh_from_db()
    assert (embedded.status, embedded.terminated_on) == ("terminated", dt.date(2026, 11, 20))
    moved = SoftwareLicence.objects.get(equipment__serial_number="JN11AC229999")
    assert (moved.kind, moved.sku_code, moved.licensee, moved.status, moved.starts_on) == (
        "embedded",
        "SVC-JUNOS-REG-4",
        customer.organization,
        "active",
        dt.date(2026, 11, 20),
    )
    assert moved.description == "Junos (moved from JN11AC220001 under an RMA)"
