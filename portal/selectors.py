"""Reads that gather from several areas: the buyer's serial check (the installed base and
contract coverage) and one request with everything its API answer carries."""

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connection
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import served_customers
from contracts.choices import CURRENT_QUOTE_STATUSES
from contracts.models import Contract, ContractLine, Quote
from inspections.models import Inspection
from relicensing.choices import Flag, Path, RegistrationStatus
from relicensing.eligibility import Facts, eligibility
from relicensing.models import (
    ComplianceHold,
    Equipment,
    Product,
    Registration,
    Request,
    RequestItem,
    RequestMessage,
    Vendor,
)
from relicensing.models.requests import RequestQuerySet
from relicensing.serials import serial_normalise, serial_valid


@dataclass(frozen=True)
class _Unit:
    """A registered unit as the check judges it."""

    product: str | None  # the product's model, when the catalog knows it
    end_of_support: dt.date | None
    flags: frozenset[str]
    holders: frozenset[int]  # organisations with an active registration of it
    covered: bool  # a contract covers it today


@dataclass(frozen=True)
class _SerialFacts:
    units: dict[str, _Unit]
    held: set[str]


# Everything the check knows of a batch of serials, in one statement: each serial's unit (if
# anyone registered it) with its product, flags, holders and contract cover, and whether a hold
# names it (a hold may name a serial nobody registered). The programme's busiest call: four ORM
# queries cost more to build than to run. Table names come from the models; values are parameters.
_SERIAL_FACTS_SQL = """
    SELECT asked.serial, unit.id IS NOT NULL, product.model, product.end_of_support,
           unit.{flags},
           ARRAY(SELECT claim.organization_id FROM {registration} AS claim
                 WHERE claim.equipment_id = unit.id AND claim.status = %(active)s),
           EXISTS(SELECT 1 FROM {contract_line} AS line JOIN {contract} AS contract ON contract.id = line.contract_id
                  WHERE line.equipment_id = unit.id AND contract.starts_on <= %(today)s
                    AND contract.ends_on >= %(today)s),
           EXISTS(SELECT 1 FROM {hold} AS hold
                  WHERE hold.vendor_id = %(vendor)s AND hold.serial_number = asked.serial
                    AND hold.released_at IS NULL)
    FROM unnest(%(serials)s::text[]) AS asked (serial)
    LEFT JOIN {equipment} AS unit ON unit.vendor_id = %(vendor)s AND unit.serial_number = asked.serial
    LEFT JOIN {product} AS product ON product.id = unit.product_id
"""


_FLAGS = tuple(Flag.values)  # each a boolean column of the unit


def _serial_facts(vendor: Vendor, serials: list[str], today: dt.date) -> _SerialFacts:
    sql = _SERIAL_FACTS_SQL.format(
        flags=", unit.".join(_FLAGS),
        registration=Registration._meta.db_table,
        contract_line=ContractLine._meta.db_table,
        contract=Contract._meta.db_table,
        hold=ComplianceHold._meta.db_table,
        equipment=Equipment._meta.db_table,
        product=Product._meta.db_table,
    )
    params: dict[str, Any] = {
        "active": RegistrationStatus.ACTIVE,
        "today": today,
        "vendor": vendor.pk,
        "serials": serials,
    }
    units: dict[str, _Unit] = {}
    held: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for serial, known, model, end, *flags, holders, covered, on_hold in cursor:
            if known:
                units[serial] = _Unit(
                    product=model,
                    end_of_support=end,
                    flags=frozenset(flag for flag, raised in zip(_FLAGS, flags, strict=True) if raised),
                    holders=frozenset(holders),
                    covered=covered,
                )
            if on_hold:
                held.add(serial)
    return _SerialFacts(units=units, held=held)


def serial_checks(
    *,
    user: User,
    vendor: Vendor,
    serial_numbers: list[str],
    product: Product | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The buyer's check for many serials at once, in a fixed number of queries, answered for
    the caller's organisation as the buyer.

    A serial nobody registered is judged with `product` when the buyer names the model on
    offer; otherwise its product is unknown, and says so.

    `registered_elsewhere`: an organisation outside the buyer's side holds an active
    registration. The buyer's side is the caller's organisation, and for a partner also the
    customers it serves (it checks on their behalf). Programme staff buy nothing, so for them
    every active registration is elsewhere: they are told what any new buyer would be told.
    """
    today = today or timezone.localdate()
    serials = list(dict.fromkeys(serial_normalise(s) for s in serial_numbers if serial_normalise(s)))
    known = _serial_facts(vendor, serials, today)
    side = {user.organization_id} | set(served_customers(user=user).values_list("pk", flat=True))
    return [_serial_check(vendor, serial, known, product, today, buyer=side) for serial in serials]


def _serial_check(
    vendor: Vendor,
    serial: str,
    known: _SerialFacts,
    offered: Product | None,
    today: dt.date,
    *,
    buyer: set[int | None],
) -> dict[str, Any]:
    unit = known.units.get(serial)
    if unit is not None:  # a registered unit is judged on its own product, known or not
        model, end_of_support = unit.product, unit.end_of_support
    else:
        model, end_of_support = (offered.model, offered.end_of_support) if offered else (None, None)
    format_valid = serial_valid(vendor, serial)
    registered_elsewhere = bool(unit and unit.holders - buyer)
    result = eligibility(
        Facts(
            product_known=model is not None,
            end_of_support=end_of_support,
            flags=unit.flags if unit else frozenset(),
            on_hold=serial in known.held,
            # Two claims already, or the buyer's own registration would be the second: either
            # way the rules' ownership dispute, so the check says what registering would.
            disputed=registered_elsewhere,
        ),
        today=today,
    )
    return {
        "vendor": vendor.slug,
        "serial_number": serial,
        "format_valid": format_valid,
        "known": unit is not None,
        "registered_elsewhere": registered_elsewhere,
        "product": model,
        "end_of_support": end_of_support,
        "compliance_hold": serial in known.held,
        "reported_lost_or_stolen": bool(unit and Flag.LOST_OR_STOLEN in unit.flags),
        "counterfeit": bool(unit and Flag.COUNTERFEIT in unit.flags),
        "under_contract": bool(unit and unit.covered),
        # Registration refuses a serial that cannot be this vendor's, so it can never enter the
        # programme, whatever else is known of it (API.md: format_valid false, eligible false).
        "eligible": result.eligible and format_valid,
        "path": result.path if format_valid else Path.NONE.value,
        "reasons": list(result.reasons),
    }


def request_answers(*, user: User) -> QuerySet[Request]:
    """Requests in the user's reach, each with what its API answer names, read as columns: the
    chassis (`chassis`, each as the API writes it), the current quote's id, the visit's id and the
    contract's number. A page of them is a fixed number of queries and builds no object for a
    unit, a product, a visit or a contract."""
    # A copy (`all()`) before anything else: `visible_to` returns its queryset as it is for staff.
    return _requests_answered_all().all().visible_to(user).order_by("-created_at", "-id")


@functools.cache
def _requests_answered_all() -> RequestQuerySet:
    """Every request with `requests_answered`'s columns, resolved once per process (resolving
    their five subqueries cost each list half a millisecond): callers narrow a copy of it, and it
    is never read itself, so it holds no rows."""
    return cast(RequestQuerySet, requests_answered(Request.objects.all()))


# A request's API answer (portal.api.requests), as the list reads it (common.paging.keyset_page's
# `columns`): its own columns and those requests_answered adds, under the names the answer reads,
# so a page of 50 builds no request object.
REQUEST_ROW = (
    "pk",
    "created_at",
    "number",
    "status",
    "customer_id",
    "vendor_slug",
    "site_name",
    "site_address",
    "site_country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "preferred_inspection_date",
    "chassis",
    "current_quote_id",
    "inspection_pk",
    "contract_number",
    "rejection_reason",
)


def requests_answered(requests: QuerySet[Request]) -> QuerySet[Request]:
    """`requests` with what `request_answers` adds (the reach is the caller's: a webhook's payload
    is written for one request the event is about)."""
    return requests.annotate(**_answer_columns())


@functools.cache
def _answer_columns() -> dict[str, Any]:
    """The columns `requests_answered` adds, built once per process: they name no value, only the
    outer row (OuterRef), and Django copies an expression for each query it joins; building their
    querysets anew was a list's largest cost after its rows."""
    current_quote = (
        Quote.objects.filter(request=OuterRef("pk"), status__in=CURRENT_QUOTE_STATUSES)
        .order_by("-revision")
        .values("pk")[:1]
    )
    # Each chassis as the API names it, built in the database as one JSON array per request: no
    # query or object per item, and one value to decode per row, not one per chassis.
    chassis = (
        RequestItem.objects.filter(request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(
            json=JSONBAgg(
                JSONObject(
                    equipment="registration_id",
                    serial_number="equipment__serial_number",
                    product="equipment__product__model",
                    outcome="outcome",
                ),
                order_by="pk",
            )
        )
        .values("json")
    )
    # Subqueries, not joins: a join would stay in the list's count, which then could not read the
    # request index alone.
    return {
        "vendor_slug": Subquery(Vendor.objects.filter(pk=OuterRef("vendor_id")).order_by().values("slug")),
        "current_quote_id": Subquery(current_quote),
        "inspection_pk": Subquery(Inspection.objects.filter(request=OuterRef("pk")).order_by().values("pk")),
        "contract_number": Subquery(
            Contract.objects.filter(request=OuterRef("pk")).order_by().values("number")
        ),
        "chassis": Subquery(chassis),
    }


def request_detail(*, user: User, pk: int) -> Request:
    """A request with what its API answer carries: chassis, quotes newest first, timeline (with
    the messages the user may read), documents, each fetched once."""
    try:
        return (
            request_answers(user=user)
            .prefetch_related(
                Prefetch("quotes", queryset=Quote.objects.order_by("-revision")),
                "transitions__actor",
                "documents",
                # The conversation joins the timeline; internal notes for staff alone.
                Prefetch(
                    "messages",
                    queryset=RequestMessage.objects.select_related("author").filter(
                        **({} if user.is_programme_staff else {"internal": False})
                    ),
                    to_attr="timeline_messages",
                ),
            )
            .get(pk=pk)
        )
    except (Request.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
