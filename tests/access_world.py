"""The world the role x endpoint matrix runs in: Acme (served by NetReseller) and Borealis (served
by Polar Partners) each with equipment, requests at every step, an inspection, contracts and
renewal quotes, built once through the services. Acme's objects are the targets of the matrix's
`{id}` paths; Borealis's exist so every answer can be searched for the other side's data.

Time: built from Friday 20 November 2026 (requests opened, quotes accepted, visits booked), then
moved to the visit day, Monday 7 December 2026 15:00 UTC, where the results are recorded and the
purchase order arrives. The matrix's calls run at that moment too (`VISIT_DAY`)."""

import datetime as dt
from dataclasses import dataclass, field

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import OrganizationKind, Role
from accounts.models import Invitation, User
from accounts.services import invitation_create
from contracts.models import Contract, Quote, RenewalQuote
from contracts.services.orders import purchase_order_receive
from contracts.services.quotes import quote_accept, quote_issue
from contracts.services.renewals import renewal_quote_issue, renewal_quote_order
from inspections.models import Inspection, InspectionPhoto
from inspections.services.results import inspection_photo_add, inspection_results_record
from inspections.services.visits import inspection_schedule
from relicensing.models import ComplianceHold, Registration, RequestDocument, RequestMessage
from relicensing.models import Request as RelicensingRequest
from relicensing.services.equipment import hold_place
from relicensing.services.messages import request_message_post
from relicensing.services.requests import document_upload
from tests.contracts.ordering import VISIT_DAY
from tests.contracts.test_coverage import contract_of
from tests.factories import (
    OrganizationFactory,
    PartnershipFactory,
    UserFactory,
    VendorFactory,
    priced_product,
)
from tests.inspections.visits import MONDAY, answers, checklist, coverage
from tests.relicensing.registering import register
from tests.relicensing.requesting import PDF, SITE, open_request
from webhooks.models import WebhookDelivery, WebhookEndpoint

FRIDAY = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)
LATER_VISIT = dt.date(2026, 12, 22)  # Tuesday; the rescheduling target's booked day
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
BOREALIS_SITE = {
    **SITE,
    "name": "Borealis Site",
    "address": "9 Fjord Road\nAberdeen AB10 1AA",
    "contact_name": "Sam Fjell",
    "contact_email": "sam@borealis.example",
}
PEOPLE = (
    "customer",
    "other_customer",
    "partner",
    "other_partner",
    "inspector",
    "other_inspector",
    "staff",
    "anonymous",
)


@dataclass
class World:
    people: dict[str, User | None]
    registration: Registration  # Acme's JN11AC220001, in the approved-ready request
    free: Registration  # Acme's unit in no request
    donated: Registration  # Acme's donated unit (take-back)
    disputed: Registration  # Acme's claim on a serial Borealis also claims
    hold: ComplianceHold
    ready: RelicensingRequest  # po_received: staff may approve
    inspected: RelicensingRequest  # inspected, no order yet
    quoted: RelicensingRequest  # submitted and quoted, quote issued
    quote: Quote  # the issued quote of `quoted`
    document: RequestDocument  # a proof of licence on `quoted`
    completed: Inspection  # results recorded (the `ready` request's)
    unscheduled: Inspection
    booked_today: Inspection  # booked for the visit day, no results yet
    booked_later: Inspection  # booked for LATER_VISIT
    photo: InspectionPhoto  # on `booked_today`
    contract: Contract  # Acme's CT-2026-000001, with an issued renewal quote
    renewal: RenewalQuote  # issued, on `contract`
    ordered_renewal: RenewalQuote  # ordered, on CT-2026-000002
    message: RequestMessage | None = None  # on `ready`, by Acme's customer, with a PDF attached
    teammate: User | None = None  # another Acme customer user, not an administrator
    invitation: Invitation | None = None  # pending, to Acme, sent by staff
    webhook: WebhookEndpoint | None = None  # Acme's endpoint, with one failed delivery
    webhook_delivery: WebhookDelivery | None = None
    markers: dict[str, set[str]] = field(default_factory=dict)  # side -> strings only it may see


class _Clock:
    """`move_to` as the time_machine fixture has it, for a world built once per module."""

    def __init__(self) -> None:
        self._travel: time_machine.travel | None = None

    def move_to(self, destination: dt.datetime, tick: bool = False) -> None:
        self.stop()
        self._travel = time_machine.travel(destination, tick=tick)
        self._travel.start()

    def stop(self) -> None:
        if self._travel is not None:
            self._travel.stop()
            self._travel = None


def _people() -> dict[str, User | None]:
    acme = OrganizationFactory(name="Acme Networks", kind=OrganizationKind.CUSTOMER)
    borealis = OrganizationFactory(name="Borealis Data", kind=OrganizationKind.CUSTOMER)
    operator = OrganizationFactory(name="Programme Operations", kind=OrganizationKind.OPERATOR)
    netreseller = PartnershipFactory(partner__name="NetReseller", customer=acme).partner
    polar = PartnershipFactory(partner__name="Polar Partners", customer=borealis).partner
    return {
        "customer": UserFactory(username="customer", organization=acme, role=Role.CUSTOMER),
        "other_customer": UserFactory(username="customer2", organization=borealis, role=Role.CUSTOMER),
        "partner": UserFactory(username="partner", organization=netreseller, role=Role.PARTNER),
        "other_partner": UserFactory(username="partner2", organization=polar, role=Role.PARTNER),
        "inspector": UserFactory(username="inspector", organization=operator, role=Role.INSPECTOR),
        "other_inspector": UserFactory(username="inspector2", organization=operator, role=Role.INSPECTOR),
        "staff": UserFactory(username="staff", organization=operator, role=Role.STAFF),
        "anonymous": None,
    }


def _accepted(customer, partner, serial: str, *, site=SITE) -> Inspection:
    request = open_request(customer, register(customer, serial), date=MONDAY, site=site)
    quote_accept(quote=quote_issue(request=request, user=partner), user=customer)
    return Inspection.objects.get(request=request)


def _recorded(inspection: Inspection, inspector: User) -> Inspection:
    inspection_results_record(
        inspection=inspection,
        user=inspector,
        results=[
            {
                "serial_number": inspection.request.items.get().equipment.serial_number,
                "passed": True,
                "checklist": answers(),
            }
        ],
    )
    inspection.request.refresh_from_db()
    return inspection


def world_build() -> World:
    clock = _Clock()
    clock.move_to(FRIDAY)
    try:
        return _world(clock)
    finally:
        clock.stop()


def _world(clock: _Clock) -> World:
    people = _people()
    customer, partner, staff = people["customer"], people["partner"], people["staff"]
    inspector, other_inspector = people["inspector"], people["other_inspector"]
    other_customer, other_partner = people["other_customer"], people["other_partner"]
    juniper = VendorFactory(
        slug="juniper",
        name="Juniper Networks",
        serial_pattern=r"^[A-Z0-9]{12}$",
        inspections_per_inspector_per_day=10,
    )
    priced_product(vendor=juniper, model="ACX2200")
    checklist(juniper)
    coverage(inspector, "GB")
    coverage(other_inspector, "GB")

    # Acme, on Friday 20 November: requests at every step before the visit.
    completed = _accepted(customer, partner, "JN11AC220001")
    inspected = _accepted(customer, partner, "JN11AC220002")
    booked_today = _accepted(customer, partner, "JN11AC220003")
    booked_later = _accepted(customer, partner, "JN11AC220004")
    unscheduled = _accepted(customer, partner, "JN11AC220005")
    for visit in (completed, inspected, booked_today):
        inspection_schedule(inspection=visit, user=staff, date=MONDAY, inspector=inspector)
    inspection_schedule(inspection=booked_later, user=staff, date=LATER_VISIT, inspector=inspector)
    quoted = open_request(customer, register(customer, "JN11AC220006"), date=MONDAY)
    quote = quote_issue(request=quoted, user=partner)
    document = document_upload(
        request=quoted,
        user=customer,
        kind="proof_of_license",
        upload=SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
    )
    photo = inspection_photo_add(
        inspection=booked_today,
        user=inspector,
        serial_number="JN11AC220003",
        upload=SimpleUploadedFile("front.png", PNG, content_type="image/png"),
    )
    free = register(customer, "JN11AC220007")
    donated = register(customer, "JN11DN000001", acquisition_channel="donated")
    disputed = register(customer, "JN11DS000001")
    hold = hold_place(vendor=juniper, serial_number="JN11HD000001", reason="Leased fleet", user=staff)

    # Borealis: its own request booked with the other inspector, and a contract.
    theirs = _accepted(other_customer, other_partner, "JN11BO000001", site=BOREALIS_SITE)
    inspection_schedule(inspection=theirs, user=staff, date=MONDAY, inspector=other_inspector)
    register(other_customer, "JN11DS000001")
    contract_of(other_customer, "CT-2026-000009", ["JN11BO000002"])

    # The visit day: results recorded, one order received, contracts and their renewals.
    clock.move_to(VISIT_DAY)
    ready = _recorded(completed, inspector).request
    _recorded(inspected, inspector)
    _recorded(theirs, other_inspector)
    purchase_order_receive(
        request=ready, user=customer, po_number="PO-1001", amount=ready.quotes.latest("pk").total
    )
    contract = contract_of(customer, "CT-2026-000001", ["JN11AC230001"])
    renewal = renewal_quote_issue(contract=contract, user=partner)
    second = contract_of(customer, "CT-2026-000002", ["JN11AC230002"])
    ordered = renewal_quote_issue(contract=second, user=partner)
    ordered = renewal_quote_order(quote=ordered, user=customer, po_number="PO-2002", amount=ordered.total)

    message = request_message_post(
        request=ready,
        user=customer,
        body="Which rack is the unit in?",
        attachment=SimpleUploadedFile("rack.pdf", PDF, content_type="application/pdf"),
    )

    # Acme's people: a teammate to deactivate or name administrator, an invitation to withdraw.
    teammate = UserFactory(username="acme-teammate", organization=customer.organization, role=Role.CUSTOMER)
    invitation = invitation_create(
        actor=staff, organization=customer.organization, email="invited@acme.example"
    )

    # Acme's webhook endpoint (written directly: its address is never resolved or posted to here).
    webhook = WebhookEndpoint.objects.create(
        organization=customer.organization,
        url="https://hooks.acme.example/in",
        events=["quote.issued"],
        secret="s",
    )
    webhook_delivery = WebhookDelivery.objects.create(
        endpoint=webhook, type="quote.issued", body="{}", status="failed"
    )

    acme_requests = RelicensingRequest.objects.filter(customer=customer.organization)
    borealis_requests = RelicensingRequest.objects.filter(customer=other_customer.organization)
    return World(
        people=people,
        registration=completed.request.items.get().registration,
        free=free,
        donated=donated,
        disputed=disputed,
        hold=hold,
        ready=ready,
        inspected=inspected.request,
        quoted=quoted,
        quote=quote,
        document=document,
        completed=completed,
        unscheduled=unscheduled,
        booked_today=booked_today,
        booked_later=booked_later,
        photo=photo,
        contract=contract,
        renewal=renewal,
        ordered_renewal=ordered,
        message=message,
        teammate=teammate,
        invitation=invitation,
        webhook=webhook,
        webhook_delivery=webhook_delivery,
        markers={
            "acme": {"Acme Networks", "NetReseller", "Acme HQ", "JN11AC2", "CT-2026-000001", "CT-2026-000002"}
            | {r.number for r in acme_requests},
            "borealis": {"Borealis Data", "Polar Partners", "Borealis Site", "JN11BO", "CT-2026-000009"}
            | {r.number for r in borealis_requests},
        },
    )
