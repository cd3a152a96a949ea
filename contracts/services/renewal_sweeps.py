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
from common.arrays import ids_array
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
from notices.services import SWEEP_GRACE, notices_dispatch_many, people_columns
from relicensing.models import Vendor
from webhooks.choices import WebhookEvent
from webhooks.services import webhook_events_record_many

# Rows per transaction in the sweeps: a failure keeps the batches before it, and locks stay short.
SWEEP_BATCH = 5000


def contracts_lock(contract_ids: Sequence[int]) -> None:
    """Lock these contracts, in id order (two sweeps lock in the same order, so never in a circle).
    The ids go as one array literal (common.arrays): a `pk__in` filter of thousands costs Django
    more than the lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM contracts_contract WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [ids_array(contract_ids)],
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
    name), skipping an occurrence already written (as an earlier run left it). Python decides
    only what depends on the end date (the tier, the phase, the day to renew by: a batch's
    contracts share a few end dates); the rows are read and written by one statement."""
    terms: dict[str, list[Any]] = {"ends_on": [], "tier": [], "phase": [], "renew_by": []}
    for ends_on in sorted({row[3] for row in batch}):
        tier = reminder_tier_due(tiers, ends_on=ends_on, today=today)
        if tier is not None:
            phase, renew_by = _reminder_phase(ends_on, vendor, today)
            for name, value in zip(terms, (ends_on, tier, phase, renew_by), strict=True):
                terms[name].append(value)
    if not terms["ends_on"]:
        return 0
    people = people_columns(
        (
            (owner, contract_recipients(Contract(owner_id=owner)))
            for owner in sorted({row[4] for row in batch})
        ),
        key="people_owner",
    )
    locks.lock(locks.PERIODIC, REMINDERS_LOCK)
    return reminders_write(contract_ids=[row[0] for row in batch], terms=terms, people=people, today=today)


# One reminder sweep writes at a time: each batch takes the lock of the periodic job's own name
# (which `common.periodic` holds for a whole scheduled run) before it reads what is written, so a
# second sweep reads the first one's reminders once they are committed and writes none of them
# again. The insert can then go without ON CONFLICT (see `notices_create_many`'s `fresh`).
REMINDERS_LOCK = zlib.crc32(b"renewal-reminders-send") & 0x7FFFFFFF

# A batch's reminders in one statement, after the lock (so its snapshot sees the reminders of a
# sweep that held it). `covered` is each contract's covered serials in serial order, in the
# database's collation, read per contract off the lines' index and the units' primary key (a
# join of the batch's lines and units once hashed the million-unit equipment table). The
# context is what the reminder's templates read; `days_left` is never below 0.
_REMINDERS_SQL = """
WITH due AS (
    SELECT c.id, c.number, c.site_name, c.ends_on, c.owner_id, o.name AS owner_name,
        terms.tier, terms.phase, terms.renew_by,
        'contract:' || c.id || ':renewal-reminder:' || terms.tier || ':' || to_char(c.ends_on, 'YYYY-MM-DD')
            AS occurrence
    FROM contracts_contract c
    JOIN unnest(%(ends_on)s::date[], %(tier)s::int[], %(phase)s::text[], %(renew_by)s::date[])
        AS terms(ends_on, tier, phase, renew_by) ON terms.ends_on = c.ends_on
    JOIN accounts_organization o ON o.id = c.owner_id
    WHERE c.id = ANY(%(ids)s::bigint[])
), fresh AS MATERIALIZED (
    SELECT due.*, covered.serials FROM due
    LEFT JOIN LATERAL (
        SELECT array_agg(u.serial_number ORDER BY u.serial_number) AS serials
        FROM contracts_contractline l JOIN relicensing_equipment u ON u.id = l.equipment_id
        WHERE l.contract_id = due.id AND u.retired = ''
    ) AS covered ON TRUE
    WHERE NOT EXISTS (SELECT 1 FROM notices_notice n WHERE n.occurrence = due.occurrence)
), written AS (
    INSERT INTO notices_notice (event, occurrence, target_type_id, target_id, recipient_id, to_email,
        context, link, attachments, created_at, attempts, next_attempt_at, last_error)
    SELECT %(event)s, f.occurrence, %(contract_type)s, f.id, people.recipient_id, people.to_email,
        jsonb_build_object(
            'contract_number', f.number, 'customer', f.owner_name, 'site', f.site_name,
            'ends_on', to_char(f.ends_on, 'YYYY-MM-DD'), 'days_left', greatest(0, f.ends_on - %(today)s::date),
            'tier', f.tier, 'phase', f.phase, 'renew_by', to_char(f.renew_by, 'YYYY-MM-DD'),
            'serials', coalesce(to_jsonb(f.serials), '[]'::jsonb)),
        '/contracts/' || f.number || '/', '[]'::jsonb, %(now)s, 0, %(due)s, ''
    FROM fresh f
    JOIN unnest(%(people_owner)s::bigint[], %(recipient_id)s::bigint[], %(to_email)s::text[])
        AS people(owner_id, recipient_id, to_email) ON people.owner_id = f.owner_id
    RETURNING id, occurrence, to_email
)
SELECT count(DISTINCT occurrence), ARRAY(SELECT id FROM written WHERE to_email <> '' ORDER BY id),
    ARRAY(SELECT ARRAY[f.id, f.owner_id] FROM fresh f ORDER BY f.id),
    ARRAY(SELECT f.occurrence FROM fresh f ORDER BY f.id)
FROM written WHERE to_email <> ''
"""


def reminders_write(
    *, contract_ids: list[int], terms: dict[str, list[Any]], people: dict[str, str], today: dt.date
) -> int:
    """The reminders of these contracts not yet in the outbox, for the terms of their end date
    (`terms`: ends_on, tier, phase, renew_by, a list each) to their owner's people (`people`:
    notices.services.people_columns, by owner). The caller holds REMINDERS_LOCK. The notices go to
    the worker after commit. Returns the reminders written that have an address to send to."""
    now = timezone.now()
    with connection.cursor() as cursor:
        # The planner guesses a thousand lines per contract of a lines table it has not analysed
        # yet, which crosses jit_above_cost: compiling the statement then cost more than running it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            _REMINDERS_SQL,
            {
                "ids": ids_array(contract_ids),
                **terms,
                **people,
                "today": today,
                "now": now,
                "due": now + SWEEP_GRACE,
                "event": NoticeEvent.CONTRACT_RENEWAL_REMINDER.value,
                "contract_type": ContentType.objects.get_for_model(Contract).pk,
            },
        )
        reminded, notice_ids, contracts, occurrences = cursor.fetchone()
    transaction.on_commit(lambda: notices_dispatch_many(notice_ids))
    # Each contract reminded, to the webhooks subscribed to contracts expiring (the reminder's
    # occurrence is the event's: one event per contract, tier and end date).
    webhook_events_record_many(
        type=WebhookEvent.CONTRACT_EXPIRING,
        model=Contract,
        rows=[
            (pk, owner, occurrence) for (pk, owner), occurrence in zip(contracts, occurrences, strict=True)
        ],
    )
    return reminded


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
    WHERE c.id = ANY(%(ids)s::bigint[]) AND c.ends_on < %(today)s
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
                "ids": ids_array(contract_ids),
                "today": today,
                "kind": ContractEventKind.EXPIRED.value,
                "now": timezone.now(),
            },
        )
        return cursor.rowcount
