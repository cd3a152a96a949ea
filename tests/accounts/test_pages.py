"""Sign-in, sign-out and each role's dashboard, through Django's test client."""

import pytest
from django.core.management import call_command

from accounts.models import User
from notices.services import notice_create
from tests.factories import PASSWORD, ProductFactory, priced_product

pytestmark = pytest.mark.django_db


def test_pages_need_a_sign_in(client):
    for path in ("/", "/notices/", "/catalog/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_wrong_password_shows_a_clear_error(client, customer):
    response = client.post("/login/", {"username": "customer", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_sign_in_and_out(client, customer):
    response = client.post("/login/", {"username": "customer", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Acme Networks" in response.text
    response = client.post("/logout/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"


def test_customer_dashboard_names_its_partner(client, customer, partner):
    client.force_login(customer)
    text = client.get("/").text
    assert "Your partner" in text
    assert "NetReseller" in text


def test_customer_without_partner_is_told_what_to_do(client, customer):
    client.force_login(customer)
    assert "No authorised partner serves your organisation yet" in client.get("/").text


def test_partner_dashboard_lists_only_its_customers(client, partner, other_customer):
    client.force_login(partner)
    text = client.get("/").text
    assert "Acme Networks" in text
    assert "Borealis Data" not in text


def test_inspector_dashboard_shows_programme_capacity(client, settings):
    settings.DEBUG = True
    call_command("loaddemo")
    client.force_login(User.objects.get(username="inspector"))
    text = client.get("/").text
    assert "Juniper Networks" in text
    assert "Inspections / inspector / day" in text


def test_staff_dashboard_flags_price_book_gaps(client, staff):
    priced_product(model="ACX2200")
    ProductFactory(model="NAKED-1")
    client.force_login(staff)
    text = client.get("/").text
    assert "These chassis cannot be quoted" in text
    assert "NAKED-1" in text
    assert "ACX2200" not in text.split("Price-book gaps")[1].split("</section>")[0]


def test_navigation_depends_on_role(client, customer, staff):
    client.force_login(customer)
    assert 'href="/admin/"' not in client.get("/").text
    client.force_login(staff)
    assert 'href="/admin/"' in client.get("/").text


def test_catalog_page_shows_prices(client, customer):
    priced_product(model="ACX2200")
    client.force_login(customer)
    text = client.get("/catalog/").text
    assert "ACX2200" in text
    assert "USD 1,000.00" in text
    assert "USD 437.00" in text


def test_notices_page_lists_own_notices_and_marks_them_read(client, customer, other_customer):
    notice_create(
        event="api_token_issued",
        occurrence="token:1",
        target=customer,
        recipients=[customer],
        context={"username": "customer"},
    )
    notice_create(
        event="api_token_issued",
        occurrence="token:2",
        target=other_customer,
        recipients=[other_customer],
        context={"username": "customer2"},
    )
    client.force_login(customer)
    dashboard = client.get("/").text
    assert 'title="unread">1<' in dashboard
    text = client.get("/notices/").text
    assert "An API key was issued for your account customer" in text
    assert "customer2" not in text
    assert 'title="unread"' not in client.get("/").text
    _keys_announced(customer, range(3, 103))
    assert 'title="unread">99+<' in client.get("/").text  # 100 unread: counted no further


def _keys_announced(user, numbers) -> None:
    """One unread "API key issued" notice to `user` for each number."""
    for n in numbers:
        notice_create(
            event="api_token_issued",
            occurrence=f"token:{n}",
            target=user,
            recipients=[user],
            context={"username": user.username},
        )


def test_the_notices_page_counts_what_it_left_unread_not_what_the_reader_was_loaded_with(client, customer):
    # The count comes with the signed-in person (accounts.backends); the notices page marks the 25
    # it shows read before its menu is drawn, so its own badge must say 5, not 30.
    _keys_announced(customer, range(30))
    client.force_login(customer)
    assert 'title="unread">30<' in client.get("/").text
    assert 'title="unread">5<' in client.get("/notices/").text
    assert 'title="unread">5<' in client.get("/").text


def test_staff_can_open_the_admin_catalog(client, settings):
    settings.DEBUG = True
    call_command("loaddemo")
    demo_staff = User.objects.get(username="staff")
    client.force_login(demo_staff)
    for path in (
        "/admin/",
        "/admin/relicensing/product/",
        "/admin/contracts/sku/",
        "/admin/relicensing/vendor/",
        "/admin/notices/notice/",
    ):
        assert client.get(path).status_code == 200, path


def test_customers_and_partners_do_not_see_inspector_capacity(client, customer, partner, staff, juniper):
    for person, shown in ((customer, False), (partner, False), (staff, True)):
        client.force_login(person)
        assert ("Inspections / inspector / day" in client.get("/").content.decode()) is shown, person.username


def test_staff_see_the_outbox_as_it_stands(client, staff, customer):
    """Sent, waiting, being retried, given up on: each counted, as the delivery rules define them."""
    from django.utils import timezone

    from notices.models import Notice

    for n in range(4):
        notice_create(
            event="api_token_issued", occurrence=f"token:{n}", target=customer, recipients=[customer]
        )
    notices = list(Notice.objects.order_by("pk"))
    Notice.objects.filter(pk=notices[0].pk).update(sent_at=timezone.now(), attempts=1)
    Notice.objects.filter(pk=notices[1].pk).update(attempts=2, last_error="451 busy")
    Notice.objects.filter(pk=notices[2].pk).update(failed_at=timezone.now(), attempts=1)
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert "<strong>1</strong> sent" in page
    assert "<strong>1</strong> waiting to send" in page
    assert "<strong>1</strong> not delivered yet" in page
    assert "<strong>1</strong> given up on" in page


def test_the_inspector_sees_their_next_visits_and_staff_the_bookings_waiting(
    client, customer, partner, inspector, staff, acx2200, frozen_friday
):
    """The dashboards count visits as they stand: waiting for a date, booked, overdue."""
    import datetime as dt

    from inspections.services.visits import inspection_schedule
    from tests.inspections.visits import accepted_inspection, checklist, coverage

    coverage(inspector, "GB")
    checklist(acx2200.vendor)
    waiting = accepted_inspection(customer, partner, "JN11AC220001")
    booked = accepted_inspection(customer, partner, "JN11AC220002")
    inspection_schedule(inspection=booked, user=staff, date=dt.date(2026, 12, 7), inspector=inspector)
    client.force_login(staff)
    page = client.get("/").content.decode()
    assert '<span class="stat-n">1</span><span class="stat-l">waiting for a date</span>' in page
    assert '<span class="stat-n">1</span><span class="stat-l">booked ahead</span>' in page
    client.force_login(inspector)
    page = client.get("/").content.decode()
    assert "Mon 7 Dec 2026 · 1 chassis · " in page
    assert waiting.request.number not in page
