"""Writing notices into the outbox and delivering them by email.

Delivery is at least once, effect once: the row lock and `sent_at` make two runs of the same task
send one email. A notice that cannot be rendered, or that the mail server refuses for good (a 5xx
answer), is marked failed with its reason and never tried again; a transient failure (the server
unreachable, a 4xx answer) is tried again after a growing delay, and given up after MAX_ATTEMPTS.
"""

import base64
import datetime as dt
import json
import logging
import re
import smtplib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import connection, models, transaction
from django.utils import timezone

from common.arrays import columns_arrays
from common.schedule import NOTICES
from notices.events import PARTS, NoticeEvent
from notices.models import Notice
from notices.selectors import UNREAD_LOADED_AS

if TYPE_CHECKING:
    from accounts.models import User  # the type only: notices sit below accounts

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(minutes=1)  # then 2, 4, 8 ... minutes
LONGEST_RETRY = dt.timedelta(hours=2)
# A notice is handed to the worker at commit; the sweep picks it up after this if that failed.
SWEEP_GRACE = dt.timedelta(seconds=30)


def notice_create(
    *,
    event: NoticeEvent,
    occurrence: str,
    target: models.Model,
    recipients: Iterable["User"],
    context: dict[str, Any] | None = None,
    link: str = "",
    attachments: list[dict[str, str]] | None = None,
    addresses: Iterable[str] = (),
) -> list[int]:
    """Write one notice per recipient, in the caller's transaction; send them after commit.

    `occurrence` names what happened, once (e.g. "transition:42"): writing the same occurrence
    again for the same person adds nothing. `addresses` are people without an account here (a
    site contact): they are emailed the same notice, once per address, and see no inbox.
    An attachment is {"filename", "content_type"} with "content" (text) or "content_base64".
    """
    event = NoticeEvent(event)
    target_type = ContentType.objects.get_for_model(target)
    people = list({user.pk: user for user in recipients}.values())
    due = timezone.now() + SWEEP_GRACE
    Notice.objects.bulk_create(
        [
            Notice(
                event=event,
                occurrence=occurrence,
                target_type=target_type,
                target_id=target.pk,
                recipient=user,
                to_email=getattr(user, "email", ""),
                context=context or {},
                link=link,
                attachments=attachments or [],
                next_attempt_at=due,
            )
            for user in people
        ]
        + [
            Notice(
                event=event,
                occurrence=occurrence,
                target_type=target_type,
                target_id=target.pk,
                recipient=None,
                to_email=address,
                context=context or {},
                link=link,
                attachments=attachments or [],
                next_attempt_at=due,
            )
            for address in dict.fromkeys(a.strip().lower() for a in addresses if a.strip())
            if address not in {getattr(user, "email", "").lower() for user in people}
        ],
        ignore_conflicts=True,
    )
    ids = list(Notice.objects.pending().filter(occurrence=occurrence).values_list("pk", flat=True))
    transaction.on_commit(lambda: notices_dispatch(ids))
    return ids


@dataclass(frozen=True)
class NoticeDraft:
    """One occurrence for `notices_create_many`: what `notice_create` takes, with the target by id
    (a sweep has its rows' ids, not their instances)."""

    event: NoticeEvent
    occurrence: str
    target_type_id: int
    target_id: int
    recipients: Sequence["User"]
    context: dict[str, Any] = field(default_factory=dict)
    link: str = ""


# Notices handed to the worker per broker message when a sweep writes thousands at once.
DISPATCH_CHUNK = 200

# One row per draft, and its audience (the people a draft goes to) once per distinct audience: a
# sweep's drafts mostly share a few audiences, so the statement carries each context once. Only
# the notices with an address come back, and only their id and occurrence: each returned column
# costs a copy per row.
_MANY_SQL = """
WITH drafts AS MATERIALIZED (
    SELECT d.event, d.occurrence, d.target_type_id, d.target_id, d.context::jsonb AS context, d.link, d.audience
    FROM unnest(%(event)s::text[], %(occurrence)s::text[], %(target_type_id)s::int[], %(target_id)s::bigint[],
        %(context)s::text[], %(link)s::text[], %(audience)s::int[])
        AS d(event, occurrence, target_type_id, target_id, context, link, audience)
), written AS (
    INSERT INTO notices_notice (event, occurrence, target_type_id, target_id, recipient_id, to_email,
        context, link, attachments, created_at, attempts, next_attempt_at, last_error)
    SELECT d.event, d.occurrence, d.target_type_id, d.target_id, people.recipient_id, people.to_email,
        d.context, d.link, '[]'::jsonb, %(now)s::timestamptz, 0, %(due)s::timestamptz, ''
    FROM drafts d
    JOIN unnest(%(people_audience)s::int[], %(recipient_id)s::bigint[], %(to_email)s::text[])
        AS people(audience, recipient_id, to_email) USING (audience)
    {on_conflict}
    RETURNING id, occurrence, to_email
)
SELECT id, occurrence FROM written WHERE to_email <> ''
"""


def notices_create_many(drafts: Iterable[NoticeDraft], *, fresh: bool = False) -> list[tuple[int, str]]:
    """`notice_create` for a sweep: every draft's notices, one per recipient, in one INSERT in the
    caller's transaction. The outbox's unique key (occurrence, recipient) drops a notice already
    written, as `notice_create` does, so a second run adds nothing. After commit the new notices
    go to the worker in chunks (one broker message per DISPATCH_CHUNK notices, not one each).
    Returns (id, occurrence) of each notice this call wrote that has an address to send to.

    `fresh`: the caller vouches that no draft's occurrence was written before (it names a
    transition row written in this transaction, or the caller read the outbox under a lock that
    every writer of those occurrences takes). The insert then goes without ON CONFLICT, whose
    check of the unique keys before each row cost more than the row's indexes; the unique key
    still refuses a duplicate, with an IntegrityError instead of a silent skip."""
    rows: dict[str, list[Any]] = {
        name: []
        for name in ("event", "occurrence", "target_type_id", "target_id", "context", "link", "audience")
    }
    audiences: dict[tuple[int, ...], int] = {}
    members: list[tuple[int, Sequence[User]]] = []
    # Per recipients list and per event, not per draft: a sweep's drafts share a few of each. (The
    # drafts are held in a list, so no list of recipients is freed and its id() reused meanwhile.)
    drafts = list(drafts)
    audience_of: dict[int, int | None] = {}
    events: dict[str, str] = {}
    for draft in drafts:
        if id(draft.recipients) not in audience_of:
            audience_of[id(draft.recipients)] = _audience(draft.recipients, audiences, members)
        audience = audience_of[id(draft.recipients)]
        if audience is None:
            continue
        if draft.event not in events:
            events[draft.event] = NoticeEvent(draft.event).value
        rows["event"].append(events[draft.event])
        rows["occurrence"].append(draft.occurrence)
        rows["target_type_id"].append(draft.target_type_id)
        rows["target_id"].append(draft.target_id)
        rows["context"].append(json.dumps(draft.context))  # as Notice.context (a JSONField) writes it
        rows["link"].append(draft.link)
        rows["audience"].append(audience)
    if not rows["event"]:
        return []
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _MANY_SQL.format(on_conflict="" if fresh else "ON CONFLICT DO NOTHING"),
            {
                **columns_arrays(rows, texts=("event", "occurrence", "context", "link")),
                **people_columns(members, key="people_audience"),
                "now": now,
                "due": now + SWEEP_GRACE,
            },
        )
        written: list[tuple[int, str]] = cursor.fetchall()
    transaction.on_commit(lambda: notices_dispatch_many([pk for pk, _ in written]))
    return written


def _audience(
    recipients: Sequence["User"],
    audiences: dict[tuple[int, ...], int],
    members: list[tuple[int, Sequence["User"]]],
) -> int | None:
    """The number of this audience (its people added to `members` the first time); None for nobody."""
    users = {user.pk: user for user in recipients}
    if not users:
        return None
    key = tuple(users)
    if key not in audiences:
        audiences[key] = len(audiences)
        members.append((audiences[key], list(users.values())))
    return audiences[key]


def people_columns(groups: Iterable[tuple[int, Iterable["User"]]], *, key: str) -> dict[str, str]:
    """The people a sweep's statement joins its rows to, by group (an audience, a customer, a
    contract's owner): the parameters of `unnest(%(<key>)s::bigint[], %(recipient_id)s::bigint[],
    %(to_email)s::text[])`, each person once per group, as array literals (common.arrays)."""
    columns: dict[str, list[Any]] = {key: [], "recipient_id": [], "to_email": []}
    for group, users in groups:
        for user in {user.pk: user for user in users}.values():
            columns[key].append(group)
            columns["recipient_id"].append(user.pk)
            columns["to_email"].append(getattr(user, "email", ""))
    return columns_arrays(columns, texts=("to_email",))


def notices_dispatch_many(notice_ids: Sequence[int]) -> None:
    """Hand many notices to the worker, DISPATCH_CHUNK per message (Celery's `chunks`: each message
    runs `notice_send` for its ids in turn, on the notices queue). If the broker is down they wait
    in the outbox for `notices_resend_due`, as with `notices_dispatch`."""
    from notices.tasks import notice_send

    if not notice_ids:
        return
    try:
        notice_send.chunks([(notice_id,) for notice_id in notice_ids], DISPATCH_CHUNK).apply_async(
            queue=NOTICES  # `celery.starmap` messages: notice_send's route does not reach them
        )
    except Exception:  # kombu raises several types when Redis is unreachable
        logger.warning("Broker unreachable; %s notices stay in the outbox", len(notice_ids))


def notices_dispatch(notice_ids: Iterable[int]) -> None:
    """Hand notices to the worker. If the broker is down the rows wait in the outbox and the
    periodic sweep (`notices_resend_due`) sends them once it is back."""
    from notices.tasks import notice_send

    for notice_id in notice_ids:
        try:
            notice_send.delay(notice_id)
        except Exception:  # kombu raises several types when Redis is unreachable
            logger.warning("Broker unreachable; notice %s stays in the outbox", notice_id)
            return


def notice_deliver(*, notice_id: int) -> bool:
    """Email one notice unless it was already sent or given up on; True when this call sent it."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update(skip_locked=True, of=("self",))
            .pending()
            .filter(pk=notice_id)
            .first()
        )
        if notice is None:
            return False
        try:
            parts = [notice.render(part) for part in PARTS]
        except Exception as exc:  # a template error is the same on every try: never retry it
            _give_up(notice, f"Cannot be rendered: {type(exc).__name__}: {exc}")
            return False
        message = _message(notice, *parts)
        notice.attempts += 1
        try:
            message.send()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if _refused_for_good(exc):
                _give_up(notice, f"Refused by the mail server: {error}")
            else:
                _retry_later(notice, error)
            return False
        notice.sent_at, notice.next_attempt_at, notice.last_error = timezone.now(), None, ""
        notice.save(update_fields=["attempts", "sent_at", "next_attempt_at", "last_error"])
        return True


def notice_message_id(notice: Notice) -> str:
    """The email's Message-ID, derived from the notice alone: a notice sent twice (a worker that
    died between sending and marking it sent) arrives twice with one id, so a receiving server or
    mail client can drop the repeat."""
    domain = urlsplit(settings.SITE_URL).hostname or "relicensing"
    occurrence = re.sub(r"[^A-Za-z0-9.-]", "-", notice.occurrence)[:60]
    return f"<notice-{notice.pk}.{occurrence}@{domain}>"


def _message(notice: Notice, subject: str, text: str, html: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[notice.to_email],
        headers={"Message-ID": notice_message_id(notice)},
    )
    message.attach_alternative(html, "text/html")
    for attachment in notice.attachments:
        content = (
            base64.b64decode(attachment["content_base64"])
            if "content_base64" in attachment
            else attachment["content"]
        )
        message.attach(attachment["filename"], content, attachment["content_type"])
    return message


def _refused_for_good(exc: Exception) -> bool:
    """This notice will fail the same way every time: its recipient refused (5xx to RCPT), its
    message refused (5xx to DATA), or a message that cannot be built. Anything about the server
    or the account (unreachable, a 4xx, the sender or the login refused) concerns every notice
    and is fixed once for all: those are retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        return False
    return isinstance(exc, (ValueError, UnicodeError))


def _give_up(notice: Notice, reason: str) -> None:
    notice.failed_at, notice.next_attempt_at, notice.last_error = timezone.now(), None, reason[:2000]
    notice.save(update_fields=["attempts", "failed_at", "next_attempt_at", "last_error"])
    logger.error("Notice %s failed for good: %s", notice.pk, reason)


def _retry_later(notice: Notice, error: str) -> None:
    if notice.attempts >= MAX_ATTEMPTS:
        _give_up(notice, f"Gave up after {notice.attempts} attempts; the last: {error}")
        return
    delay = min(FIRST_RETRY * 2 ** (notice.attempts - 1), LONGEST_RETRY)
    notice.next_attempt_at, notice.last_error = timezone.now() + delay, error
    notice.save(update_fields=["attempts", "next_attempt_at", "last_error"])
    logger.warning(
        "Notice %s not sent (attempt %s), next try in %s: %s", notice.pk, notice.attempts, delay, error
    )


def notices_resend_due() -> int:
    """Sweep: hand the worker the notices that missed the broker or whose retry is due."""
    due = notices_due()
    notices_dispatch(due)
    return len(due)


def notices_due(*, limit: int = 500) -> list[int]:
    """Pending notices whose time to (re)try has come, oldest first."""
    return list(
        Notice.objects.pending()
        .filter(next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def notices_mark_read(*, user: "User", notice_ids: Iterable[int]) -> int:
    marked = Notice.objects.filter(recipient=user, pk__in=list(notice_ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked and hasattr(user, UNREAD_LOADED_AS):
        delattr(user, UNREAD_LOADED_AS)  # the count the person was loaded with is no longer true
    return marked


def notices_resend(*, notice_id: int, actor: "User") -> bool:
    """Staff send a failed notice again (its address corrected, the mail server mended): it becomes
    pending with a fresh count of attempts and is handed to the worker after commit.

    A compare-and-set on "failed and not sent": True when this call made it pending; False when it
    was not failed any more (a second click, another member of staff first), which changes
    nothing. A notice already sent is never sent again (Conflict). Raises Notice.DoesNotExist.
    """
    from common.errors import Conflict
    from common.formats import moment

    resent = (
        Notice.objects.filter(pk=notice_id, failed_at__isnull=False, sent_at__isnull=True)
        .exclude(to_email="")
        .update(failed_at=None, attempts=0, next_attempt_at=timezone.now() + SWEEP_GRACE)
    )
    if resent:
        logger.info("Notice %s re-sent by user %s", notice_id, actor.pk)
        transaction.on_commit(lambda: notices_dispatch([notice_id]))
        return True
    notice = Notice.objects.get(pk=notice_id)
    if notice.sent_at is not None:
        raise Conflict(
            f"This notice was sent on {moment(notice.sent_at)}; it is not sent twice.",
            code="notice_already_sent",
        )
    if not notice.to_email:
        raise Conflict("This notice has no email address to send to.", code="notice_without_address")
    return False
