"""The price book under concurrency: two staff creating one SKU code at once."""

from decimal import Decimal

import pytest

from common.errors import Conflict
from contracts.models import Sku
from contracts.services import price_book
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_creates_of_one_code_give_one_sku_and_a_409(staff, acx2200):
    # Guard: the unique index on the code, turned into a 409 when the insert meets it. Both
    # pause after the "does it exist yet" check; without the catch the loser answers 500.
    def create():
        return price_book.sku_create(
            user=staff,
            code="SVC-X",
            kind="addon_license",
            description="X",
            vendor=acx2200.vendor,
            price=Decimal("10.00"),
            products=[acx2200],
        )

    first, second = race(create, create, pause_at=[(price_book, "model_validate")], before=False)
    errors = [o.error for o in (first, second) if not o.ok]
    assert len(errors) == 1 and isinstance(errors[0], Conflict) and errors[0].code == "already_exists"
    assert Sku.objects.filter(code="SVC-X").count() == 1
