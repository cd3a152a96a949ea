"""A small programme with a known history, for the insights: every figure the tests expect is
worked out by hand from the dates and amounts written here (see test_figures.py).

Now is Monday 16 November 2026, 09:00 UTC; the period is 1 October to 30 November 2026.
Customers Acme (served by NetReseller) and Borealis (served by Polar). Vendors Juniper
(5 business days before a wait is too long, 4 visits a day) and Cisco (9 days, 3 visits a day).

Requests (status now; moves at 09:00 UTC unless said):
  R1 Acme/Juniper GB   reinstated: submitted 1 Oct, quoted 3 Oct (re-issued 4 Oct), accepted 8 Oct,
                       scheduled 9 Oct, inspected 19 Oct, PO 21 Oct, approved 22 Oct, reinstated 22 Oct 21:00
  R2 Acme/Juniper GB   failed_inspection: submitted 5 Oct, quoted 9 Oct, expired 16 Oct, quoted 20 Oct,
                       accepted 21 Oct, scheduled 23 Oct, failed 2 Nov
  R3 Borealis/Cisco GB cancelled: submitted 10 Oct, quoted 11 Oct, cancelled 14 Oct
  R4 Acme/Cisco US     submitted 2 Nov (9 business days by now: 11 Nov is Veterans Day; Cisco allows 9)
  R5 Borealis/Juniper GB quote_accepted: submitted 3 Nov, quoted 4 Nov, accepted 5 Nov (7 business days)
  R6 Acme/Juniper GB   submitted 12 Nov (2 business days)
  R7 Acme/Juniper GB   submitted 15 Sep: before the period, but waiting far too long
  R8 Borealis/Cisco GB inspected: submitted 12 Oct, quoted 13 Oct, accepted 14 Oct, scheduled 15 Oct,
                       inspected 26 Oct (15 business days)
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from accounts.choices import Role
from common.models import Transition
from contracts.models import PurchaseOrder, Quote, QuoteLine
from inspections.models import Absence, Inspection, InspectionLine, Inspector
from relicensing.models import Equipment, Product, Request, Vendor
from tests.factories import ProductFactory, UserFactory

NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
PERIOD = {"start": "2026-10-01", "end": "2026-11-30"}


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


@dataclass
class World:
    requests: dict[str, Request]
    juniper: Vendor
    cisco: Vendor


class _Builder:
    def __init__(self, staff, *, prefix: str = "INS") -> None:
        self.staff = staff
        self.prefix = prefix
        self.serial = 0
        self.request_type = ContentType.objects.get_for_model(Request)

    def request(self, number: str, customer, vendor: Vendor, country: str, moves: list) -> Request:
        """`moves`: [(status, when)], the first the creation (submitted)."""
        request = Request.objects.create(
            number=number,
            customer=customer,
            vendor=vendor,
            site_name=f"{customer.name} site",
            site_address="1 Network Way",
            site_country=country,
            contact_name="Casey Morgan",
            contact_email="casey@example.com",
            contact_phone="+44 113 496 0000",
            preferred_inspection_date=dt.date(2026, 12, 1),
        )
        before = ""
        for status, when in moves:
            Transition.objects.create(target=request, from_status=before, to_status=status, at=when)
            before = status
        Request.objects.filter(pk=request.pk).update(created_at=moves[0][1])
        if before != "submitted":
            Request.objects.filter(pk=request.pk)._status_write(before)
        request.refresh_from_db()
        return request

    def unit(self, product: Product) -> Equipment:
        self.serial += 1
        return Equipment.objects.create(
            vendor=product.vendor, serial_number=f"{self.prefix}{self.serial:06d}", product=product
        )

    def inspection(
        self, request: Request, inspector, day: dt.date, outcomes: list[tuple[Product, str]]
    ) -> Inspection:
        inspection = Inspection.objects.create(request=request, date=day, inspector=inspector)
        Inspection.objects.filter(pk=inspection.pk)._status_write(
            "completed", completed_at=at(day.month, day.day, 17)
        )
        for product, outcome in outcomes:
            unit = self.unit(product)
            InspectionLine.objects.create(
                inspection=inspection, equipment=unit, serial_number=unit.serial_number, outcome=outcome
            )
        return inspection

    def quote(
        self,
        request: Request,
        revision: int,
        *,
        issued: dt.datetime,
        status: str,
        lines: list[tuple[str, str]],
        accepted: dt.datetime | None = None,
        final: bool = False,
    ) -> Quote:
        product = Product.objects.filter(vendor=request.vendor).first()
        quote = Quote.objects.create(
            request=request,
            number=f"Q-{request.number}-{revision}",
            revision=revision,
            currency="USD",
            total=sum((Decimal(amount) for _, amount in lines), Decimal("0.00")),
            valid_until=dt.date(2026, 12, 31),
            issued_by=self.staff,
            is_final=final,
        )
        Quote.objects.filter(pk=quote.pk).update(issued_at=issued, accepted_at=accepted)
        if status != "issued":
            Quote.objects.filter(pk=quote.pk)._status_write(status)
        unit = self.unit(product)
        for position, (kind, amount) in enumerate(lines, start=1):
            QuoteLine.objects.create(
                quote=quote,
                position=position,
                sku=f"SKU-{kind}",
                kind=kind,
                description=kind,
                equipment=unit,
                serial_number=unit.serial_number,
                quantity=1,
                unit_price=Decimal(amount),
                amount=Decimal(amount),
            )
        return quote

    def order(self, request: Request, quote: Quote, received: dt.datetime) -> PurchaseOrder:
        order = PurchaseOrder.objects.create(
            request=request,
            quote=quote,
            po_number=f"PO-{request.number}",
            amount=quote.total,
            currency="USD",
            received_by=self.staff,
        )
        PurchaseOrder.objects.filter(pk=order.pk).update(received_at=received)
        return order


def world_build(*, acme, borealis, staff, inspector, operator) -> World:
    juniper = Vendor.objects.create(
        slug="juniper",
        name="Juniper Networks",
        escalate_after_business_days=5,
        inspections_per_inspector_per_day=4,
    )
    cisco = Vendor.objects.create(
        slug="cisco",
        name="Cisco Systems",
        escalate_after_business_days=9,
        inspections_per_inspector_per_day=3,
    )
    acx = ProductFactory(vendor=juniper, model="ACX2200", family="ACX")
    qfx = ProductFactory(vendor=juniper, model="QFX5100", family="QFX5K")
    isr = ProductFactory(vendor=cisco, model="ISR4451", family="ISR")

    Inspector.objects.create(user=inspector, countries=["GB", "US"])
    away = UserFactory(username="inspector2", organization=operator, role=Role.INSPECTOR)
    Absence.objects.create(
        inspector=Inspector.objects.create(user=away, countries=["GB"]),
        starts_on=dt.date(2026, 10, 19),
        ends_on=dt.date(2026, 10, 23),
    )

    b = _Builder(staff)
    S, Q, A, IS = "submitted", "quoted", "quote_accepted", "inspection_scheduled"
    r = {}
    r["R1"] = b.request(
        "RQ-1",
        acme,
        juniper,
        "GB",
        [
            (S, at(10, 1)),
            (Q, at(10, 3)),
            (Q, at(10, 4)),
            (A, at(10, 8)),
            (IS, at(10, 9)),
            ("inspected", at(10, 19)),
            ("po_received", at(10, 21)),
            ("approved", at(10, 22)),
            ("reinstated", at(10, 22, 21)),
        ],
    )
    r["R2"] = b.request(
        "RQ-2",
        acme,
        juniper,
        "GB",
        [
            (S, at(10, 5)),
            (Q, at(10, 9)),
            (S, at(10, 16)),
            (Q, at(10, 20)),
            (A, at(10, 21)),
            (IS, at(10, 23)),
            ("failed_inspection", at(11, 2)),
        ],
    )
    r["R3"] = b.request(
        "RQ-3", borealis, cisco, "GB", [(S, at(10, 10)), (Q, at(10, 11)), ("cancelled", at(10, 14))]
    )
    r["R4"] = b.request("RQ-4", acme, cisco, "US", [(S, at(11, 2))])
    r["R5"] = b.request("RQ-5", borealis, juniper, "GB", [(S, at(11, 3)), (Q, at(11, 4)), (A, at(11, 5))])
    r["R6"] = b.request("RQ-6", acme, juniper, "GB", [(S, at(11, 12))])
    r["R7"] = b.request("RQ-7", acme, juniper, "GB", [(S, at(9, 15))])
    r["R8"] = b.request(
        "RQ-8",
        borealis,
        cisco,
        "GB",
        [(S, at(10, 12)), (Q, at(10, 13)), (A, at(10, 14)), (IS, at(10, 15)), ("inspected", at(10, 26))],
    )

    # Inspections: R1 both ACX passed; R2 an ACX and a QFX failed; R8 three ISR passed, one failed.
    b.inspection(r["R1"], inspector, dt.date(2026, 10, 19), [(acx, "passed"), (acx, "passed")])
    b.inspection(r["R2"], inspector, dt.date(2026, 11, 2), [(acx, "failed"), (qfx, "failed")])
    b.inspection(
        r["R8"],
        inspector,
        dt.date(2026, 10, 26),
        [(isr, "passed"), (isr, "passed"), (isr, "passed"), (isr, "failed")],
    )

    # Quotes. R1: re-issued before acceptance, accepted, final, ordered.
    b.quote(
        r["R1"],
        1,
        issued=at(10, 3),
        status="superseded",
        lines=[("inspection", "2000.00"), ("support_year", "874.00")],
    )
    full = [("inspection", "2000.00"), ("support_year", "874.00"), ("os_license", "4000.00")]
    b.quote(r["R1"], 2, issued=at(10, 4), status="superseded", accepted=at(10, 8), lines=full)
    final = b.quote(
        r["R1"], 3, issued=at(10, 19), status="accepted", accepted=at(10, 19), final=True, lines=full
    )
    b.order(r["R1"], final, at(10, 21))
    # R2: a quote that expired, a second accepted, a final one that keeps the inspection fee only.
    b.quote(
        r["R2"],
        1,
        issued=at(10, 9),
        status="expired",
        lines=[("inspection", "2000.00"), ("addon_license", "150.00")],
    )
    b.quote(
        r["R2"],
        2,
        issued=at(10, 20),
        status="superseded",
        accepted=at(10, 21),
        lines=[("inspection", "2000.00"), ("os_license", "4000.00")],
    )
    b.quote(
        r["R2"],
        3,
        issued=at(11, 2),
        status="accepted",
        accepted=at(11, 2),
        final=True,
        lines=[("inspection", "2000.00")],
    )
    # R5: accepted in November. R8: accepted in October, its final quote not ordered yet.
    b.quote(
        r["R5"],
        1,
        issued=at(11, 4),
        status="accepted",
        accepted=at(11, 5),
        lines=[("inspection", "1000.00"), ("support_year", "437.00"), ("os_license", "2000.00")],
    )
    r8_lines = [("inspection", "1500.00"), ("support_year", "600.00"), ("os_license", "900.00")]
    b.quote(r["R8"], 1, issued=at(10, 13), status="superseded", accepted=at(10, 14), lines=r8_lines)
    b.quote(r["R8"], 2, issued=at(10, 26), status="accepted", accepted=at(10, 26), final=True, lines=r8_lines)
    return World(requests=r, juniper=juniper, cisco=cisco)
