"""The inbox (the Notices page and the dashboard's latest notices): each subject reads its
recipient's role, and the notices come with their recipient, so the pages cost the same queries
with one notice as with many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notices.events import NoticeEvent
from notices.models import Notice
from notices.selectors import notice_inbox

pytestmark = pytest.mark.django_db


def _quote_expired(recipient, n: int) -> Notice:
    return Notice.objects.create(
        event=NoticeEvent.QUOTE_EXPIRED,
        occurrence=f"test:{n}",
        target_type_id=1,
        target_id=n,
        recipient=recipient,
        context={"number": f"RQ-{n}", "customer": "Acme Networks", "quote_number": f"Q-{n}-1"},
    )


def test_inbox_notices_come_with_their_recipient(customer):
    _quote_expired(customer, 1)
    with CaptureQueriesContext(connection) as queries:
        [notice] = notice_inbox(user=customer)
        # The customer's wording ("Quote … for request …"), not the partner's ("Acme Networks: …").
        assert notice.subject == "Quote Q-1-1 for request RQ-1 expired"
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "accounts_user" not in queries[0]["sql"]


@pytest.mark.parametrize("path", ["/", "/notices/"])
def test_inbox_pages_cost_the_same_queries_at_1_and_6_notices(client, customer, partner, path):
    client.force_login(customer)
    _quote_expired(partner, 100)  # another person's: never shown
    client.get(path)  # first-use caches filled; nothing to show yet
    # Each visit shows new notices (the Notices page marks them read): one, then five more.
    _quote_expired(customer, 1)
    with CaptureQueriesContext(connection) as at_1:
        first = client.get(path)
    for n in range(2, 7):
        _quote_expired(customer, n)
    with CaptureQueriesContext(connection) as at_6:
        second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert len(at_6) == len(at_1), [q["sql"] for q in at_6]
    body = second.content.decode()
    assert "Quote Q-6-1 for request RQ-6 expired" in body
    assert "Q-100-1" not in body
