"""Money that must fit its column: every amount a quote, order or renewal stores is a
DECIMAL(14, 2), so a figure past it is refused with a 400 before the database overflows."""

from collections.abc import Iterable
from decimal import Decimal

from common.errors import DomainError

MONEY_MAX = Decimal("999999999999.99")  # DECIMAL(14, 2): twelve digits before the point


def money_in_range(amounts: Iterable[Decimal], *, what: str) -> None:
    """400 `amount_out_of_range` when any amount (a line or the total) is past what is stored."""
    largest = max((abs(amount) for amount in amounts), default=Decimal("0"))
    if largest > MONEY_MAX:
        raise DomainError(
            f"The {what} comes to more than {MONEY_MAX:,}, the largest amount the programme records; "
            "ask for fewer units or split the order.",
            code="amount_out_of_range",
        )
