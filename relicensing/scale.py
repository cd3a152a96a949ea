"""The scale dataset of issue 13 (`manage.py loadscale`): serials spread over customers and both
demo vendors, registered through the import code path, with holds, flags, disputes and requests.

Every serial is a pure function of its index, so a larger run is a superset of a smaller one and
a second run with the same size finds everything in place. Runs on top of `loaddemo`'s data.
"""

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.choices import OrganizationKind, Role
from accounts.demo import DEMO_PASSWORD
from accounts.models import Organization, User
from accounts.services import organization_create, partnership_create, user_create
from relicensing.choices import Flag, RequestStatus
from relicensing.models import ComplianceHold, Equipment, Registration, Request, RequestItem, Vendor
from relicensing.services import imports
from relicensing.services.equipment import equipment_flag_set, hold_place, hold_release
from relicensing.services.requests import request_cancel, request_create, request_reject
from relicensing.services.tallies import registration_tallies_fold

# Quotes live in contracts, a layer above this app: loaded by name, as the workflow's openers are.
QUOTE_ISSUE = "contracts.services.quotes.quote_issue"
QUOTE_ACCEPT = "contracts.services.quotes.quote_accept"

SLOTS = 20  # serial i belongs to the customer of slot i % 20: shares in twentieths
# (customer, slots, its user, its partner): Acme holds half the programme's serials.
CUSTOMERS = [
    ("Acme Networks", 10, "customer", "NetReseller"),
    ("Borealis Data", 4, "customer2", "Polar Partners"),
    *[(f"Scale Customer {n}", 1, f"scale-customer-{n}", "Scale Partner North") for n in (1, 2, 3)],
    *[(f"Scale Customer {n}", 1, f"scale-customer-{n}", "Scale Partner South") for n in (4, 5, 6)],
]
PARTNER_USERS = {
    "NetReseller": "partner",
    "Polar Partners": "partner2",
    "Scale Partner North": "scale-partner-north",
    "Scale Partner South": "scale-partner-south",
}
SLOT_CUSTOMER = [position for position, (_, slots, _, _) in enumerate(CUSTOMERS) for _ in range(slots)]
# Of every 1,000 serials: a hold on one (half of those released again), four flagged, and the
# first of every 500 (always Acme's) also claimed by another customer: an ownership dispute.
HOLD_AT, RELEASED_EVERY = 7, 2_000
FLAGS_AT = {13: Flag.LOST_OR_STOLEN, 29: Flag.COUNTERFEIT, 41: Flag.DAMAGED, 53: Flag.PERMANENTLY_DAMAGED}
DISPUTE_EVERY = 500
SERIALS_PER_REQUEST = 400  # 2,500 requests at a million serials
SELLERS = ["Reliable Surplus Ltd", "DataCentre Liquidators", "Online auction", "Lease return", "Broker X"]


@dataclass(frozen=True)
class Unit:
    vendor: str
    serial: str
    model: str
    channel: str
    condition: str
    seller: str
    acquired_on: dt.date


def _mix(i: int) -> int:
    """A fixed scramble of the index (Knuth's multiplicative hash): spreads the mixes evenly."""
    return (i * 2654435761) & 0xFFFFFFFF


def unit(i: int) -> Unit:
    """Serial i: 40% Juniper, 60% Cisco; mostly working gray-market chassis, some past support."""
    h = _mix(i)
    juniper = (i // SLOTS) % 5 < 2
    pick = h % 100
    if juniper:
        serial, model = f"SJ{i:010d}", "ACX2200" if pick < 70 else "QFX5100"
    else:
        serial = f"SCL{i:08d}"
        model = "C9300-48P" if pick < 50 else "ISR4331" if pick < 85 else "WS-C3750X-48P"
    channels = (h >> 8) % 100
    channel = (
        "secondary_market" if channels < 85 else "authorized" if channels < 92
        else "certified_refurbished" if channels < 97 else "donated"
    )  # fmt: skip
    conditions = (h >> 16) % 100
    condition = "working" if conditions < 96 else "damaged" if conditions < 99 else "environmental_damage"
    return Unit(
        vendor="juniper" if juniper else "cisco",
        serial=serial,
        model=model,
        channel=channel,
        condition=condition,
        seller=SELLERS[(h >> 4) % len(SELLERS)],
        acquired_on=dt.date(2024, 1, 1) + dt.timedelta(days=(h >> 20) % 900),
    )


def rival(i: int) -> int | None:
    """The other customer (a position in CUSTOMERS) that also claims serial i, if any."""
    if i % DISPUTE_EVERY:
        return None
    return 1 + (i // DISPUTE_EVERY) % (len(CUSTOMERS) - 1)


# --- people ---------------------------------------------------------------------
def people_ensure() -> dict[str, User]:
    """The demo's people plus the scale customers and partners (each with one user); by username."""
    if not User.objects.filter(username="staff").exists():
        raise LookupError("The demo data is missing: run `manage.py loaddemo` first.")
    for name, _, username, partner in CUSTOMERS:
        customer = _organization(name, OrganizationKind.CUSTOMER, username, Role.CUSTOMER)
        partner_org = _organization(partner, OrganizationKind.PARTNER, PARTNER_USERS[partner], Role.PARTNER)
        partnership_create(partner=partner_org, customer=customer)
    usernames = [u for _, _, u, _ in CUSTOMERS] + list(PARTNER_USERS.values()) + ["staff"]
    return {u.username: u for u in User.objects.filter(username__in=usernames).select_related("organization")}


def organization_of(user: User) -> Organization:
    if user.organization is None:
        raise LookupError(f"{user.username} belongs to no organisation.")
    return user.organization


def _organization(name: str, kind: OrganizationKind, username: str, role: Role) -> Organization:
    organization = Organization.objects.filter(name=name).first() or organization_create(name=name, kind=kind)
    if not User.objects.filter(username=username).exists():
        user_create(
            username=username,
            password=DEMO_PASSWORD,
            organization=organization,
            role=role,
            email=f"{username}@scale.example",
        )
    return organization


# --- registrations through the import path --------------------------------------
def _csv(indices: list[int]) -> bytes:
    lines = [",".join(imports.COLUMNS)]
    for i in indices:
        u = unit(i)
        lines.append(f"{u.vendor},{u.serial},{u.model},{u.channel},{u.seller},{u.acquired_on},{u.condition}")
    return ("\n".join(lines) + "\n").encode()


def _chunks(indices: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(indices), size):
        yield indices[start : start + size]


def registrations_load(
    *, serials: int, users: dict[str, User], progress: Callable[[str], None], chunk: int = imports.MAX_ROWS
) -> int:
    """Each customer's serials, then the rival claims, as files of at most MAX_ROWS rows through
    `rows_read` + `registrations_import` (what the import page and API call). A file whose last
    serial this customer already holds committed whole before, and is skipped."""
    created = 0
    for position, (name, _, username, _) in enumerate(CUSTOMERS):
        user = users[username]
        own = serials_of(position, serials)
        claims = [i for i in range(0, serials, DISPUTE_EVERY) if rival(i) == position]
        for part, indices in enumerate([*_chunks(own, chunk), *_chunks(claims, chunk)]):
            if _holds_last(organization_of(user), indices[-1]):
                continue
            rows = imports.rows_read(content=_csv(indices), filename=f"scale-{position}-{part}.csv")
            result = imports.registrations_import(organization=organization_of(user), user=user, rows=rows)
            if result.rejected:
                raise ValueError(f"{name}: rows refused: {result.rejected[:3]}")
            created += result.created
            progress(f"{name}: file {part + 1}, {len(indices):,} rows, {result.created:,} registered")
    return created


def serials_of(position: int, serials: int) -> list[int]:
    """The indices of the serials the customer at this position owns, in order."""
    slots = [slot for slot, owner in enumerate(SLOT_CUSTOMER) if owner == position]
    return [base + slot for base in range(0, serials, SLOTS) for slot in slots if base + slot < serials]


def _holds_last(organization: Organization, i: int) -> bool:
    u = unit(i)
    return Registration.objects.filter(
        organization=organization, equipment__vendor__slug=u.vendor, equipment__serial_number=u.serial
    ).exists()


# --- holds and flags, through the staff services ----------------------------------
def holds_and_flags_load(*, serials: int, staff: User, progress: Callable[[str], None]) -> tuple[int, int]:
    vendors = {v.slug: v for v in Vendor.objects.all()}
    holds = flags = 0
    for i in range(HOLD_AT, serials, 1_000):
        u = unit(i)
        if ComplianceHold.objects.filter(vendor=vendors[u.vendor], serial_number=u.serial).exists():
            continue
        hold = hold_place(
            vendor=vendors[u.vendor], serial_number=u.serial, reason="Export control review", user=staff
        )
        if i % RELEASED_EVERY == HOLD_AT:
            hold_release(hold=hold, note="Cleared by the export control review.", user=staff)
        holds += 1
    for at, flag in FLAGS_AT.items():
        for i in range(at, serials, 1_000):
            u = unit(i)
            equipment = Equipment.objects.get(vendor=vendors[u.vendor], serial_number=u.serial)
            if not getattr(equipment, flag):
                equipment_flag_set(
                    equipment=equipment, flag=flag, note="Reported to the programme.", user=staff
                )
                flags += 1
    progress(f"holds placed: {holds:,}; flags set: {flags:,}")
    return holds, flags


# --- requests, through the request and quote services ----------------------------
def requests_load(*, serials: int, users: dict[str, User], progress: Callable[[str], None]) -> int:
    """SERIALS_PER_REQUEST serials to a request, 1 to 4 chassis each, in the mix of statuses
    `request_status` gives; a request is known again by its customer and site name."""
    count = max(SLOTS, serials // SERIALS_PER_REQUEST)
    pools: dict[tuple[int, str], Iterator[int]] = {}
    opened = 0
    for k in range(count):
        position = SLOT_CUSTOMER[k % SLOTS]
        _, _, username, partner = CUSTOMERS[position]
        customer = users[username]
        site_name = f"Scale site {k:05d}"
        if Request.objects.filter(customer=organization_of(customer), site_name=site_name).exists():
            continue
        vendor = "juniper" if k % 5 < 2 else "cisco"
        key = (position, vendor)
        if key not in pools:
            pools[key] = _pool(organization_of(customer), vendor, need=count * 3)
        chassis = list(itertools.islice(pools[key], 1 + k % 4))
        if not chassis:  # a small run: this customer has no more chassis of this vendor to request
            continue
        with transaction.atomic():
            _request_open(k, site_name, chassis, customer=customer, partner=users[PARTNER_USERS[partner]],
                          staff=users["staff"])  # fmt: skip
        opened += 1
        if opened % 250 == 0:
            progress(f"requests opened: {opened:,} of {count:,}")
    progress(f"requests opened: {opened:,}")
    return opened


def _pool(organization: Organization, vendor: str, *, need: int) -> Iterator[int]:
    """Registrations that may enter a request and are in none yet, oldest first."""
    taken = RequestItem.objects.values("registration_id")
    ids = (
        Registration.objects.filter(
            organization=organization, equipment__vendor__slug=vendor, eligible=True, path="inspection",
            status="active", equipment__product__is_chassis=True,
        )
        .exclude(pk__in=taken)
        .order_by("pk")
        .values_list("pk", flat=True)[:need]
    )  # fmt: skip
    return iter(list(ids))


SITES = [
    ("GB", "+44 20 7946 0000"),
    ("DE", "+49 30 901820"),
    ("NL", "+31 20 555 0100"),
    ("US", "+1 212 555 0100"),
]


def request_status(k: int) -> RequestStatus:
    """Of every 20 requests: 8 submitted, 5 quoted, 2 with the quote accepted, 3 cancelled, 2 rejected."""
    step = k % 20
    if step < 8:
        return RequestStatus.SUBMITTED
    if step < 13:
        return RequestStatus.QUOTED
    if step < 15:
        return RequestStatus.QUOTE_ACCEPTED
    return RequestStatus.CANCELLED if step < 18 else RequestStatus.REJECTED


def _request_open(
    k: int, site_name: str, chassis: list[int], *, customer: User, partner: User, staff: User
) -> None:
    country, phone = SITES[k % len(SITES)]
    request = request_create(
        customer=organization_of(customer),
        user=partner
        if k % 3 == 0
        else customer,  # a third are opened by the partner on the customer's behalf
        site={
            "name": site_name,
            "address": f"{k} Scale Street",
            "country": country,
            "contact_name": "Site Contact",
            "contact_email": f"site{k}@scale.example",
            "contact_phone": phone,
        },
        equipment=chassis,
        preferred_inspection_date=timezone.localdate() + dt.timedelta(days=35),
    )
    status = request_status(k)
    if status == RequestStatus.REJECTED:
        request_reject(request=request, user=staff, reason="The proof of purchase does not name the seller.")
        return
    if status == RequestStatus.SUBMITTED or (status == RequestStatus.CANCELLED and k % 20 == 17):
        if status == RequestStatus.CANCELLED:
            request_cancel(request=request, user=partner, reason="The customer sold the site.")
        return
    quote = import_string(QUOTE_ISSUE)(request=request, user=partner)
    if status == RequestStatus.QUOTE_ACCEPTED:
        import_string(QUOTE_ACCEPT)(quote=quote, user=customer)
    elif status == RequestStatus.CANCELLED:
        request_cancel(request=request, user=customer, reason="The fees are over budget.")


# --- the whole dataset ------------------------------------------------------------
def scale_load(*, serials: int, progress: Callable[[str], None] = print) -> dict[str, int]:
    """Load (or complete) the dataset for this many serials; returns what this run added."""
    users = people_ensure()
    created = registrations_load(serials=serials, users=users, progress=progress)
    holds, flags = holds_and_flags_load(serials=serials, staff=users["staff"], progress=progress)
    opened = requests_load(serials=serials, users=users, progress=progress)
    # What beat does every ten minutes in a running programme: the dashboards sum a few rows.
    folded = registration_tallies_fold()
    progress(f"registration tallies folded: {folded:,} rows left")
    if created:
        tables_analyze(progress)
    return {"registered": created, "holds": holds, "flags": flags, "requests": opened}


def tables_analyze(progress: Callable[[str], None]) -> None:
    """Fresh planner statistics and no dead rows after the bulk load, as autovacuum would leave it
    given time; outside a transaction (VACUUM cannot run inside one), so skipped inside a test's."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for table in LOADED_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    progress(f"vacuumed and analysed the tables it filled: {', '.join(LOADED_TABLES)}")


# Every table the load fills: with statistics from before it (a few rows), the planner would
# take a 1,250-request list for 3 rows.
LOADED_TABLES = (
    "relicensing_equipment",
    "relicensing_registration",
    "relicensing_equipmentevent",
    "relicensing_compliancehold",
    "relicensing_request",
    "relicensing_requestitem",
    "contracts_quote",
    "contracts_quoteline",
    "common_transition",
    "notices_notice",
)
