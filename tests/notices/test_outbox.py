"""The notices outbox: written with the change, keyed per occurrence, sent once, kept when the
broker is down, retried with growing delays when the mail server is unreachable, and given up
(never retried) when a notice cannot be rendered or is refused for good."""

import datetime as dt
from unittest import mock

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from notices import services, tasks
from notices.models import Notice

pytestmark = pytest.mark.django_db(transaction=True)

T0 = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)


def write_notice(user, occurrence="token:1", **context):
    return services.notice_create(
        event="api_token_issued",
        occurrence=occurrence,
        target=user,
        recipients=[user],
        context={"username": user.username, **context},
    )


def held_in_outbox():
    """The after-commit hand-over to the worker does not happen: the notice waits in the outbox."""
    return mock.patch.object(services, "notices_dispatch")


def test_notice_rows_roll_back_with_the_change(customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        write_notice(customer)
        raise RuntimeError("the change failed")
    assert not Notice.objects.exists()


def test_notice_is_sent_after_commit_with_text_and_html(customer, mailbox):
    with transaction.atomic():
        write_notice(customer)
        assert mailbox == []  # nothing leaves before the change is committed
    [message] = mailbox
    assert message["To"] == customer.email
    assert message["Subject"] == f"An API key was issued for your account {customer.username}"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert customer.username in parts["text/plain"]
    assert "<strong>customer</strong>" in parts["text/html"]
    assert Notice.objects.get().sent_at is not None


def test_the_same_occurrence_is_written_and_sent_once(customer, mailbox):
    with transaction.atomic():
        [notice_id] = write_notice(customer, occurrence="token:1")
    assert write_notice(customer, occurrence="token:1") == []
    assert tasks.notice_send(notice_id) is False
    assert len(mailbox) == 1
    assert Notice.objects.count() == 1


def test_a_second_occurrence_about_the_same_object_is_a_second_notice(customer, mailbox):
    # Before notices were keyed per occurrence, this second one was dropped silently.
    with transaction.atomic():
        write_notice(customer, occurrence="token:1")
    with transaction.atomic():
        write_notice(customer, occurrence="token:2")
    assert Notice.objects.filter(recipient=customer, target_id=customer.pk).count() == 2
    assert len(mailbox) == 2


def test_task_run_twice_sends_once(customer, mailbox):
    with held_in_outbox(), transaction.atomic():
        [notice_id] = write_notice(customer)
    assert mailbox == []
    assert tasks.notice_send(notice_id) is True
    assert tasks.notice_send(notice_id) is False
    assert len(mailbox) == 1


def test_broker_down_keeps_change_and_notice_and_the_sweep_sends_later(customer, mailbox, time_machine):
    time_machine.move_to(T0, tick=False)
    redis_down = mock.patch.object(tasks.notice_send, "delay", side_effect=OperationalError("Redis is down"))
    with redis_down, transaction.atomic():
        [notice_id] = write_notice(customer)
    assert Notice.objects.get(pk=notice_id).sent_at is None
    assert mailbox == []

    time_machine.move_to(
        T0 + dt.timedelta(seconds=10), tick=False
    )  # too soon: the hand-over may still be on its way
    assert services.notices_resend_due() == 0
    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)  # Redis is back; beat runs the sweep
    assert services.notices_resend_due() == 1
    assert len(mailbox) == 1
    assert services.notices_resend_due() == 0


def test_an_unreachable_server_is_retried_after_a_growing_delay(customer, mailbox, settings, time_machine):
    time_machine.move_to(T0, tick=False)
    with held_in_outbox(), transaction.atomic():
        [notice_id] = write_notice(customer)
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    assert tasks.notice_send(notice_id) is False
    notice = Notice.objects.get(pk=notice_id)
    assert (notice.attempts, notice.sent_at, notice.failed_at) == (1, None, None)
    assert "ConnectionRefusedError" in notice.last_error
    assert notice.next_attempt_at == T0 + dt.timedelta(minutes=1)

    settings.EMAIL_PORT = real_port
    time_machine.move_to(T0 + dt.timedelta(seconds=59), tick=False)
    assert services.notices_resend_due() == 0  # not yet
    time_machine.move_to(T0 + dt.timedelta(minutes=1), tick=False)
    assert services.notices_resend_due() == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.last_error == ""
    assert len(mailbox) == 1


def test_transient_failures_back_off_then_stop(customer, mailbox, settings, time_machine):
    time_machine.move_to(T0, tick=False)
    with held_in_outbox(), transaction.atomic():
        [notice_id] = write_notice(customer)
    settings.EMAIL_PORT = 1
    # Delays after attempts 1 to 7, by hand: 1, 2, 4, 8, 16, 32, 64 minutes; the 8th attempt is the last.
    now = T0
    for delay_minutes in (1, 2, 4, 8, 16, 32, 64):
        assert tasks.notice_send(notice_id) is False
        notice = Notice.objects.get(pk=notice_id)
        assert notice.next_attempt_at == now + dt.timedelta(minutes=delay_minutes)
        now = notice.next_attempt_at
        time_machine.move_to(now, tick=False)
    assert tasks.notice_send(notice_id) is False
    notice = Notice.objects.get(pk=notice_id)
    assert notice.attempts == 8
    assert notice.failed_at is not None and notice.next_attempt_at is None
    assert notice.last_error.startswith("Gave up after 8 attempts")
    time_machine.move_to(now + dt.timedelta(days=1), tick=False)
    assert services.notices_resend_due() == 0


def test_a_recipient_refused_for_good_is_never_retried(customer, mailbox, time_machine):
    time_machine.move_to(T0, tick=False)
    customer.email = "refused@acme.example"
    customer.save()
    with transaction.atomic():
        [notice_id] = write_notice(customer)
    notice = Notice.objects.get(pk=notice_id)
    assert notice.failed_at is not None and notice.attempts == 1
    assert "550" in notice.last_error and notice.last_error.startswith("Refused by the mail server")
    time_machine.move_to(T0 + dt.timedelta(days=1), tick=False)
    assert services.notices_resend_due() == 0
    assert tasks.notice_send(notice_id) is False
    assert mailbox == []


def test_a_temporary_refusal_is_retried(customer, mailbox, time_machine):
    time_machine.move_to(T0, tick=False)
    customer.email = "busy@acme.example"
    customer.save()
    with transaction.atomic():
        [notice_id] = write_notice(customer)
    notice = Notice.objects.get(pk=notice_id)
    assert notice.failed_at is None and notice.attempts == 1 and "451" in notice.last_error
    assert notice.next_attempt_at == T0 + dt.timedelta(minutes=1)


def test_a_notice_that_cannot_be_rendered_fails_once_and_no_page_fails(
    client, customer, mailbox, time_machine
):
    time_machine.move_to(T0, tick=False)
    with held_in_outbox(), transaction.atomic():
        [notice_id] = write_notice(customer)
    Notice.objects.filter(pk=notice_id).update(event="retired_event")  # its templates no longer exist
    assert tasks.notice_send(notice_id) is False
    notice = Notice.objects.get(pk=notice_id)
    assert notice.failed_at is not None and notice.attempts == 0
    assert notice.last_error.startswith("Cannot be rendered: TemplateDoesNotExist")
    time_machine.move_to(T0 + dt.timedelta(days=1), tick=False)
    assert services.notices_resend_due() == 0  # never retried

    client.force_login(customer)
    for page in ("/", "/notices/", "/api/v1/notices/"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "retired_event" in response.content.decode(), page  # its name stands in for the subject
    assert mailbox == []


def test_a_user_without_email_gets_the_notice_in_app_only(customer, mailbox, time_machine):
    time_machine.move_to(T0, tick=False)
    customer.email = ""
    customer.save()
    with transaction.atomic():
        write_notice(customer)
    assert mailbox == []
    assert Notice.objects.filter(recipient=customer).count() == 1
    time_machine.move_to(T0 + dt.timedelta(hours=1), tick=False)
    assert services.notices_due() == []


def test_text_parts_are_not_html_escaped_but_the_html_part_is(customer, mailbox):
    with transaction.atomic():
        write_notice(customer, username="O'Brien & <Sons>")
    [message] = mailbox
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert message["Subject"] == "An API key was issued for your account O'Brien & <Sons>"
    assert "O'Brien & <Sons>" in parts["text/plain"]
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in parts["text/html"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_refused_sender_is_the_servers_problem_and_is_retried(customer, time_machine):
    """A server that refuses the sender (here: it wants a login that EMAIL_URL lacks) refuses every
    notice alike; fixing the configuration must deliver them, so none is given up on."""
    import socket

    from aiosmtpd.controller import Controller
    from django.test import override_settings

    class Accept:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        Accept(), hostname="127.0.0.1", port=port, auth_required=True, auth_require_tls=False
    )
    controller.start()
    time_machine.move_to(T0, tick=False)
    try:
        with held_in_outbox(), transaction.atomic():
            [notice_id] = write_notice(customer)
        with override_settings(
            EMAIL_HOST="127.0.0.1", EMAIL_PORT=port, EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD=""
        ):
            assert tasks.notice_send(notice_id) is False
    finally:
        controller.stop()
    notice = Notice.objects.get(pk=notice_id)
    assert "530" in notice.last_error
    assert notice.failed_at is None and notice.next_attempt_at == T0 + dt.timedelta(minutes=1)


def test_each_email_carries_a_message_id_derived_from_its_notice(customer, mailbox, settings):
    # A notice sent twice (its worker died between sending and marking it sent) arrives with the
    # same Message-ID both times, so the receiving side can drop the repeat.
    settings.SITE_URL = "https://portal.example"
    with held_in_outbox():
        (notice_id,) = write_notice(customer, occurrence="token:7")
    assert services.notice_deliver(notice_id=notice_id)
    Notice.objects.filter(pk=notice_id).update(sent_at=None)  # as if the mark was lost
    assert services.notice_deliver(notice_id=notice_id)
    first, again = mailbox
    assert first["Message-ID"] == again["Message-ID"] == f"<notice-{notice_id}.token-7@portal.example>"


def test_a_sweeps_notices_keep_every_character_of_their_context(customer, partner):
    # notices_create_many sends its columns as Postgres array literals (common.arrays): quotes,
    # backslashes, braces, commas, line breaks, the word NULL and non-ASCII text must arrive as
    # written, in the context and in the occurrence.
    from django.contrib.contenttypes.models import ContentType

    awkward = 'O\'Brien "HQ", {Unit 1}\\2\nNULL · Zürich'
    drafts = [
        services.NoticeDraft(
            event="api_token_issued",
            occurrence=f"sweep:{n}:{awkward}",
            target_type_id=ContentType.objects.get_for_model(customer).pk,
            target_id=customer.pk,
            recipients=[customer, partner],
            context={"username": awkward, "n": n, "list": ["a,b", "}"]},
            link=f"/x/{n}/?q={awkward}",
        )
        for n in range(2)
    ]
    with held_in_outbox():
        written = services.notices_create_many(drafts)
    assert len(written) == 4
    notices = list(Notice.objects.all())
    assert {(n.occurrence, n.recipient_id) for n in notices} == {
        (f"sweep:{n}:{awkward}", person.pk) for n in range(2) for person in (customer, partner)
    }
    for notice in notices:
        n = int(notice.occurrence.split(":")[1])
        assert notice.context == {"username": awkward, "n": n, "list": ["a,b", "}"]}
    assert {n.link for n in notices} == {f"/x/0/?q={awkward}", f"/x/1/?q={awkward}"}
    assert {n.to_email for n in notices} == {"customer@example.com", "partner@example.com"}
