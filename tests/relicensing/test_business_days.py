"""Business days skip weekends and the site country's public holidays (the `holidays` package);
the dates below were counted by hand on a calendar for December 2026 and January 2027."""

import datetime as dt

import pytest

from common.errors import DomainError
from relicensing.business_days import add_business_days, earliest_inspection_date, is_business_day
from relicensing.services.requests import inspection_date_check

FRIDAY_18_DEC = dt.date(2026, 12, 18)


def test_a_gb_bank_holiday_is_skipped_in_the_lead_time():
    # GB: Christmas (Fri 25), Boxing Day observed (Mon 28), New Year's Day (Fri 1 Jan) are holidays.
    # 21 22 23 24 | 29 30 31 | 4 5 6 Jan: the tenth business day is Wednesday 6 January.
    assert earliest_inspection_date(today=FRIDAY_18_DEC, lead_business_days=10, country="GB") == dt.date(
        2027, 1, 6
    )


def test_each_country_has_its_own_holidays():
    # The US has no Boxing Day: 21 22 23 24 | 28 29 30 31 | 4 5 Jan: Tuesday 5 January.
    assert earliest_inspection_date(today=FRIDAY_18_DEC, lead_business_days=10, country="US") == dt.date(
        2027, 1, 5
    )
    assert not is_business_day(dt.date(2026, 12, 28), "GB")
    assert is_business_day(dt.date(2026, 12, 28), "US")


def test_an_unknown_country_counts_weekends_only():
    # Weekends only: 21 22 23 24 25 | 28 29 30 31 | 1 Jan.
    assert add_business_days(FRIDAY_18_DEC, 10, "ZZ") == dt.date(2027, 1, 1)


def test_a_request_date_on_a_holiday_is_refused_naming_it(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC), tick=False)
    with pytest.raises(DomainError) as refused:
        inspection_date_check(lead_business_days=10, preferred=dt.date(2026, 12, 28), country="GB")
    assert refused.value.code == "not_a_business_day"
    assert "Mon 28 Dec 2026 is a public holiday there (Boxing Day (observed))" in refused.value.detail
    inspection_date_check(
        lead_business_days=10, preferred=dt.date(2026, 12, 28), country="US"
    )  # a US workday
