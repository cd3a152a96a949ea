"""Who may do what to which object: the table of accounts.permissions, asked with real objects of
Acme's, for the six kinds of people, and enforced by the services whoever calls them."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.permissions import ACTIONS, action_allowed
from common.errors import NotPermitted
from contracts.models import Contract, RenewalQuote
from contracts.services.price_book import sku_create
from contracts.services.quotes import quote_accept, quote_issue
from inspections.models import Inspection
from relicensing.services.catalog import product_create
from relicensing.services.equipment import equipment_flag_set, hold_place, registration_create
from relicensing.services.requests import request_cancel, request_reject
from tests.relicensing.registering import register
from tests.relicensing.requesting import open_request

pytestmark = pytest.mark.django_db

EVERYONE = ["customer", "other_customer", "partner", "other_partner", "inspector", "staff"]
# By hand, from API.md ("Roles and visibility", and each endpoint's who) and DOMAIN.md ("The
# people"): who may do each action to Acme's organisation, request or quote.
MAY = {
    "registration_create": {"customer", "partner", "staff"},
    "request_open": {"customer", "partner"},
    "request_cancel": {"customer", "partner"},
    "request_reject": {"staff"},
    "document_upload": {"customer", "partner", "staff"},
    "document_verify": {"staff"},
    "quote_issue": {"partner", "staff"},
    "quote_accept": {"customer", "partner"},
    "hold_place": {"staff"},
    "hold_release": {"staff"},
    "equipment_flag": {"staff"},
    "ownership_settle": {"staff"},
    "catalog_write": {"staff"},
    "price_book_write": {"staff"},
    # The visit of one of Acme's requests, assigned to the inspector (API.md, "Inspections").
    "inspection_schedule": {"staff"},
    "inspection_reschedule": {"customer", "partner"},
    "inspection_results_record": {"inspector", "staff"},
    "inspection_photo_upload": {"inspector", "staff"},
    "inspection_result_correct": {"staff"},
    "checklist_publish": {"staff"},
    # Orders and approval of Acme's request; its contract (API.md, "Orders, approval, contracts").
    "purchase_order_receive": {"customer", "partner"},
    "request_approve": {"staff"},
    "contract_site_correct": {"customer", "partner"},
    # RMA swaps on Acme's contract; take-back of a unit Acme registered (API.md, contracts).
    "contract_rma_swap": {"staff"},
    "equipment_take_back": {"customer"},
    # Renewals of Acme's contract (API.md, "renewal-quote"; issue 10, item 6).
    "renewal_quote_issue": {"partner", "staff"},
    "renewal_quote_order": {"customer", "partner"},
    "renewal_quote_approve": {"staff"},
}
ON = {  # the object each action is asked about
    "registration_create": "organization",
    "request_open": "organization",
    "request_cancel": "request",
    "request_reject": "request",
    "document_upload": "request",
    "document_verify": "request",
    "quote_issue": "request",
    "quote_accept": "quote",
    "inspection_schedule": "inspection",
    "inspection_reschedule": "inspection",
    "inspection_results_record": "inspection",
    "inspection_photo_upload": "inspection",
    "inspection_result_correct": "inspection",
    "purchase_order_receive": "request",
    "request_approve": "request",
    "contract_site_correct": "contract",
    "contract_rma_swap": "contract",
    "equipment_take_back": "registration",
    "renewal_quote_issue": "contract",
    "renewal_quote_order": "renewal_quote",
    "renewal_quote_approve": "renewal_quote",
}


@pytest.fixture
def acme_objects(customer, partner, inspector, acx2200, frozen_friday):
    request = open_request(customer, register(customer))
    visited = open_request(customer, register(customer, "AB12CD34EF57"))
    quote_accept(quote=quote_issue(request=visited, user=partner), user=customer)
    Inspection.objects.filter(request=visited).update(inspector=inspector)  # assigned
    return {
        "organization": customer.organization,
        "request": request,
        "quote": quote_issue(request=request, user=partner),
        "inspection": Inspection.objects.get(request=visited),
        "registration": request.items.get().registration,
        "contract": Contract.objects.create(
            number="CT-2026-000001",
            owner=customer.organization,
            site_name="Leeds",
            site_address="1 Network Way",
            site_country="GB",
            starts_on=dt.date(2026, 12, 1),
            ends_on=dt.date(2027, 11, 30),
            sales_order="SO-2026-000001",
        ),
        # Unsaved: the table reads only the path to its owner (contract__owner).
        "renewal_quote": RenewalQuote(contract=Contract(owner=customer.organization)),
    }


def test_every_action_is_in_the_table():
    assert set(ACTIONS) == set(MAY)


@pytest.mark.parametrize("action", sorted(MAY))
def test_who_may_do_each_action_to_acmes_objects(everyone, acme_objects, action):
    target = acme_objects.get(ON.get(action, ""))
    allowed = {who for who in EVERYONE if action_allowed(everyone[who], action, target)}
    assert allowed == MAY[action]


def test_a_deactivated_person_may_do_nothing(everyone, acme_objects):
    customer = everyone["customer"]
    customer.is_active = False
    assert not action_allowed(customer, "request_cancel", acme_objects["request"])


# --- the services refuse, whoever calls them (not only the API's permission classes) --------
def test_a_partner_not_serving_the_customer_cannot_quote_or_accept(other_partner, acme_objects):
    with pytest.raises(NotPermitted):
        quote_issue(request=acme_objects["request"], user=other_partner)
    with pytest.raises(NotPermitted):
        quote_accept(quote=acme_objects["quote"], user=other_partner)


def test_another_customer_cannot_cancel_and_only_staff_reject(other_customer, customer, acme_objects):
    with pytest.raises(NotPermitted):
        request_cancel(request=acme_objects["request"], user=other_customer)
    with pytest.raises(NotPermitted) as refused:
        request_reject(request=acme_objects["request"], user=customer, reason="no")
    assert refused.value.status_code == 403 and refused.value.code == "permission_denied"


def test_only_staff_hold_flag_and_change_the_catalog_and_price_book(everyone, acme_objects, acx2200):
    equipment = acme_objects["request"].items.get().equipment
    for who in ("customer", "partner", "inspector"):
        user = everyone[who]
        with pytest.raises(NotPermitted):
            hold_place(vendor=acx2200.vendor, serial_number="AB12CD34EF99", reason="x", user=user)
        with pytest.raises(NotPermitted):
            equipment_flag_set(equipment=equipment, flag="counterfeit", note="", user=user)
        with pytest.raises(NotPermitted):
            product_create(user=user, vendor=acx2200.vendor, model="MX99", category="router")
        with pytest.raises(NotPermitted):
            sku_create(
                user=user,
                code="X-1",
                kind="addon_license",
                description="x",
                vendor=acx2200.vendor,
                price=Decimal(1),
            )


def test_a_partner_registers_only_for_customers_it_serves(other_partner, customer, acx2200):
    with pytest.raises(NotPermitted):
        registration_create(
            organization=customer.organization,
            user=other_partner,
            vendor=acx2200.vendor,
            serial_number="AB12CD34EF98",
            product="ACX2200",
            acquisition_channel="secondary_market",
            acquired_on=dt.date(2026, 1, 1),
        )
