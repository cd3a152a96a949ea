"""The portal's main navigation: which sections each person sees, and which one a page belongs to.

Kept as data rather than as conditions in base.html: every page draws it, and a rule such as "the
approval queue is for programme staff" reads, and is tested, in one place."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.urls import get_script_prefix, reverse

from accounts.choices import Role
from accounts.models import User


def _role(*roles: Role, staff: bool = False) -> Callable[[User], bool]:
    return lambda user: user.role in roles or (staff and user.is_programme_staff)


def _staff(user: User) -> bool:
    return user.is_programme_staff


def _everyone(user: User) -> bool:
    return True


def _organization_admin(user: User) -> bool:
    return bool(user.is_organization_admin and user.organization_id and not user.is_programme_staff)


def _webhook_manager(user: User) -> bool:
    return bool(user.is_organization_admin and user.organization_id) or user.is_programme_staff


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str
    shown_to: Callable[[User], bool]
    # The pages that belong to it, by the beginning of their URL names (its own page when None;
    # none for a page outside the portal).
    pages: tuple[str, ...] | None = None

    def holds(self, url_name: str) -> bool:
        return bool(url_name) and url_name.startswith(
            self.pages if self.pages is not None else (self.url_name,)
        )


SECTIONS = (
    Section("Dashboard", "dashboard", _everyone),
    Section("Equipment", "equipment-list", _role(Role.CUSTOMER, Role.PARTNER, staff=True), ("equipment-",)),
    Section(
        "Requests", "request-list", _role(Role.CUSTOMER, Role.PARTNER, staff=True), ("request-", "quote-")
    ),
    Section(
        "Inspections",
        "inspection-list",
        _role(Role.CUSTOMER, Role.PARTNER, Role.INSPECTOR, staff=True),
        ("inspection-", "checklist-"),
    ),
    Section("Contracts", "contract-list", _role(Role.CUSTOMER, Role.PARTNER, staff=True), ("contract-",)),
    Section("Approvals", "approval-queue", _staff, ("approval-",)),
    Section(
        "Serial check",
        "serial-check",
        _role(Role.CUSTOMER, Role.PARTNER),
    ),
    Section("Holds & disputes", "staff-holds", _staff, ("staff-",)),
    Section("People", "organization-people", _organization_admin),
    Section("Webhooks", "webhook-list", _webhook_manager, ("webhook-",)),
    Section("Organisations", "organization-list", _staff, ("organization-list", "organization-detail")),
    Section("Insights", "insights", _role(Role.PARTNER, staff=True)),
    Section("Operations", "operations", _staff),
    Section("Catalog & prices", "catalog", _everyone),
    Section("Notices", "notice-list", _everyone),
    Section("API", "api-docs", _role(Role.PARTNER, staff=True), pages=()),
    Section("Admin", "admin:index", _staff, pages=()),
)


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    current: bool
    notices: bool  # carries the unread count


def main_navigation(user: User, url_name: str) -> list[Link]:
    """The sections `user` sees, with the one `url_name` (the page shown) belongs to marked."""
    return [
        Link(
            label=section.label,
            href=_href(section.url_name, get_script_prefix()),
            current=section.holds(url_name),
            notices=section.url_name == "notice-list",
        )
        for section in SECTIONS
        if section.shown_to(user)
    ]


@lru_cache(maxsize=64)
def _href(url_name: str, script_prefix: str) -> str:
    # The links never change while the process runs (the prefix is part of the key).
    return reverse(url_name)
