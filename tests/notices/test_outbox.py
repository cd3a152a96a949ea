"""The notices outbox: written with the change, sent once, kept when the broker is down."""

from unittest import mock

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from notices import services, tasks
from notices.models import Notice

pytestmark = pytest.mark.django_db(transaction=True)


def write_notice(user):
    return services.notice_create(
        event="api_token_issued", target=user, recipients=[user], context={"username": user.username}
    )


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


def test_the_same_notice_is_never_written_or_sent_twice(customer, mailbox):
    with transaction.atomic():
        [notice_id] = write_notice(customer)
    assert write_notice(customer) == []
    assert tasks.notice_send(notice_id) is False
    assert tasks.notice_send(notice_id) is False
    assert len(mailbox) == 1
    assert Notice.objects.count() == 1


def test_task_run_twice_sends_once(customer, mailbox):
    with mock.patch.object(services, "notices_dispatch"), transaction.atomic():  # stays in the outbox
        [notice_id] = write_notice(customer)
    assert mailbox == []
    assert tasks.notice_send(notice_id) is True
    assert tasks.notice_send(notice_id) is False
    assert len(mailbox) == 1


def test_broker_down_keeps_change_and_notice_and_the_sweep_sends_later(customer, mailbox, time_machine):
    time_machine.move_to("2026-11-21 10:00:00Z")
    redis_down = mock.patch.object(tasks.notice_send, "delay", side_effect=OperationalError("Redis is down"))
    with redis_down, transaction.atomic():
        [notice_id] = write_notice(customer)
    notice = Notice.objects.get(pk=notice_id)
    assert notice.sent_at is None
    assert mailbox == []

    time_machine.move_to("2026-11-21 10:01:00Z")  # Redis is back; beat runs the sweep
    assert tasks.notices_resend_unsent() == 1
    assert len(mailbox) == 1
    assert tasks.notices_resend_unsent() == 0


def test_smtp_failure_is_recorded_and_retried(customer, mailbox, settings, time_machine):
    time_machine.move_to("2026-11-21 10:00:00Z")
    with mock.patch.object(services, "notices_dispatch"), transaction.atomic():
        [notice_id] = write_notice(customer)
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    assert tasks.notice_send(notice_id) is False
    notice = Notice.objects.get(pk=notice_id)
    assert notice.attempts == 1
    assert notice.sent_at is None
    assert "Error" in notice.last_error

    settings.EMAIL_PORT = real_port
    time_machine.move_to("2026-11-21 10:02:00Z")
    assert tasks.notices_resend_unsent() == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None
    assert notice.last_error == ""
    assert len(mailbox) == 1


def test_a_user_without_email_gets_the_notice_in_app_only(customer, mailbox):
    customer.email = ""
    customer.save()
    with transaction.atomic():
        write_notice(customer)
    assert mailbox == []
    assert Notice.objects.filter(recipient=customer).count() == 1
    assert services.notices_due_for_resend(older_than_seconds=0) == []


def test_text_parts_are_not_html_escaped_but_the_html_part_is(customer, mailbox):
    with transaction.atomic():
        services.notice_create(
            event="api_token_issued",
            target=customer,
            recipients=[customer],
            context={"username": "O'Brien & <Sons>"},
        )
    [message] = mailbox
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert message["Subject"] == "An API key was issued for your account O'Brien & <Sons>"
    assert "O'Brien & <Sons>" in parts["text/plain"]
    assert "O&#x27;Brien &amp; &lt;Sons&gt;" in parts["text/html"]
