"""One way to show a date, a moment and an amount, in pages, emails, PDFs and error messages
alike, so the same date reads the same wherever a person meets it. (The API keeps ISO 8601.)"""

import datetime as dt
from decimal import Decimal

from django.utils import dateformat, timezone

DAY = "j M Y"  # 4 Dec 2026
VISIT_DAY = "D j M Y"  # Fri 4 Dec 2026: a day on which someone must be somewhere
MOMENT = "j M Y, H:i T"  # 4 Dec 2026, 14:05 UTC


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, str):  # notices carry dates as ISO text
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def day(value: dt.date | dt.datetime | str | None) -> str:
    return dateformat.format(_as_date(value), DAY) if value else ""


def visit_day(value: dt.date | dt.datetime | str | None) -> str:
    return dateformat.format(_as_date(value), VISIT_DAY) if value else ""


def moment(value: dt.datetime | str | None) -> str:
    if not value:
        return ""
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return dateformat.format(timezone.localtime(when) if timezone.is_aware(when) else when, MOMENT)


def money(amount: Decimal | str | int | None, currency: str = "USD") -> str:
    """USD 3,437.00: the currency code, thousands separated, always two places."""
    if amount is None or amount == "":
        return ""
    return f"{currency} {Decimal(str(amount).replace(',', '')):,.2f}"
