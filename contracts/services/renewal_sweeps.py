"""The periodic sweeps of renewals (common/schedule.py runs them through contracts.tasks): the
renewal reminders at each vendor's tiers before a contract ends, the expiry recorded at its end,
and renewal quotes expired past their validity. Each is set-based, SWEEP_BATCH rows per
transaction, safe to run twice or at once. The renewal terms a reminder names (the phase, the day
to renew by) come from `contracts.services.renewals`.

Locks, in the order of common.workflow: the contracts of a batch, in id order, then their renewal
quotes; reminders take their sweep's advisory lock instead (they change no contract).
"""

import datetime as dt
import zlib
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from common import locks
from common.formats import day
from common.workflow import transitions_record, transitions_sweep
from contracts.choices import ContractEventKind, RenewalQuoteStatus
from contracts.models import Contract, ContractExpiry, ContractLine, RenewalQuote
from contracts.services.renewals import (
    Phase,
    contract_recipients,
    grace_last_day,
    renewal_last_day,
    renewal_terms,
)
from notices.events import NoticeEvent
from notices.services import NoticeDraft, notices_create_many
from relicensing.models import Vendor
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_events_record_many

# Rows per transaction in the sweeps: a failure keeps the batches before it, and locks stay short.
SWEEP_BATCH = 5000


def contracts_lock(contract_ids: Sequence[int]) -> None:
    """Lock these contracts, in id order (two sweeps lock in the same order, so never in a circle).
    The ids go as one array: a `pk__in` filter of thousands costs Django more than the lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM contracts_contract WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [list(contract_ids)],
        )


# --- renewal quotes ----------------------------------------------------------------------
def renewal_quotes_expire(*, today: dt.date | None = None) -> int:
    """Sweep: issued renewal quotes past their validity expire. Set-based, SWEEP_BATCH per
    transaction: the batch's contracts locked first (the lock order of common.workflow), then one
    UPDATE, a compare-and-set on the status and the date (safe to overlap), and the timeline rows
    in one INSERT, as `transition()` writes them one by one."""
    today = today or timezone.localdate()
    expired, after = 0, 0
    while True:
        with transaction.atomic():
            due = list(
                RenewalQuote.objects.filter(
                    status=RenewalQuoteStatus.ISSUED, valid_until__lt=today, pk__gt=after
                )
                .order_by("pk")
                .values_list("pk", "contract_id")[:SWEEP_BATCH]
            )
            if not due:
                return expired
            after = due[-1][0]
            contracts_lock(sorted({contract_id for _, contract_id in due}))
            moved = transitions_sweep(
                RenewalQuote.objects.filter(valid_until__lt=today),
                ids=[pk for pk, _ in due],
                expected_from=RenewalQuoteStatus.ISSUED,
                to=RenewalQuoteStatus.EXPIRED,
                returning=("id", "valid_until"),
            )
            transitions_record(
                RenewalQuote,
                moved=[(pk, f"Valid until {day(valid_until)}.") for pk, valid_until in moved],
                from_status=RenewalQuoteStatus.ISSUED,
                to_status=RenewalQuoteStatus.EXPIRED,
            )
            expired += len(moved)


# --- reminders ---------------------------------------------------------------------------
def reminder_tier_due(tiers: list[int], *, ends_on: dt.date, today: dt.date) -> int | None:
    """The nearest tier reached (days before the end): a sweep that missed a tier sends only the
    latest one due, not every one at once."""
    reached = [tier for tier in tiers if today >= ends_on - dt.timedelta(days=tier)]
    return min(reached) if reached else None


def renewal_reminders_send(*, today: dt.date | None = None) -> int:
    """Sweep: the renewal reminder at each of the vendor's tiers, each once per contract and end
    date (the notice's occurrence key), and only while a renewal is possible: not past the
    re-inspection threshold, and not while a renewal is ordered. Set-based: SWEEP_BATCH contracts
    at a time, their reminders in one insert. Returns the reminders written."""
    today = today or timezone.localdate()
    sent = 0
    for vendor in Vendor.objects.exclude(renewal_reminder_days=[]).order_by("pk"):
        tiers = sorted(set(vendor.renewal_reminder_days))
        contracts = (
            Contract.objects.filter(
                pk__in=ContractLine.objects.filter(equipment__vendor=vendor).values("contract"),
                ends_on__lte=today + dt.timedelta(days=max(tiers)),
                ends_on__gte=today - dt.timedelta(days=vendor.reinspection_after_days + 1),
            )
            .exclude(renewal_quotes__status=RenewalQuoteStatus.ORDERED)
            .order_by("pk")
            .values_list("pk", "number", "site_name", "ends_on", "owner_id", "owner__name")
        )
        due = list(contracts)  # one read: the vendor's lines are scanned once, not per batch
        for start in range(0, len(due), SWEEP_BATCH):
            with transaction.atomic():
                sent += _reminders(due[start : start + SWEEP_BATCH], vendor, tiers, today)
    return sent


def _reminders(batch: list[tuple[Any, ...]], vendor: Vendor, tiers: list[int], today: dt.date) -> int:
    """The reminders due in this batch of contracts (pk, number, site, ends_on, owner, owner's
    name), skipping an occurrence already written (as an earlier run left it)."""
    due = {}
    tier_of: dict[dt.date, int | None] = {}  # per end date: a batch's contracts share a few
    for pk, number, site_name, ends_on, owner_id, owner_name in batch:
        if ends_on not in tier_of:
            tier_of[ends_on] = reminder_tier_due(tiers, ends_on=ends_on, today=today)
        tier = tier_of[ends_on]
        if tier is not None:
            occurrence = f"contract:{pk}:renewal-reminder:{tier}:{ends_on.isoformat()}"
            due[occurrence] = (pk, number, site_name, ends_on, owner_id, owner_name, tier)
    locks.lock(locks.PERIODIC, REMINDERS_LOCK)
    written = _occurrences_written(list(due))
    due = {occurrence: row for occurrence, row in due.items() if occurrence not in written}
    if not due:
        return 0
    serials = _covered_serials([row[0] for row in due.values()])
    people = {
        owner: contract_recipients(Contract(owner_id=owner)) for owner in {row[4] for row in due.values()}
    }
    contract_type = ContentType.objects.get_for_model(Contract).pk
    drafts = []
    phases = {
        ends_on: _reminder_phase(ends_on, vendor, today) for ends_on in {row[3] for row in due.values()}
    }
    for occurrence, (pk, number, site_name, ends_on, owner_id, owner_name, tier) in due.items():
        phase, renew_by = phases[ends_on]
        context = {
            "contract_number": number,
            "customer": owner_name,
            "site": site_name,
            "ends_on": ends_on.isoformat(),
            "days_left": max(0, (ends_on - today).days),
            "tier": tier,
            "phase": phase,
            "renew_by": renew_by.isoformat(),
            "serials": serials[pk],
        }
        drafts.append(
            NoticeDraft(
                event=NoticeEvent.CONTRACT_RENEWAL_REMINDER,
                occurrence=occurrence,
                target_type_id=contract_type,
                target_id=pk,
                recipients=people[owner_id],
                context=context,
                link=f"/contracts/{number}/",
            )
        )
    webhook_events_record_many(
        type=WebhookEvent.CONTRACT_EXPIRING,
        model=Contract,
        rows=[(row[0], row[4], occurrence) for occurrence, row in due.items()],
    )
    return len({occurrence for _, occurrence in notices_create_many(drafts, fresh=True)})


# One reminder sweep writes at a time: each batch takes the lock of the periodic job's own name
# (which `common.periodic` holds for a whole scheduled run) before it reads what is written, so a
# second sweep reads the first one's reminders once they are committed and writes none of them
# again. The insert can then go without ON CONFLICT (see `notices_create_many`'s `fresh`).
REMINDERS_LOCK = zlib.crc32(b"renewal-reminders-send") & 0x7FFFFFFF


def _occurrences_written(occurrences: list[str]) -> set[str]:
    """Which of these reminders the outbox holds. One array and no ORDER BY: the model's default
    ordering made this a sort over a scan of the whole outbox, batch after batch."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT occurrence FROM notices_notice WHERE occurrence = ANY(%s::text[])", [occurrences]
        )
        return {occurrence for (occurrence,) in cursor.fetchall()}


# The units by primary key, then sorted (OFFSET 0 keeps the planner from walking the serial index
# of the whole table to find them in order), in the database's collation as `_covered_lines`.
_UNITS_BY_SERIAL_SQL = """
SELECT id, serial_number FROM (
    SELECT id, serial_number FROM relicensing_equipment WHERE id = ANY(%s::bigint[]) AND retired = '' OFFSET 0
) AS units
ORDER BY serial_number
"""


def _covered_serials(contract_ids: list[int]) -> dict[int, list[str]]:
    """The covered serials of each contract, in `_covered_lines`' order. Two reads, each planned
    the same whatever the statistics of a freshly written lines table say (a join of lines and
    units once hashed the million-unit equipment table; a subquery per contract once scanned the
    lines table 5,000 times): the lines of these contracts, then their units by primary key, in
    serial order."""
    contracts_of: dict[int, list[int]] = {}
    serials: dict[int, list[str]] = {contract_id: [] for contract_id in contract_ids}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contract_id, equipment_id FROM contracts_contractline WHERE contract_id = ANY(%s::bigint[])",
            [contract_ids],
        )
        for contract_id, equipment_id in cursor.fetchall():
            contracts_of.setdefault(equipment_id, []).append(contract_id)
        cursor.execute(_UNITS_BY_SERIAL_SQL, [list(contracts_of)])
        for equipment_id, serial in cursor.fetchall():
            for contract_id in contracts_of[equipment_id]:
                serials[contract_id].append(serial)
    return serials


def _reminder_phase(ends_on: dt.date, vendor: Vendor, today: dt.date) -> tuple[str, dt.date]:
    """Where a contract ending on `ends_on` stands today, and the day to renew by in that phase."""
    phase = renewal_terms(ends_on=ends_on, vendor=vendor, today=today).phase
    renew_by = {
        Phase.BEFORE_END: ends_on,
        Phase.GRACE: grace_last_day(ends_on, vendor),
        Phase.BACK_SUPPORT: renewal_last_day(ends_on, vendor),
    }[phase]
    return phase, renew_by


# --- expiry ------------------------------------------------------------------------------
def contracts_expire(*, today: dt.date | None = None) -> int:
    """Sweep: an EXPIRED event in the history of each contract past its end date, once per end
    date (a renewed contract expires again at its new end). Set-based, SWEEP_BATCH contracts per
    transaction. Safe to run twice or at once: the batch's contracts are locked, then read again
    for their marks by the statement that writes them, and the database holds one mark per
    contract and end date (`one_expiry_per_contract_end`). Returns the expiries recorded."""
    today = today or timezone.localdate()
    marked = ContractExpiry.objects.filter(contract=OuterRef("pk"), ends_on=OuterRef("ends_on"))
    recorded, after = 0, 0
    while True:
        with transaction.atomic():
            due = list(
                Contract.objects.filter(ends_on__lt=today, pk__gt=after)
                .exclude(Exists(marked))
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_BATCH]
            )
            if not due:
                return recorded
            after = due[-1]
            contracts_lock(due)
            recorded += _expiry_mark(due, today)


# After the locks, so its snapshot sees the marks of a sweep that held them: one statement writes
# the event and the mark of each contract still due, the note as `ContractEvent` has it.
_EXPIRY_SQL = """
WITH due AS (
    SELECT c.id, c.ends_on FROM contracts_contract c
    WHERE c.id = ANY(%(ids)s) AND c.ends_on < %(today)s
      AND NOT EXISTS (SELECT 1 FROM contracts_contractexpiry x WHERE x.contract_id = c.id AND x.ends_on = c.ends_on)
), events AS (
    INSERT INTO contracts_contractevent (contract_id, kind, actor_id, note, at)
    SELECT due.id, %(kind)s, NULL, 'Expired: coverage ended on ' || to_char(due.ends_on, 'YYYY-MM-DD') || '.', %(now)s
    FROM due ORDER BY due.id
    RETURNING id, contract_id
)
INSERT INTO contracts_contractexpiry (contract_id, ends_on, event_id)
SELECT events.contract_id, due.ends_on, events.id FROM events JOIN due ON due.id = events.contract_id
"""


def _expiry_mark(contract_ids: list[int], today: dt.date) -> int:
    """The expiry events and marks of these contracts (locked by the caller); how many were due."""
    with connection.cursor() as cursor:
        cursor.execute(
            _EXPIRY_SQL,
            {
                "ids": contract_ids,
                "today": today,
                "kind": ContractEventKind.EXPIRED.value,
                "now": timezone.now(),
            },
        )
        return cursor.rowcount
