"""The visibility function, for each of the six kinds of user."""

import pytest

from accounts.models import Organization, Partnership, User
from accounts.visibility import Scope, reach_partition, restrict
from notices.models import Notice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def visible_names(user):
    return set(Organization.objects.visible_to(user).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("customer", {"Acme Networks"}),
        ("other_customer", {"Borealis Data"}),
        ("partner", {"NetReseller", "Acme Networks"}),
        ("other_partner", {"Polar Partners", "Borealis Data"}),
        ("inspector", {"Programme Operations"}),
        (
            "staff",
            {"Acme Networks", "Borealis Data", "NetReseller", "Polar Partners", "Programme Operations"},
        ),
    ],
)
def test_organisations_each_kind_of_user_sees(everyone, who, expected):
    assert visible_names(everyone[who]) == expected


def test_anonymous_and_inactive_users_see_nothing(everyone):
    from django.contrib.auth.models import AnonymousUser

    assert not Organization.objects.visible_to(AnonymousUser()).exists()
    customer = everyone["customer"]
    customer.is_active = False
    assert not Organization.objects.visible_to(customer).exists()


def test_a_partner_stops_seeing_a_customer_once_the_link_is_gone(everyone, acme):
    partner = everyone["partner"]
    acme.partners.clear()
    assert visible_names(partner) == {"NetReseller"}


def test_user_with_no_role_or_organisation_sees_nothing(db):
    stray = UserFactory(role="", organization=None)
    assert not Organization.objects.visible_to(stray).exists()


def test_personal_rows_are_seen_by_their_owner_and_staff_only(everyone):
    from notices.services import notice_create

    customer = everyone["customer"]
    notice_create(event="api_token_issued", occurrence="token:1", target=customer, recipients=[customer])
    personal = Scope(user="recipient")
    for who, user in everyone.items():
        expected = 1 if who in {"customer", "staff"} else 0
        assert restrict(Notice.objects.all(), user, personal).count() == expected, who


def test_assigned_work_is_visible_to_its_inspector_only(everyone):
    """Rows reached only through an inspector assignment (here: a user row "assigned" to
    itself) are seen by that inspector and staff, and by no other kind of user."""
    users = everyone["customer"].__class__.objects.all()
    assigned = Scope(inspector="pk")
    for who, user in everyone.items():
        seen = set(restrict(users, user, assigned))
        if who == "staff":
            assert seen == set(users)
        elif who == "inspector":
            assert seen == {user}
        else:
            assert seen == set(), who


def test_a_scope_through_a_reverse_relation_never_repeats_a_row(partner, borealis, acx2200):
    """A unit both customers of one partner claim is one row for that partner, not two: the
    reach is a `pk IN (subquery)`, not a join that repeats the unit once per claim."""
    from relicensing.models import Equipment, Registration
    from tests.factories import PartnershipFactory

    PartnershipFactory(partner=partner.organization, customer=borealis)
    unit = Equipment.objects.create(vendor=acx2200.vendor, serial_number="AB12CD34EF56", product=acx2200)
    for owner in partner.organization.customers.all():
        Registration.objects.create(
            equipment=unit, organization=owner, acquisition_channel="secondary_market"
        )
    through_claims = Scope(organization="registrations__organization")
    assert list(restrict(Equipment.objects.all(), partner, through_claims)) == [unit]


def test_lists_of_customers_rows_are_read_customer_by_customer(everyone, acme, borealis):
    # A partner's own organisation owns no registration or request: only the customers it serves
    # are read one by one (common.paging.keyset_page); staff read everything at once.
    assert reach_partition(everyone["partner"], "organization_id") == ("organization_id", [acme.pk])
    assert reach_partition(everyone["customer"], "customer_id") == ("customer_id", [acme.pk])
    assert reach_partition(everyone["staff"], "organization_id") is None
    Partnership.objects.create(partner=everyone["partner"].organization, customer=borealis)
    # Each request loads its user afresh; one user object keeps the customers it read (as Django
    # keeps a user's permissions), so a list's reach and its partition agree.
    assert reach_partition(everyone["partner"], "organization_id") == ("organization_id", [acme.pk])
    reloaded = User.objects.get(pk=everyone["partner"].pk)
    assert sorted(reach_partition(reloaded, "organization_id")[1]) == sorted([acme.pk, borealis.pk])
