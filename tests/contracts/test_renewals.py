"""Renewals of a service contract (issue 10, item 6): the renewal quote and its lapse rules, order
and approval, the reminders at the vendor's tiers and the expiry sweep, with time frozen.

The contract is Acme's one ACX2200 (JN11AC220001), reinstated on Monday 7 December 2026: covered
7 December 2026 to 6 December 2027 (365 days, the last one included). The support-year SKU is
$437.00; the vendor keeps the defaults: 90 days' grace, re-inspection past 365 days, reminders 90,
30 and 7 days before the end. The lapse is the days without cover before the renewal date (from
the day after the old end to the day before the renewal date). Expected values by hand:
- before the end, or a lapse of up to 90 days: the new year is 7 Dec 2027 to 5 Dec 2028
  (old end + 1 day to old end + 365 days), $437.00, no back-support;
- renewed on 5 April 2028: 120 lapsed days (7 Dec 2027 to 4 Apr 2028: 25 + 31 + 29 + 31 + 4),
  back-support 437.00 * 120 / 365 = 143.6712... rounded half-up to the cent = $143.67, total
  $580.67; the new year is 5 April 2028 to 4 April 2029;
- renewed on 7 December 2028: 366 lapsed days, past the threshold: 409 reinspection_required.
"""

import datetime as dt
from decimal import Decimal

import pytest

from common.errors import Conflict
from contracts.choices import ContractEventKind, RenewalQuoteStatus
from contracts.models import Contract, ContractEvent, ContractLine, RenewalQuote
from contracts.services import renewal_sweeps, renewals
from contracts.services.orders import purchase_order_receive, request_approve
from notices.models import Notice
from relicensing.models import Vendor
from tests.contracts.ordering import inspected, prepared
from tests.factories import UserFactory
from tests.races import race
from tests.relicensing.registering import register

pytestmark = pytest.mark.django_db

OLD_END = dt.date(2027, 12, 6)
NEW_YEAR = (dt.date(2027, 12, 7), dt.date(2028, 12, 5))


def on(time_machine, day: dt.date) -> None:
    time_machine.move_to(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False)


@pytest.fixture
def other_staff(operator):
    return UserFactory(username="staff2", organization=operator, role="staff")


@pytest.fixture
def contract(
    frozen_friday, juniper, acx2200, time_machine, customer, partner, staff, inspector,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """Through the services: inspected (one passed, one failed), ordered, approved, reinstated."""
    prepared(inspector, juniper)
    request = inspected(
        time_machine,
        customer=customer,
        partner=partner,
        staff=staff,
        inspector=inspector,
        passes=(True, False),
    )
    purchase_order_receive(request=request, user=customer, po_number="PO-7781", amount="4437.00")
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request, user=staff)
    contract = Contract.objects.get(request=request)
    assert (contract.starts_on, contract.ends_on) == (dt.date(2026, 12, 7), OLD_END)
    return contract


def quote_via_api(api_as, user, contract):
    return api_as(user).post(f"/api/v1/contracts/{contract.number}/renewal-quote/", {}, format="json")


# --- lapse rules ------------------------------------------------------------------------------
def test_renewed_before_the_end_the_new_year_runs_on_from_the_old_end(
    contract, time_machine, api_as, partner
):
    on(time_machine, dt.date(2027, 11, 6))
    answer = quote_via_api(api_as, partner, contract)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["status"], body["contract"], body["number"]) == (
        "issued",
        contract.number,
        f"{contract.number}-R1",
    )
    assert (body["starts_on"], body["ends_on"], body["lapsed_days"]) == ("2027-12-07", "2028-12-05", 0)
    assert [
        (line["kind"], line["serial_number"], line["days"], line["amount"]) for line in body["lines"]
    ] == [("support_year", "JN11AC220001", 365, "437.00")]
    assert (body["total"], body["currency"]) == ("437.00", "USD")
    assert body["valid_until"] == "2027-12-06"  # 30 days would pass the end: the terms change then


def test_thirty_days_after_the_end_still_co_terminous_without_back_support(
    contract, time_machine, api_as, staff
):
    on(time_machine, dt.date(2028, 1, 6))  # 30 days without cover: 7 Dec 2027 to 5 Jan 2028
    body = quote_via_api(api_as, staff, contract).json()
    assert (body["starts_on"], body["ends_on"], body["lapsed_days"], body["total"]) == (
        "2027-12-07",
        "2028-12-05",
        0,
        "437.00",
    )
    assert [line["kind"] for line in body["lines"]] == ["support_year"]


@pytest.mark.parametrize(
    ("renewed_on", "expected"),
    [
        (dt.date(2027, 12, 7), ("grace", 0, *NEW_YEAR)),  # the day after the end: no lapse
        (dt.date(2028, 3, 6), ("grace", 0, *NEW_YEAR)),  # a lapse of 90 days: the last day of grace
        (dt.date(2028, 3, 7), ("back_support", 91, dt.date(2028, 3, 7), dt.date(2029, 3, 6))),
        (dt.date(2028, 12, 6), ("back_support", 365, dt.date(2028, 12, 6), dt.date(2029, 12, 5))),
    ],
)
def test_the_grace_and_threshold_boundaries(renewed_on, expected):
    terms = renewals.renewal_terms(ends_on=OLD_END, vendor=Vendor(), today=renewed_on)
    assert (terms.phase, terms.lapsed_days, terms.starts_on, terms.ends_on) == expected


def test_back_support_is_rounded_half_up_to_the_cent():
    assert renewals.back_support_amount(Decimal("437.00"), 120) == Decimal("143.67")
    assert renewals.back_support_amount(Decimal("437.00"), 365) == Decimal("437.00")
    assert renewals.back_support_amount(Decimal("1.00"), 73) == Decimal("0.20")
    assert renewals.back_support_amount(Decimal("0.73"), 125) == Decimal("0.25")  # 0.25 exactly
    assert renewals.back_support_amount(Decimal("0.01"), 219) == Decimal("0.01")  # 0.006 -> 0.01


def test_a_120_day_lapse_is_priced_with_back_support_ordered_and_approved_through_the_api(
    contract, time_machine, api_as, partner, customer, staff
):
    on(time_machine, dt.date(2028, 4, 5))
    answer = quote_via_api(api_as, partner, contract)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert [(line["kind"], line["days"], line["unit_price"], line["amount"]) for line in body["lines"]] == [
        ("support_year", 365, "437.00", "437.00"),
        ("back_support", 120, "437.00", "143.67"),
    ]
    assert body["lines"][1]["description"] == "Back-support, 120 lapsed days: 7 Dec 2027 to 4 Apr 2028"
    assert (body["lapsed_days"], body["total"], body["starts_on"], body["ends_on"]) == (
        120,
        "580.67",
        "2028-04-05",
        "2029-04-04",
    )
    assert body["valid_until"] == "2028-04-05"  # tomorrow one more day has lapsed
    quote_id = body["id"]

    wrong = api_as(customer).post(
        f"/api/v1/renewal-quotes/{quote_id}/order/", {"po_number": "PO-9", "amount": "437.00"}, format="json"
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "amount_mismatch"
    assert (wrong.json()["amount"], wrong.json()["total"]) == ("437.00", "580.67")
    ordered = api_as(customer).post(
        f"/api/v1/renewal-quotes/{quote_id}/order/", {"po_number": "PO-9", "amount": "580.67"}, format="json"
    )
    assert ordered.status_code == 200 and ordered.json()["status"] == "ordered"

    on(time_machine, dt.date(2028, 4, 6))
    assert (
        api_as(customer).post(f"/api/v1/renewal-quotes/{quote_id}/approve/", {}, format="json").status_code
        == 403
    )
    approved = api_as(staff).post(f"/api/v1/renewal-quotes/{quote_id}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    contract.refresh_from_db()
    assert (contract.starts_on, contract.ends_on) == (dt.date(2026, 12, 7), dt.date(2029, 4, 4))
    renewed = contract.events.get(kind=ContractEventKind.RENEWED)
    assert renewed.actor == staff
    assert renewed.note == (
        f"Renewed with {contract.number}-R1 (purchase order PO-9): coverage ends 2029-04-04 instead of "
        "2027-12-06; back-support for 120 lapsed days."
    )
    found = api_as(customer).get(f"/api/v1/contracts/{contract.number}/").json()
    assert (found["ends_on"], found["status"]) == ("2029-04-04", "active")
    assert (
        api_as(staff).post(f"/api/v1/renewal-quotes/{quote_id}/approve/", {}, format="json").status_code
        == 409
    )


def test_past_the_threshold_reinspection_is_required(contract, time_machine, api_as, partner):
    on(time_machine, dt.date(2028, 12, 7))  # 366 days without cover
    answer = quote_via_api(api_as, partner, contract)
    assert answer.status_code == 409
    assert answer.json()["code"] == "reinspection_required"
    assert answer.json()["lapsed_days"] == 366
    assert not RenewalQuote.objects.exists()


def test_another_organisations_contract_is_not_found_and_customers_do_not_quote(
    contract, time_machine, api_as, other_partner, other_customer, customer, partner
):
    on(time_machine, dt.date(2027, 11, 6))
    assert quote_via_api(api_as, other_partner, contract).status_code == 404
    assert quote_via_api(api_as, other_customer, contract).status_code == 404
    assert quote_via_api(api_as, customer, contract).status_code == 403
    quote_id = quote_via_api(api_as, partner, contract).json()["id"]
    for outsider in (other_partner, other_customer):
        client = api_as(outsider)
        assert client.get(f"/api/v1/renewal-quotes/{quote_id}/").status_code == 404
        order = {"po_number": "X", "amount": "437.00"}
        assert (
            client.post(f"/api/v1/renewal-quotes/{quote_id}/order/", order, format="json").status_code == 404
        )
    assert api_as(customer).get(f"/api/v1/renewal-quotes/{quote_id}/").json()["total"] == "437.00"


def test_a_new_quote_supersedes_an_issued_one_but_not_an_ordered_one(
    contract, time_machine, partner, customer
):
    on(time_machine, dt.date(2027, 11, 6))
    first = renewals.renewal_quote_issue(contract=contract, user=partner)
    second = renewals.renewal_quote_issue(contract=contract, user=partner)
    first.refresh_from_db()
    assert (first.status, second.status, second.revision) == ("superseded", "issued", 2)
    renewals.renewal_quote_order(quote=second, user=customer, po_number="PO-1", amount="437.00")
    with pytest.raises(Conflict) as refused:
        renewals.renewal_quote_issue(contract=contract, user=partner)
    assert refused.value.code == "invalid_transition"


def test_an_issued_quote_is_not_approved_and_an_expired_one_not_ordered(
    contract, time_machine, partner, customer, staff
):
    on(time_machine, dt.date(2027, 11, 6))
    quote = renewals.renewal_quote_issue(contract=contract, user=partner)
    with pytest.raises(Conflict):
        renewals.renewal_quote_approve(quote=quote, user=staff)
    on(time_machine, dt.date(2027, 12, 7))  # valid until the end, 6 December
    with pytest.raises(Conflict):
        renewals.renewal_quote_order(quote=quote, user=customer, po_number="PO-1", amount="437.00")
    assert renewal_sweeps.renewal_quotes_expire() == 1
    assert renewal_sweeps.renewal_quotes_expire() == 0
    quote.refresh_from_db()
    assert quote.status == RenewalQuoteStatus.EXPIRED


# --- reminders --------------------------------------------------------------------------------
def reminders():
    return sorted(
        (n.context["tier"], n.recipient.username)
        for n in Notice.objects.filter(event="contract_renewal_reminder").select_related("recipient")
    )


def test_each_reminder_tier_is_sent_once_to_the_owner_and_its_partner(
    contract, time_machine, customer, partner, mailbox
):
    runs = [
        (dt.date(2027, 9, 6), 0),  # 91 days before the end: nothing yet
        (dt.date(2027, 9, 7), 1),  # 90 days
        (dt.date(2027, 9, 7), 0),  # the same day again
        (dt.date(2027, 10, 20), 0),
        (dt.date(2027, 11, 6), 1),  # 30 days
        (dt.date(2027, 11, 29), 1),  # 7 days
        (dt.date(2027, 12, 1), 0),
        (dt.date(2027, 12, 20), 0),  # after the end: nothing new
    ]
    for day, expected in runs:
        on(time_machine, day)
        assert renewal_sweeps.renewal_reminders_send() == expected, day
    assert reminders() == [
        (7, "customer"),
        (7, "partner"),
        (30, "customer"),
        (30, "partner"),
        (90, "customer"),
        (90, "partner"),
    ]
    last = Notice.objects.get(event="contract_renewal_reminder", context__tier=7, recipient=customer)
    assert last.render("subject.txt").strip() == (
        f"Contract {contract.number} ends on 6 Dec 2027: renew before then for no gap"
    )
    assert "in 7 days. Renew before 6 Dec 2027 for no gap" in last.render("body.txt")


def test_a_missed_tier_after_the_end_names_the_back_support_date_and_stops_past_the_threshold(
    contract, time_machine
):
    on(time_machine, dt.date(2028, 1, 6))  # the sweep never ran before: only the nearest tier
    assert renewal_sweeps.renewal_reminders_send() == 1
    assert {tier for tier, _ in reminders()} == {7}
    notice = Notice.objects.filter(event="contract_renewal_reminder").first()
    assert "renew by 6 Mar 2028 to avoid back-support" in notice.render("subject.txt")
    Notice.objects.all().delete()
    on(time_machine, dt.date(2028, 12, 7))  # renewal no longer possible
    assert renewal_sweeps.renewal_reminders_send() == 0


def test_no_reminder_while_a_renewal_is_ordered(contract, time_machine, partner, customer):
    on(time_machine, dt.date(2027, 9, 1))
    quote = renewals.renewal_quote_issue(contract=contract, user=partner)
    renewals.renewal_quote_order(quote=quote, user=customer, po_number="PO-1", amount="437.00")
    on(time_machine, dt.date(2027, 9, 7))
    assert renewal_sweeps.renewal_reminders_send() == 0


# --- expiry sweep -----------------------------------------------------------------------------
def test_the_expiry_sweep_records_the_end_once_however_often_it_runs(
    contract, time_machine, api_as, customer
):
    on(time_machine, OLD_END)
    assert renewal_sweeps.contracts_expire() == 0  # the last covered day
    on(time_machine, OLD_END + dt.timedelta(days=1))
    assert renewal_sweeps.contracts_expire() == 1
    assert renewal_sweeps.contracts_expire() == 0
    expired = contract.events.filter(kind=ContractEventKind.EXPIRED)
    assert [e.note for e in expired] == ["Expired: coverage ended on 2027-12-06."]
    assert api_as(customer).get(f"/api/v1/contracts/{contract.number}/").json()["status"] == "expired"


# --- races against the real database ----------------------------------------------------------
@pytest.fixture
def plain_contract(frozen_friday, juniper, acx2200, customer, partner):
    """A contract built directly (the race tests commit for real): one ACX2200, ending 6 Dec 2027."""
    unit = register(customer, "JN11AC220001").equipment
    contract = Contract.objects.create(
        number="CT-2026-009001",
        owner=customer.organization,
        site_name="Leeds",
        site_address="1 Network Way",
        site_country="GB",
        starts_on=dt.date(2026, 12, 7),
        ends_on=OLD_END,
        sales_order="SO-2026-009001",
    )
    ContractLine.objects.create(contract=contract, equipment=unit)
    return contract


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_extend_the_contract_once(
    plain_contract, time_machine, partner, customer, staff, other_staff
):
    # Guarded twice: renewal_quote_approve locks the contract row, then re-reads the quote and
    # checks it is ordered; the engine then locks the quote row and checks its table again. Both
    # threads pause just before `transition`; the second is held at the contract lock until the
    # first commits, then finds the quote approved (409). Removing the contract lock alone keeps
    # this green (the engine's check refuses the second, and its transaction rolls back); checked.
    on(time_machine, dt.date(2027, 11, 6))
    quote = renewals.renewal_quote_issue(contract=plain_contract, user=partner)
    renewals.renewal_quote_order(quote=quote, user=customer, po_number="PO-1", amount="437.00")
    outcomes = race(
        lambda: renewals.renewal_quote_approve(quote=quote, user=staff),
        lambda: renewals.renewal_quote_approve(quote=quote, user=other_staff),
        pause_at=[(renewals, "transition")],
    )
    assert sorted(o.ok for o in outcomes) == [False, True]
    assert all(o.ok or isinstance(o.error, Conflict) for o in outcomes), [o.error for o in outcomes]
    plain_contract.refresh_from_db()
    assert plain_contract.ends_on == NEW_YEAR[1]
    assert ContractEvent.objects.filter(contract=plain_contract, kind=ContractEventKind.RENEWED).count() == 1
    assert quote.transitions.filter(to_status=RenewalQuoteStatus.APPROVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_renewal_quotes_at_once_are_two_revisions_not_an_error(
    plain_contract, time_machine, partner, staff
):
    # Guard: the contract lock in renewal_quote_issue (contract_lock). Both pause just after
    # taking it; without it both read no revision yet and insert revision 1: the second fails on
    # renewal_quote_revision_unique (an IntegrityError, a 500). With it the second waits, then
    # supersedes the first and issues revision 2.
    on(time_machine, dt.date(2027, 11, 6))
    outcomes = race(
        lambda: renewals.renewal_quote_issue(contract=plain_contract, user=partner),
        lambda: renewals.renewal_quote_issue(contract=plain_contract, user=staff),
        pause_at=[(renewals, "contract_lock")],
        before=False,
    )
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    statuses = dict(RenewalQuote.objects.values_list("revision", "status"))
    assert statuses == {1: "superseded", 2: "issued"}


@pytest.mark.django_db(transaction=True)
def test_two_expiry_sweeps_at_once_record_one_expiry(plain_contract, time_machine):
    # Guard: the contract lock in _expiry_record (contract_lock), then the re-read of the marks.
    # Both pause just before writing the mark; without the lock both found none and both write,
    # and the second fails on one_expiry_per_contract_end (the database's backstop: an error,
    # never a second EXPIRED event). With the lock the second waits at the lock, then finds the
    # mark and records nothing. Checked by hand: with contract_lock not locking, this fails.
    on(time_machine, OLD_END + dt.timedelta(days=1))
    first, second = race(
        renewal_sweeps.contracts_expire,
        renewal_sweeps.contracts_expire,
        pause_at=[(renewal_sweeps, "_expiry_mark")],
    )
    assert first.ok and second.ok, (first.error, second.error)
    assert first.value + second.value == 1
    assert ContractEvent.objects.filter(contract=plain_contract, kind=ContractEventKind.EXPIRED).count() == 1
