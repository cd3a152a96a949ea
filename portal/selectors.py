"""Reads that gather from several areas: the buyer's serial check (the installed base and
contract coverage) and one request with everything its API answer carries."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from contracts.models import Quote
from contracts.selectors import serials_covered
from relicensing.eligibility import Facts, eligibility
from relicensing.models import ComplianceHold, Equipment, Product, Registration, Request, Vendor
from relicensing.selectors import request_list
from relicensing.serials import serial_normalise


@dataclass(frozen=True)
class _SerialFacts:
    """What the database knows about a batch of serials, fetched in four queries."""

    units: dict[str, Equipment]
    held: set[str]
    claims: Counter[str]
    covered: set[str]


def _serial_facts(vendor: Vendor, serials: list[str], today: dt.date) -> _SerialFacts:
    return _SerialFacts(
        units={
            e.serial_number: e
            for e in Equipment.objects.filter(vendor=vendor, serial_number__in=serials).select_related(
                "product"
            )
        },
        held=set(
            ComplianceHold.objects.active()
            .filter(vendor=vendor, serial_number__in=serials)
            .values_list("serial_number", flat=True)
        ),
        claims=Counter(
            Registration.objects.active()
            .filter(equipment__vendor=vendor, equipment__serial_number__in=serials)
            .values_list("equipment__serial_number", flat=True)
        ),
        covered=serials_covered(vendor=vendor, serial_numbers=serials, on=today),
    )


def serial_checks(
    *, vendor: Vendor, serial_numbers: list[str], product: Product | None = None, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """The buyer's check for many serials at once, in a fixed number of queries.

    A serial nobody registered is judged with `product` when the buyer names the model on
    offer; otherwise its product is unknown, and says so.
    """
    today = today or timezone.localdate()
    serials = list(dict.fromkeys(serial_normalise(s) for s in serial_numbers if serial_normalise(s)))
    known = _serial_facts(vendor, serials, today)
    return [_serial_check(vendor, serial, known, product, today) for serial in serials]


def _serial_check(
    vendor: Vendor, serial: str, known: _SerialFacts, offered: Product | None, today: dt.date
) -> dict[str, Any]:
    unit = known.units.get(serial)
    product = unit.product if unit else offered
    result = eligibility(
        Facts(
            product_known=product is not None,
            end_of_support=product.end_of_support if product else None,
            flags=unit.flags if unit else frozenset(),
            on_hold=serial in known.held,
            disputed=known.claims[serial] > 1,
        ),
        today=today,
    )
    return {
        "vendor": vendor.slug,
        "serial_number": serial,
        "known": unit is not None,
        "product": product.model if product else None,
        "end_of_support": product.end_of_support if product else None,
        "compliance_hold": serial in known.held,
        "reported_lost_or_stolen": bool(unit and unit.lost_or_stolen),
        "counterfeit": bool(unit and unit.counterfeit),
        "under_contract": serial in known.covered,
        "eligible": result.eligible,
        "path": result.path,
        "reasons": list(result.reasons),
    }


def request_detail(*, user: User, pk: int) -> Request:
    """A request with what its API answer carries: chassis, quotes newest first, timeline,
    documents, each fetched once."""
    try:
        return (
            request_list(user=user)
            .prefetch_related(
                "items__equipment__product",
                Prefetch("quotes", queryset=Quote.objects.order_by("-revision")),
                "transitions__actor",
                "documents",
            )
            .get(pk=pk)
        )
    except (Request.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
