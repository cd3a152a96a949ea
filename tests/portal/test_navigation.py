"""The main menu: what each person sees, and which section a page belongs to."""

import pytest

from portal.navigation import main_navigation

pytestmark = pytest.mark.django_db

ALL_WORK = ["Dashboard", "Equipment", "Requests", "Inspections", "Contracts"]


def labels(user, url_name=""):
    return [link.label for link in main_navigation(user, url_name)]


def test_each_person_sees_their_sections(customer, partner, inspector, staff):
    customer.is_organization_admin = True
    assert labels(customer) == [
        *ALL_WORK,
        "Serial check",
        "People",
        "Webhooks",
        "Catalog & prices",
        "Notices",
    ]
    assert labels(partner) == [*ALL_WORK, "Serial check", "Insights", "Catalog & prices", "Notices", "API"]
    assert labels(inspector) == ["Dashboard", "Inspections", "Catalog & prices", "Notices"]
    assert labels(staff) == [
        *ALL_WORK,
        "Approvals",
        "Holds & disputes",
        "Webhooks",
        "Organisations",
        "Insights",
        "Operations",
        "Catalog & prices",
        "Notices",
        "API",
        "Admin",
    ]


def test_a_customer_who_is_not_an_administrator_has_no_people_section(customer):
    customer.is_organization_admin = False
    assert "People" not in labels(customer)
    assert "Webhooks" not in labels(customer)


@pytest.mark.parametrize(
    ("url_name", "section"),
    [
        ("dashboard", "Dashboard"),
        ("equipment-import-job", "Equipment"),
        ("quote-detail", "Requests"),
        ("checklist-edit", "Inspections"),
        ("contract-detail", "Contracts"),
        ("serial-check-bulk", "Serial check"),
        ("staff-disputes", "Holds & disputes"),
        ("organization-detail", "Organisations"),
        ("insights-csv", "Insights"),
        ("operations-notice-resend", "Operations"),
        ("notice-list", "Notices"),
        ("webhook-detail", "Webhooks"),
    ],
)
def test_a_page_marks_the_section_it_belongs_to(staff, customer, url_name, section):
    reader = customer if section == "Serial check" else staff
    current = [link.label for link in main_navigation(reader, url_name) if link.current]
    assert current == [section]


def test_the_api_docs_and_the_admin_are_never_the_current_section(staff):
    assert [link for link in main_navigation(staff, "api-docs") if link.current] == []


def test_the_menu_links_to_each_section_and_marks_the_page(client, customer):
    client.force_login(customer)
    page = client.get("/equipment/").content.decode()
    assert '<a href="/equipment/" aria-current="page">Equipment</a>' in page
    assert '<a href="/requests/">Requests</a>' in page
