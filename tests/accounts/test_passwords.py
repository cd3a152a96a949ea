"""Password reset and change (issue 14, item 2): Django's own views in the portal's layout, the
reset email through the outbox and sent once, a link that works once, attempts limited per
address and per client, and a new password that ends every other session and API key."""

import re

import pytest
from django.test import Client
from knox.models import AuthToken

from notices.models import Notice
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "a-longer-new-pass-2027"


def reset_link(message) -> str:
    text = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    return (
        re.search(r"http://[^\s]+/account/password/reset/[^\s]+/", text)
        .group(0)
        .split("http://127.0.0.1:8000", 1)[-1]
    )


def ask_reset(client, email, capture):
    with capture(execute=True):
        return client.post("/account/password/reset/", {"email": email})


def test_a_reset_email_arrives_once_and_its_link_works_once(
    client, customer, mailbox, django_capture_on_commit_callbacks
):
    other_session = Client()
    other_session.force_login(customer)
    AuthToken.objects.create(customer)

    response = ask_reset(client, customer.email.upper(), django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/account/password/reset/sent/"
    assert len(mailbox) == 1
    assert mailbox[0]["To"] == customer.email
    assert mailbox[0]["Subject"] == "Reset your relicensing-programme password"
    # The outbox keeps no working link: the email's is drawn as it is written.
    [notice] = Notice.objects.filter(event="password_reset", recipient=customer)
    assert "/account/password/reset/" not in str(notice.context)

    link = reset_link(mailbox[0])
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == "/account/password/reset/done/"

    customer.refresh_from_db()
    assert customer.check_password(NEW)
    # Every other session and API key ended with the old password.
    assert other_session.get("/").status_code == 302
    assert not AuthToken.objects.filter(user=customer).exists()
    assert Client().post("/login/", {"username": "customer", "password": NEW}).status_code == 302

    again = client.get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_an_unknown_address_gets_the_same_answer_and_no_email(
    client, customer, mailbox, django_capture_on_commit_callbacks
):
    known = ask_reset(client, customer.email, django_capture_on_commit_callbacks)
    unknown = ask_reset(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m["To"] for m in mailbox] == [customer.email]


def test_resets_are_limited_per_address_then_per_client(
    client, customer, mailbox, django_capture_on_commit_callbacks
):
    answers = [
        ask_reset(client, customer.email, django_capture_on_commit_callbacks).status_code for _ in range(6)
    ]
    assert answers == [302, 302, 302, 302, 302, 429]
    assert len(mailbox) == 5
    limited = client.post("/account/password/reset/", {"email": customer.email})
    assert limited["Retry-After"] == "3600"
    assert "paused for an hour" in limited.content.decode()
    # Another address from the same client is still served, up to the client's 20 attempts an hour:
    # 7 so far (refused ones count too), so 13 more.
    other = [
        ask_reset(client, f"someone{n}@example.org", django_capture_on_commit_callbacks).status_code
        for n in range(13)
    ]
    assert other == [302] * 13
    assert ask_reset(client, "one-more@example.org", django_capture_on_commit_callbacks).status_code == 429


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, customer):
    other_session = Client()
    other_session.force_login(customer)
    _, key = AuthToken.objects.create(customer)
    client.force_login(customer)

    wrong = client.post(
        "/account/password/", {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW}
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()

    done = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert done.status_code == 302 and done["Location"] == "/account/password/changed/"
    assert client.get("/").status_code == 200
    assert other_session.get("/").status_code == 302
    assert not AuthToken.objects.filter(user=customer).exists()
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/vendors/").status_code == 401


def test_the_pages_link_to_each_other(client, customer):
    assert 'href="/account/password/reset/"' in client.get("/login/").content.decode()
    client.force_login(customer)
    assert 'href="/account/password/"' in client.get("/account/api-keys/").content.decode()
    assert client.get("/account/password/").status_code == 200


def test_a_user_without_a_usable_password_gets_no_email(
    client, mailbox, django_capture_on_commit_callbacks, acme
):
    user = UserFactory(username="nopass", organization=acme, role="customer", email="nopass@example.org")
    user.set_unusable_password()
    user.save()
    ask_reset(client, "nopass@example.org", django_capture_on_commit_callbacks)
    assert mailbox == []
