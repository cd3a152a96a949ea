"""The query plans that keep lists and checks the same cost at any size (issue 13), pinned: on a
seeded, analysed table, none of them reads the registration or equipment table end to end.

30,000 registrations: Acme owns 27,000 (the large customer), Borealis 3,000 and is served by a
partner. A plan that scans every row here would scan every row at a million too."""

import datetime as dt

import pytest
from django.db import connection

from accounts.models import Partnership
from accounts.visibility import reach_partition
from common.paging import Cursor, keyset_page
from relicensing import selectors
from relicensing.filters import RegistrationFilter
from relicensing.models import Equipment, Registration

pytestmark = pytest.mark.django_db

BIG_TABLES = ("relicensing_registration", "relicensing_equipment")
AT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


@pytest.fixture
def seeded(customer, other_customer, partner, acx2200):
    Partnership.objects.get_or_create(partner=partner.organization, customer=other_customer.organization)
    for start, count, organization in (
        (0, 27_000, customer.organization),
        (27_000, 3_000, other_customer.organization),
    ):
        units = Equipment.objects.bulk_create(
            (
                Equipment(
                    vendor=acx2200.vendor,
                    serial_number=f"QP{n:010d}",
                    product=acx2200,
                    current_owner=organization,
                )
                for n in range(start, start + count)
            ),
            batch_size=5_000,
        )
        Registration.objects.bulk_create(
            (
                Registration(
                    equipment=unit,
                    organization=organization,
                    acquisition_channel="secondary_market",
                    eligible=n % 10 != 0,
                    created_at=AT + dt.timedelta(seconds=n),
                )
                for n, unit in enumerate(units, start=start)
            ),
            batch_size=5_000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE relicensing_registration; ANALYZE relicensing_equipment")


def scans_a_big_table_whole(plan: str) -> list[str]:
    return [line.strip() for line in plan.splitlines() if any(f"Seq Scan on {t}" in line for t in BIG_TABLES)]


def page_sql(queryset, cursor: Cursor | None = None, partition=None) -> str:
    """The plan of the rows a keyset page reads (as keyset_page builds them; with a partition, the
    merge of each organisation's newest rows)."""
    captured = []

    class Recorder:
        def __call__(self, execute, sql, params, many, context):
            captured.append((sql, params))
            return execute(sql, params, many, context)

    with connection.execute_wrapper(Recorder()):
        keyset_page(queryset, cursor=cursor, size=50, partition=partition)
    rows_sql, params = captured[0]  # the page's rows; [1] is the count
    with connection.cursor() as cursor_:
        cursor_.execute("EXPLAIN " + rows_sql, params)
        return "\n".join(row[0] for row in cursor_.fetchall())


def test_lists_and_searches_never_scan_the_big_tables_whole(seeded, customer, partner, staff, acx2200):
    deep = Cursor(
        created_at=AT + dt.timedelta(seconds=2_000),
        pk=Registration.objects.order_by("pk")[2_000].pk,
        older=True,
    )
    by_serial = RegistrationFilter(
        {"serial_number": "QP00000123"}, queryset=selectors.registration_list(user=customer)
    ).qs
    prefix = RegistrationFilter(
        {"serial_number": "qp0000271"}, queryset=selectors.registration_list(user=partner)
    ).qs
    plans = {
        "customer's equipment, first page": page_sql(selectors.registration_list(user=customer)),
        "customer's equipment, a deep page": page_sql(selectors.registration_list(user=customer), deep),
        "customer's eligible equipment": page_sql(
            selectors.registration_list(user=customer).filter(eligible=True)
        ),
        "partner's equipment, first page": page_sql(
            selectors.registration_list(user=partner), partition=reach_partition(partner, "organization_id")
        ),
        "staff's equipment, first page": page_sql(selectors.registration_list(user=staff)),
        "equipment by whole serial": page_sql(by_serial),
        "equipment by serial prefix (partner)": page_sql(prefix),
        "serial check": Equipment.objects.filter(vendor=acx2200.vendor, serial_number="QP00000123").explain(),
    }
    scanned = {name: lines for name, plan in plans.items() if (lines := scans_a_big_table_whole(plan))}
    assert scanned == {}, "\n\n".join(f"{name}:\n{plans[name]}" for name in scanned)


def test_the_menus_unread_count_reads_its_own_index_however_much_was_read_before(customer, other_customer):
    # 20,000 read notices and 5 unread for the reader, 5,000 unread for someone else: counting the
    # reader's unread notices (every page's menu, loaded with the user) reads the `notice_unread`
    # index (alone, once the table is vacuumed). The inbox's index, or the table, would read through
    # everything read before.
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import User
    from notices.models import Notice
    from notices.selectors import unread_count_column

    target = ContentType.objects.get_for_model(User)
    read_at = AT
    Notice.objects.bulk_create(
        (
            Notice(
                event="api_token_issued",
                occurrence=f"plan:{n}",
                target_type=target,
                target_id=customer.pk,
                recipient=customer if n < 20_005 else other_customer,
                read_at=read_at if n < 20_000 else None,
            )
            for n in range(25_005)
        ),
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notices_notice")
    loaded = User.objects.filter(pk=customer.pk).annotate(unread=unread_count_column())
    assert loaded.get().unread == 5
    plan = loaded.explain()
    assert "using notice_unread on notices_notice" in plan, plan
    assert "notice_inbox" not in plan and "Seq Scan on notices_notice" not in plan, plan
