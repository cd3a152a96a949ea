"""Reinstatement: after approval, the equipment, its licence and a service contract stand in the
new owner's name (DOMAIN.md, Reinstatement). Run by the worker after the approval commits, and by
a sweep for any approved request the worker never got; safe to run twice or at once: the request
lock serialises runs, the status says whether it is done, and the database holds a request to one
contract (`Contract.request` is unique) should anything else slip.
"""

import base64
import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from common.formats import day
from common.numbers import number_next
from contracts.choices import ContractEventKind, SkuKind
from contracts.models import Contract, ContractEvent, ContractLine, PurchaseOrder
from contracts.pdf import welcome_kit_pdf
from notices.events import NoticeEvent
from notices.services import notice_create
from relicensing.choices import EventKind, ItemOutcome, LicenceKind, LicenceStatus, RequestStatus
from relicensing.models import Equipment, EquipmentEvent, Request, SoftwareLicence
from relicensing.services.lifecycle import request_lock, request_recipients, request_transition
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_event_record

# Coverage: one year from the start (the last day included).
COVERAGE = dt.timedelta(days=365)
# An approved request the worker has not reinstated after this long is picked up by the sweep.
SWEEP_AFTER = dt.timedelta(minutes=2)


def request_reinstate(*, request_id: int) -> Contract | None:
    """Reinstate an approved request; its contract (None when the request is not approved)."""
    with transaction.atomic():
        request = request_lock(request_id)
        if request.status != RequestStatus.APPROVED:
            return Contract.objects.filter(request=request).first()  # done already, or not approved
        order = PurchaseOrder.objects.select_related("quote").get(request=request)
        items = list(
            request.items.filter(outcome=ItemOutcome.PASSED)
            .select_related("equipment__vendor")
            .order_by("pk")
        )
        units_hold([i.equipment_id for i in items])
        today = timezone.localdate()
        for item in items:
            _owner_of_record(item.equipment, request)
            _licences_reissue(item.equipment, request, order, today)
        contract = Contract.objects.create(
            number=number_next(sequence="contracts_contract_number_seq", prefix="CT"),
            owner=request.customer,
            request=request,
            site_name=request.site_name,
            site_address=request.site_address,
            site_country=request.site_country,
            contact_name=request.contact_name,
            contact_email=request.contact_email,
            contact_phone=request.contact_phone,
            starts_on=today,
            ends_on=today + COVERAGE - dt.timedelta(days=1),
            sales_order=order.sales_order or number_next(sequence="contracts_sales_order_seq", prefix="SO"),
        )
        ContractLine.objects.bulk_create(
            [ContractLine(contract=contract, equipment=i.equipment) for i in items]
        )
        ContractEvent.objects.create(
            contract=contract,
            kind=ContractEventKind.ISSUED,
            note=f"Issued on reinstating request {request.number} (sales order {contract.sales_order}).",
        )
        request_transition(
            request=request,
            to=RequestStatus.REINSTATED,
            actor=None,
            reason=f"Reinstated: contract {contract.number} covers {len(items)} chassis until "
            f"{day(contract.ends_on)}.",
        )
        _welcome(contract, request)
        webhook_event_record(
            type=WebhookEvent.CONTRACT_ISSUED,
            target=contract,
            organization=contract.owner_id,
            occurrence="issued",
        )
        return contract


def units_hold(equipment_ids: list[int]) -> None:
    """Lock the units' rows (ascending ids), not their serial locks: reinstatement changes no fact
    eligibility reads (the approval judged those, under the serial locks), only the owner of
    record, licences and history, which every other writer of them (RMA, take-back, settling a
    dispute) changes holding the same rows. A bulk import, which holds its vendor's serial locks a
    chunk at a time, therefore never holds up a reinstatement and its welcome notice."""
    list(Equipment.objects.select_for_update().filter(pk__in=equipment_ids).order_by("pk").values_list("pk"))


def _owner_of_record(equipment: Equipment, request: Request) -> None:
    customer = request.customer
    previous = equipment.current_owner
    if equipment.current_owner_id != customer.pk:
        Equipment.objects.filter(pk=equipment.pk).update(current_owner=customer)
    EquipmentEvent.objects.create(
        vendor=equipment.vendor,
        serial_number=equipment.serial_number,
        kind=EventKind.REINSTATED,
        organization=customer,
        note=f"Reinstated through request {request.number}: {customer.name} is the owner of record"
        + (f" (was {previous.name})." if previous is not None and previous.pk != customer.pk else "."),
    )


def _licences_reissue(equipment: Equipment, request: Request, order: PurchaseOrder, today: dt.date) -> None:
    """The previous owner's embedded licence ends now; one is issued to the new owner, with the
    add-on and subscription licences ordered, bought new."""
    customer = request.customer
    SoftwareLicence.objects.filter(
        equipment=equipment, kind=LicenceKind.EMBEDDED, status=LicenceStatus.ACTIVE
    ).exclude(licensee=customer).update(status=LicenceStatus.TERMINATED, terminated_on=today)
    ordered = list(order.quote.lines.filter(equipment=equipment))
    os_line = next((line for line in ordered if line.kind == SkuKind.OS_LICENSE), None)
    issued = [
        SoftwareLicence(
            equipment=equipment,
            kind=LicenceKind.EMBEDDED,
            description=os_line.description
            if os_line
            else "Embedded operating-system licence (proof verified)",
            sku_code=os_line.sku if os_line else "",
            licensee=customer,
            starts_on=today,
        )
    ]
    for line in ordered:
        if line.kind in (SkuKind.ADDON_LICENSE, SkuKind.SUBSCRIPTION):
            issued += [
                SoftwareLicence(
                    equipment=equipment,
                    kind=LicenceKind.ADDON
                    if line.kind == SkuKind.ADDON_LICENSE
                    else LicenceKind.SUBSCRIPTION,
                    description=line.description,
                    sku_code=line.sku,
                    licensee=customer,
                    starts_on=today,
                    ends_on=today + COVERAGE - dt.timedelta(days=1)
                    if line.kind == SkuKind.SUBSCRIPTION
                    else None,
                )
                for _ in range(line.quantity)
            ]
    SoftwareLicence.objects.bulk_create(issued)


def _welcome_context(contract: Contract) -> dict[str, Any]:
    return {
        "contract_number": contract.number,
        "sales_order": contract.sales_order,
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
        "serials": [line.equipment.serial_number for line in contract.lines.select_related("equipment")],
    }


def welcome_kit_attachment(contract: Contract) -> dict[str, str]:
    return {
        "filename": f"welcome-kit-{contract.number}.pdf",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(welcome_kit_pdf(contract)).decode(),
    }


def _welcome(contract: Contract, request: Request) -> None:
    """The welcome notice with the contract number and the welcome kit, to the customer's users
    (and its partner's) and to the site contact, who may have no account here."""
    notice_create(
        event=NoticeEvent.REQUEST_REINSTATED,
        occurrence=f"contract:{contract.pk}:welcome",
        target=contract,
        recipients=request_recipients(request),
        addresses=[contract.contact_email],
        context={
            "number": request.number,
            "customer": request.customer.name,
            "site": request.site_name,
            **_welcome_context(contract),
        },
        link=f"/contracts/{contract.number}/",
        attachments=[welcome_kit_attachment(contract)],
    )


def requests_reinstate_due(*, now: dt.datetime | None = None) -> int:
    """Sweep: approved requests the worker did not reinstate (the broker was down, the worker
    died). Each in its own transaction; overlapping runs reinstate each once."""
    now = now or timezone.now()
    due: QuerySet[Request] = Request.objects.filter(
        status=RequestStatus.APPROVED, updated_at__lt=now - SWEEP_AFTER
    )
    done = 0
    for request_id in list(due.values_list("pk", flat=True)):
        done += request_reinstate(request_id=request_id) is not None
    return done
