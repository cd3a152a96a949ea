"""An organisation's people (issue 14, item 1): administrators invite by email (a signed link that
works once, for seven days), see their users, deactivate one (sessions and API keys end at once)
and hand the administrator flag on; staff do the same for any organisation and create
organisations and partnerships. Through the API and the pages, for the owner's administrator, a
teammate who is not one, another organisation's administrator, a partner and staff."""

import datetime as dt
import re

import pytest
from django.test import Client
from knox.models import AuthToken

from accounts import services
from accounts.choices import OrganizationKind, Role
from accounts.models import Invitation, Organization, Partnership, User
from notices.models import Notice
from tests.factories import PASSWORD, UserFactory
from tests.races import race

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-quiet-harbour-2027"
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


# --- people -------------------------------------------------------------------------------------
@pytest.fixture
def now(time_machine) -> dt.datetime:
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def admin(customer) -> User:
    """Acme's administrator (the demo's `customer`)."""
    User.objects.filter(pk=customer.pk).update(
        is_organization_admin=True, first_name="Casey", last_name="Morgan", email="casey@acme.example"
    )
    customer.refresh_from_db()
    return customer


@pytest.fixture
def teammate(acme) -> User:
    """Another Acme customer user, not an administrator."""
    return UserFactory(
        username="robin", first_name="Robin", last_name="Hale", email="robin@acme.example", organization=acme
    )


@pytest.fixture
def outsider_admin(other_customer) -> User:
    """Borealis's administrator: another organisation."""
    User.objects.filter(pk=other_customer.pk).update(is_organization_admin=True)
    other_customer.refresh_from_db()
    return other_customer


@pytest.fixture
def partner_admin(partner) -> User:
    """NetReseller's administrator; NetReseller serves Acme."""
    User.objects.filter(pk=partner.pk).update(is_organization_admin=True)
    partner.refresh_from_db()
    return partner


def users_url(organization: Organization) -> str:
    return f"/api/v1/organizations/{organization.pk}/users/"


def token_for(api, username: str) -> str:
    response = api.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()["token"]


def invitation_link(invitation: Invitation) -> str:
    """The path of the link in the invitation's email, as the email is written."""
    notice = Notice.objects.get(event="organization_invitation", target_id=invitation.pk)
    text = notice.render("body.txt")
    return re.search(r"https?://[^/\s]+(/account/invitation/[^\s]+/)", text).group(1)


def accept(client: Client, link: str, username: str = "jordan", password: str = NEW_PASSWORD, **extra):
    form = {"username": username, "first_name": "Jordan", "last_name": "Lee", "password1": password}
    form["password2"] = extra.pop("password2", password)
    return client.post(link, {**form, **extra})


# --- the users list (API) -----------------------------------------------------------------------
def test_an_administrator_sees_the_organisations_users(api_as, admin, teammate, acme):
    response = api_as(admin).get(users_url(acme))
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert response.json()["results"] == [
        {
            "id": admin.pk,
            "username": "customer",
            "name": "Casey Morgan",
            "email": "casey@acme.example",
            "role": "customer",
            "is_admin": True,
            "is_active": True,
        },
        {
            "id": teammate.pk,
            "username": "robin",
            "name": "Robin Hale",
            "email": "robin@acme.example",
            "role": "customer",
            "is_admin": False,
            "is_active": True,
        },
    ]


def test_a_teammate_who_is_not_an_administrator_gets_403(api_as, admin, teammate, acme):
    response = api_as(teammate).get(users_url(acme))
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only your organisation's administrators manage its people.",
        "code": "permission_denied",
    }
    invite = api_as(teammate).post(users_url(acme), {"email": "new@acme.example"}, format="json")
    assert invite.status_code == 403
    assert not Invitation.objects.exists()


def test_another_organisations_administrator_gets_404(api_as, admin, outsider_admin, acme, teammate):
    assert api_as(outsider_admin).get(users_url(acme)).status_code == 404
    assert (
        api_as(outsider_admin).post(users_url(acme), {"email": "x@example.com"}, format="json").status_code
        == 404
    )
    assert api_as(outsider_admin).post(f"/api/v1/users/{teammate.pk}/deactivate/").status_code == 404
    teammate.refresh_from_db()
    assert teammate.is_active


def test_a_partner_administrator_manages_its_own_people_not_its_customers(
    api_as, partner_admin, netreseller, acme, admin, teammate
):
    client = api_as(partner_admin)
    assert client.get(users_url(netreseller)).status_code == 200
    # It sees Acme (it serves it) but Acme's people are Acme's to manage.
    assert client.get(users_url(acme)).status_code == 403
    assert client.post(f"/api/v1/users/{teammate.pk}/deactivate/").status_code == 403
    teammate.refresh_from_db()
    assert teammate.is_active


def test_staff_list_and_invite_for_any_organisation(api_as, staff, admin, borealis, acme):
    client = api_as(staff)
    assert [u["username"] for u in client.get(users_url(acme)).json()["results"]] == ["customer"]
    assert client.get(users_url(borealis)).json()["count"] == 0
    response = client.post(users_url(borealis), {"email": "first@borealis.example"}, format="json")
    assert response.status_code == 201


def test_an_inspector_gets_404_for_a_customers_users(api_as, inspector, acme):
    assert api_as(inspector).get(users_url(acme)).status_code == 404


def test_anonymous_gets_401(api, acme):
    assert api.get(users_url(acme)).status_code == 401


def test_the_users_list_costs_the_same_queries_at_3_and_at_30_people(
    api_as, admin, acme, django_assert_num_queries
):
    client = api_as(admin)
    UserFactory.create_batch(2, organization=acme)
    # Session/auth are forced; the reads: the organisation, the page's count and its rows, plus the
    # savepoint pair the request's transaction opens.
    with django_assert_num_queries(5):
        assert client.get(users_url(acme)).json()["count"] == 3
    UserFactory.create_batch(27, organization=acme)
    with django_assert_num_queries(5):
        assert len(client.get(users_url(acme)).json()["results"]) == 30


# --- inviting (API) --------------------------------------------------------------------------------
def test_an_invitation_is_emailed_with_a_link_that_works_for_seven_days(api_as, admin, acme, now):
    response = api_as(admin).post(users_url(acme), {"email": " Jordan@Acme.example "}, format="json")
    assert response.status_code == 201
    body = response.json()
    invitation = Invitation.objects.get()
    assert body == {
        "id": invitation.pk,
        "organization": acme.pk,
        "email": "jordan@acme.example",
        "role": "customer",
        "expires_at": "2026-11-27T12:00:00Z",
    }
    notice = Notice.objects.get(event="organization_invitation")
    assert (notice.recipient, notice.to_email) == (None, "jordan@acme.example")
    assert notice.subject == "Casey Morgan invites you to Acme Networks in the relicensing programme"
    text = notice.render("body.txt")
    assert "as a customer user" in text
    assert "until 27 Nov 2026, 12:00 UTC" in text
    assert "/account/invitation/" in notice.render("body.html")


def test_the_invitation_email_arrives_with_its_link(
    api_as, admin, acme, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api_as(admin).post(users_url(acme), {"email": "jordan@acme.example"}, format="json")
    (message,) = mailbox
    assert message["To"] == "jordan@acme.example"
    subject = re.sub(r"\r?\n", "", message["Subject"])  # a long header arrives folded
    assert subject == "Casey Morgan invites you to Acme Networks in the relicensing programme"
    text = next(
        p.get_payload(decode=True).decode() for p in message.walk() if p.get_content_type() == "text/plain"
    )
    path = re.search(r"https?://[^/\s]+(/account/invitation/[^\s]+/)", text).group(1)
    assert path == invitation_link(Invitation.objects.get())
    assert Client().get(path).status_code == 200


def test_inviting_a_present_member_again_is_refused(api_as, admin, teammate, acme):
    response = api_as(admin).post(users_url(acme), {"email": "ROBIN@acme.example"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "robin@acme.example already has an account in Acme Networks.",
        "code": "already_member",
    }


def test_a_bad_email_is_a_field_error(api_as, admin, acme):
    response = api_as(admin).post(users_url(acme), {"email": "not an address"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email"}


def test_the_operators_people_are_inspectors_or_staff_and_only_staff_invite_staff(
    api_as, staff, inspector, operator
):
    User.objects.filter(pk=inspector.pk).update(is_organization_admin=True)
    inspector.refresh_from_db()
    refused = api_as(inspector).post(
        users_url(operator), {"email": "s@ops.example", "role": "staff"}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only programme staff invite programme staff."
    wrong = api_as(staff).post(
        users_url(operator), {"email": "c@ops.example", "role": "customer"}, format="json"
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"role": ["People join Programme Operations as inspector or programme staff."]}
    made = api_as(staff).post(
        users_url(operator), {"email": "i@ops.example", "role": "inspector"}, format="json"
    )
    assert made.status_code == 201 and made.json()["role"] == "inspector"


def test_thirty_invitations_an_hour_then_429(api_as, admin, acme, time_machine):
    time_machine.move_to(NOW, tick=False)
    client = api_as(admin)
    for n in range(30):
        assert client.post(users_url(acme), {"email": f"p{n}@acme.example"}, format="json").status_code == 201
    refused = client.post(users_url(acme), {"email": "p30@acme.example"}, format="json")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert refused.json()["code"] == "too_many_invitations"
    time_machine.move_to(NOW + dt.timedelta(hours=1, seconds=1), tick=False)
    assert client.post(users_url(acme), {"email": "p30@acme.example"}, format="json").status_code == 201


# --- accepting (the page) ----------------------------------------------------------------------
def test_an_invited_colleague_accepts_and_signs_in(admin, acme):
    invitation = services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    link = invitation_link(invitation)
    browser = Client()
    page = browser.get(link)
    assert page.status_code == 200
    assert "Join Acme Networks" in page.content.decode()
    response = accept(browser, link)
    assert response.status_code == 302 and response["Location"] == "/login/"
    jordan = User.objects.get(username="jordan")
    assert (jordan.organization, jordan.role, jordan.email, jordan.get_full_name()) == (
        acme,
        Role.CUSTOMER,
        "jordan@acme.example",
        "Jordan Lee",
    )
    assert not jordan.is_organization_admin  # Acme already has one
    signed_in = browser.post("/login/", {"username": "jordan", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert browser.get("/").context["user"] == jordan


def test_a_used_link_says_so(admin, acme):
    invitation = services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    link = invitation_link(invitation)
    accept(Client(), link)
    again = accept(Client(), link, username="jordan2")
    assert again.status_code == 410
    assert "This invitation has been used" in again.content.decode()
    assert User.objects.filter(email="jordan@acme.example").count() == 1


def test_an_expired_link_says_so(admin, acme, time_machine):
    time_machine.move_to(NOW, tick=False)
    invitation = services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    link = invitation_link(invitation)
    time_machine.move_to(NOW + dt.timedelta(days=7, seconds=1), tick=False)
    response = accept(Client(), link)
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    assert not User.objects.filter(username="jordan").exists()


def test_a_link_still_works_just_before_seven_days(admin, acme, time_machine):
    time_machine.move_to(NOW, tick=False)
    invitation = services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    time_machine.move_to(NOW + dt.timedelta(days=6, hours=23), tick=False)
    assert accept(Client(), invitation_link(invitation)).status_code == 302


def test_a_newer_invitation_to_the_same_address_replaces_the_older(admin, acme):
    first = services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    response = Client().get(invitation_link(first))
    assert response.status_code == 410
    assert "This invitation was withdrawn" in response.content.decode()


def test_a_tampered_link_is_not_valid(admin, acme):
    invitation = services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    link = invitation_link(invitation)
    response = Client().get(link[:-3] + "xx/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_a_weak_password_or_a_taken_name_is_refused_beside_its_field(admin, acme, teammate):
    invitation = services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    link = invitation_link(invitation)
    weak = accept(Client(), link, password="password")
    assert weak.status_code == 200
    assert "This password is too common." in weak.context["form"].errors["password1"]
    taken = accept(Client(), link, username="Robin")
    assert taken.context["form"].errors["username"] == ["That user name is taken; choose another."]
    differ = accept(Client(), link, password2="something-else-2027")
    assert differ.context["form"].errors["password2"] == [
        "The two passwords differ; type the same one twice."
    ]
    assert not User.objects.filter(email="jordan@acme.example").exists()
    assert Invitation.objects.get().accepted_at is None


def test_the_first_person_to_join_a_new_organisation_becomes_its_administrator(staff):
    organization = services.organization_create(name="Cobalt Systems", kind=OrganizationKind.CUSTOMER)
    invitation = services.invitation_create(
        actor=staff, organization=organization, email="ada@cobalt.example"
    )
    accept(Client(), invitation_link(invitation), username="ada")
    assert User.objects.get(username="ada").is_organization_admin


@pytest.mark.django_db(transaction=True)
def test_two_accepts_of_one_link_at_once_make_one_account(acme):
    # Guard: the compare-and-set in services._invitation_claim (`accepted_at IS NULL`). Without it
    # both threads, paused just before the claim with their accounts made, claim the invitation
    # and two accounts come from one link.
    admin = UserFactory(username="casey", organization=acme, is_organization_admin=True)
    invitation = services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")

    def accepting(username: str):
        return lambda: services.invitation_accept(
            invitation=Invitation.objects.get(pk=invitation.pk), username=username, password=NEW_PASSWORD
        )

    first, second = race(
        accepting("jordan"), accepting("jordan-too"), pause_at=[(services, "_invitation_claim")]
    )
    assert sorted([first.ok, second.ok]) == [False, True]
    refused = first.error or second.error
    assert refused.code == "invitation_used"
    assert User.objects.filter(email="jordan@acme.example").count() == 1
    invitation.refresh_from_db()
    assert invitation.accepted_user.email == "jordan@acme.example"


# --- deactivating ------------------------------------------------------------------------------
def test_a_deactivated_users_token_gets_401_on_the_next_call(api, api_as, admin, teammate, acme):
    key = token_for(api, "robin")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/organizations/").status_code == 200
    api.credentials()
    response = api_as(admin).post(f"/api/v1/users/{teammate.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    api.force_authenticate(user=None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/organizations/").status_code == 401
    assert not AuthToken.objects.filter(user=teammate).exists()


def test_a_deactivated_users_browser_session_ends_on_its_next_page(client, admin, teammate):
    robin = Client()
    robin.post("/login/", {"username": "robin", "password": PASSWORD})
    assert robin.get("/").status_code == 200
    client.force_login(admin)
    client.post(f"/people/{teammate.pk}/deactivate/", {"confirmed": "yes"})
    response = robin.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert robin.post("/login/", {"username": "robin", "password": PASSWORD}).status_code == 200  # refused


def test_nobody_deactivates_themselves(api_as, admin, teammate):
    User.objects.filter(pk=teammate.pk).update(is_organization_admin=True)
    response = api_as(admin).post(f"/api/v1/users/{admin.pk}/deactivate/")
    assert response.status_code == 400
    assert response.json()["code"] == "cannot_deactivate_self"


def test_the_last_administrator_is_neither_deactivated_nor_stripped(api_as, admin, teammate, staff):
    stripped = api_as(admin).post(
        f"/api/v1/users/{admin.pk}/administrator/", {"is_admin": False}, format="json"
    )
    assert stripped.status_code == 400
    assert stripped.json() == {
        "detail": "Casey Morgan is the last administrator of Acme Networks and cannot be removed as "
        "administrator. Make someone else an administrator first.",
        "code": "last_admin",
    }
    deactivated = api_as(staff).post(f"/api/v1/users/{admin.pk}/deactivate/")
    assert deactivated.status_code == 400
    assert deactivated.json()["code"] == "last_admin"
    admin.refresh_from_db()
    assert admin.is_active and admin.is_organization_admin


def test_the_flag_is_handed_to_another_then_given_up(api_as, admin, teammate):
    client = api_as(admin)
    made = client.post(f"/api/v1/users/{teammate.pk}/administrator/", {"is_admin": True}, format="json")
    assert made.status_code == 200 and made.json()["is_admin"] is True
    dropped = client.post(f"/api/v1/users/{admin.pk}/administrator/", {"is_admin": False}, format="json")
    assert dropped.status_code == 200 and dropped.json()["is_admin"] is False
    # No longer an administrator: the people are no longer the former one's to manage.
    client.force_authenticate(user=User.objects.get(pk=admin.pk))  # as the next request loads it
    assert client.get(f"/api/v1/organizations/{admin.organization_id}/users/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_administrators_deactivating_each_other_at_once_leave_one(acme):
    # Guard: services._organization_lock (SELECT ... FOR UPDATE on the organisation). Without it
    # both threads, paused at the last-administrator check, see the other still active, both
    # deactivate, and Acme is left with no administrator.
    first = UserFactory(username="ann", organization=acme, is_organization_admin=True)
    second = UserFactory(username="ben", organization=acme, is_organization_admin=True)
    one, other = race(
        lambda: services.user_deactivate(actor=first, user=second),
        lambda: services.user_deactivate(actor=second, user=first),
        pause_at=[(services, "_another_admin_require")],
    )
    assert sorted([one.ok, other.ok]) == [False, True]
    assert User.objects.filter(organization=acme, is_active=True, is_organization_admin=True).count() == 1


# --- the pages ----------------------------------------------------------------------------------
def test_the_people_page_lists_people_and_invites(client, admin, teammate):
    client.force_login(admin)
    page = client.get("/organization/people/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "People of Acme Networks" in html and "Robin Hale" in html and "robin@acme.example" in html
    assert 'href="/organization/people/"' in html  # the navigation's People link
    sent = client.post("/organization/people/", {"email": "jordan@acme.example"}, follow=True)
    assert "Invitation sent to jordan@acme.example" in sent.content.decode()
    assert "jordan@acme.example" in client.get("/organization/people/").content.decode()


def test_a_teammate_gets_403_on_the_people_page_and_no_link(client, admin, teammate):
    client.force_login(teammate)
    assert client.get("/organization/people/").status_code == 403
    assert 'href="/organization/people/"' not in client.get("/").content.decode()


def test_another_organisations_administrator_gets_404_on_its_people(client, admin, outsider_admin, teammate):
    client.force_login(outsider_admin)
    assert client.post(f"/people/{teammate.pk}/deactivate/", {"confirmed": "yes"}).status_code == 404
    assert client.get(f"/organizations/{admin.organization_id}/").status_code == 403  # staff's page


def test_deactivating_on_the_page_asks_first(client, admin, teammate):
    client.force_login(admin)
    asked = client.post(f"/people/{teammate.pk}/deactivate/")
    assert asked.status_code == 200
    assert "Deactivate Robin Hale?" in asked.content.decode()
    teammate.refresh_from_db()
    assert teammate.is_active
    done = client.post(f"/people/{teammate.pk}/deactivate/", {"confirmed": "yes"}, follow=True)
    assert "Robin Hale is deactivated and signed out everywhere." in done.content.decode()


def test_a_deactivation_is_undone_by_reactivating(api, api_as, admin, teammate, outsider_admin):
    key = token_for(api, "robin")
    api_as(admin).post(f"/api/v1/users/{teammate.pk}/deactivate/")
    assert api_as(outsider_admin).post(f"/api/v1/users/{teammate.pk}/reactivate/").status_code == 404
    response = api_as(admin).post(f"/api/v1/users/{teammate.pk}/reactivate/")
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["is_admin"]) == (True, False)
    api.force_authenticate(user=None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/organizations/").status_code == 401  # the old key stays ended
    api.credentials()
    assert token_for(api, "robin")  # the password signs in again


def test_a_teammate_who_is_not_an_administrator_cannot_reactivate(api_as, admin, teammate, acme):
    other = User.objects.create_user(username="sam", password=PASSWORD, organization=acme, role="customer")
    api_as(admin).post(f"/api/v1/users/{other.pk}/deactivate/")
    assert api_as(teammate).post(f"/api/v1/users/{other.pk}/reactivate/").status_code == 403
    other.refresh_from_db()
    assert not other.is_active


def test_reactivating_on_the_page(client, admin, teammate):
    client.force_login(admin)
    client.post(f"/people/{teammate.pk}/deactivate/", {"confirmed": "yes"})
    page = client.get("/organization/people/").content.decode()
    assert f'action="/people/{teammate.pk}/reactivate/"' in page
    done = client.post(f"/people/{teammate.pk}/reactivate/", follow=True).content.decode()
    assert "Robin Hale can sign in again with their password." in done
    assert Client().post("/login/", {"username": "robin", "password": PASSWORD}).status_code == 302


def test_the_last_administrator_stepping_down_on_the_page_is_told_why_not(client, admin):
    client.force_login(admin)
    response = client.post(f"/people/{admin.pk}/administrator/", {"is_admin": "no"}, follow=True)
    assert "Casey Morgan is the last administrator of Acme Networks" in response.content.decode()


def test_an_administrator_hands_the_flag_on_and_steps_down_on_the_page(client, admin, teammate):
    client.force_login(admin)
    alone = client.get("/organization/people/").content.decode()
    assert "Step down as administrator" not in alone
    assert "The only administrator: name another before stepping down." in alone
    made = client.post(f"/people/{teammate.pk}/administrator/", {"is_admin": "yes"}, follow=True)
    assert "Robin Hale is now an administrator of Acme Networks." in made.content.decode()
    assert "Step down as administrator" in client.get("/organization/people/").content.decode()
    stepped = client.post(f"/people/{admin.pk}/administrator/", {"is_admin": "no"})
    assert stepped["Location"] == "/"
    assert client.get("/organization/people/").status_code == 403
    client.force_login(teammate)
    assert "Casey Morgan" in client.get("/organization/people/").content.decode()


def test_staff_create_an_organisation_and_link_a_partner(client, staff, netreseller):
    client.force_login(staff)
    assert 'href="/organizations/"' in client.get("/").content.decode()
    created = client.post("/organizations/", {"name": "Cobalt Systems", "kind": "customer"})
    cobalt = Organization.objects.get(name="Cobalt Systems")
    assert created["Location"] == f"/organizations/{cobalt.pk}/"
    duplicate = client.post("/organizations/", {"name": "Cobalt Systems", "kind": "customer"})
    assert "Organization with this Name already exists." in duplicate.content.decode()
    client.post(f"/organizations/{cobalt.pk}/partnerships/", {"other": netreseller.pk})
    assert Partnership.objects.filter(partner=netreseller, customer=cobalt).exists()
    link = Partnership.objects.get(partner=netreseller, customer=cobalt)
    asked = client.post(f"/partnerships/{link.pk}/remove/", {"from": "customer"})
    assert "Stop NetReseller serving Cobalt Systems?" in asked.content.decode()
    removed = client.post(f"/partnerships/{link.pk}/remove/", {"from": "customer", "confirmed": "yes"})
    assert removed["Location"] == f"/organizations/{cobalt.pk}/"
    assert not Partnership.objects.filter(pk=link.pk).exists()


def test_a_partner_cannot_serve_a_partner(netreseller, polar):
    from common.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.partnership_create(partner=netreseller, customer=polar)
    assert not Partnership.objects.filter(partner=netreseller, customer=polar).exists()


def test_non_staff_get_403_on_staffs_organisation_pages(client, admin):
    client.force_login(admin)
    assert client.get("/organizations/").status_code == 403


def test_demo_administrators(db):
    from accounts import demo

    demo.load()
    demo.load()  # idempotent
    admins = set(User.objects.filter(is_organization_admin=True).values_list("username", flat=True))
    assert {"customer", "customer2", "partner", "partner2"} <= admins
    assert "inspector" not in admins
    for organization in Organization.objects.all():
        assert organization.users.filter(is_organization_admin=True, is_active=True).exists(), organization


def test_staff_read_invitations_in_the_admin_and_see_who_administers(client, admin, acme):
    services.invitation_create(actor=admin, organization=acme, email="jordan@acme.example")
    superuser = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(superuser)
    listed = client.get("/admin/accounts/invitation/")
    assert listed.status_code == 200 and "jordan@acme.example" in listed.content.decode()
    assert client.get("/admin/accounts/invitation/add/").status_code == 403
    assert client.get("/admin/accounts/user/?is_organization_admin__exact=1").status_code == 200
