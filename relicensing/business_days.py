"""Business-day arithmetic for inspection lead times (Monday to Friday)."""

import datetime as dt


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5


def add_business_days(start: dt.date, days: int) -> dt.date:
    """The date `days` business days after `start` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day):
            remaining -= 1
    return day


def earliest_inspection_date(*, today: dt.date, lead_business_days: int) -> dt.date:
    """The first day an inspection may be booked: the lead time counted in business days,
    landing on a business day even when the lead time is zero."""
    day = add_business_days(today, lead_business_days)
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day
