"""Business days at a site: Monday to Friday, less the public holidays of the site's country.

The holidays come from the maintained `holidays` package (national holidays of the country, as
its government publishes them). Every lead time, cut-off and reminder in the programme counts
days with these functions, so a request's earliest date and an inspection's booking agree.
"""

import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=512)
def _holidays(country: str, year: int) -> dict[dt.date, str]:
    """The public holidays of a country in a year, by date, with their names. The package raises
    NotImplementedError for a country it has no calendar for: such a site counts weekends only."""
    try:
        calendar = holidays.country_holidays(country.upper(), years=year)
    except NotImplementedError:
        return {}
    return {day: str(name) for day, name in calendar.items()}


def holiday_name(day: dt.date, country: str) -> str:
    """The public holiday on `day` in `country`, or ""."""
    return _holidays(country, day.year).get(day, "") if country else ""


def holidays_between(start: dt.date, end: dt.date, country: str) -> list[dt.date]:
    """The public holidays in `country` from `start` to `end` inclusive, on weekdays (for a
    calendar that must not offer them)."""
    if not country:
        return []
    found = {day for year in range(start.year, end.year + 1) for day in _holidays(country, year)}
    return sorted(d for d in found if start <= d <= end and d.weekday() < 5)


def is_business_day(day: dt.date, country: str) -> bool:
    return day.weekday() < 5 and (not country or day not in _holidays(country, day.year))


def add_business_days(start: dt.date, days: int, country: str) -> dt.date:
    """The date `days` business days after `start` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day, country):
            remaining -= 1
    return day


def previous_business_day(day: dt.date, country: str) -> dt.date:
    """The last business day before `day` (over a long holiday run, more than a week before)."""
    day -= dt.timedelta(days=1)
    while not is_business_day(day, country):
        day -= dt.timedelta(days=1)
    return day


def earliest_inspection_date(*, today: dt.date, lead_business_days: int, country: str) -> dt.date:
    """The first day an inspection may be booked: the lead time counted in business days,
    landing on a business day even when the lead time is zero."""
    day = add_business_days(today, lead_business_days, country)
    while not is_business_day(day, country):
        day += dt.timedelta(days=1)
    return day


def business_days_from(start: dt.date, country: str, *, count: int) -> list[dt.date]:
    """`count` business days from `start` onwards (start included when it is one)."""
    found: list[dt.date] = []
    day = start
    while len(found) < count:
        if is_business_day(day, country):
            found.append(day)
        day += dt.timedelta(days=1)
    return found
