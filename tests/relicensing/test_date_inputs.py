"""Date fields read YYYY-MM-DD whatever the browser's locale: a text field with the calendar's
hooks (common.widgets.IsoDateInput) that works without the script and is checked on the server."""

import datetime as dt
import re

import pytest

from relicensing.models import Registration
from tests.relicensing.registering import text

pytestmark = pytest.mark.django_db

FORM = {
    "vendor": "juniper",
    "serial_number": "AB12CD34EF56",
    "product": "ACX2200",
    "acquisition_channel": "secondary_market",
    "condition": "working",
}


def test_date_acquired_is_a_yyyy_mm_dd_field_with_a_calendar(client, customer, acx2200):
    client.force_login(customer)
    page = text(client.get("/equipment/register/"))
    field = re.search(r'<input[^>]*name="acquired_on"[^>]*>', page).group(0)
    assert 'type="text"' in field and 'placeholder="YYYY-MM-DD"' in field and "data-date-picker" in field
    assert "data-earliest" not in field  # any past day may be the day it was bought
    assert "As YYYY-MM-DD." in page
    assert "vendor/cally/cally.js" in page and "js/date_picker.js" in page


def test_date_acquired_typed_as_yyyy_mm_dd_is_kept(client, customer, acx2200):
    client.force_login(customer)
    client.post("/equipment/register/", {**FORM, "acquired_on": "2026-10-01"})
    assert Registration.objects.get().acquired_on == dt.date(2026, 10, 1)


@pytest.mark.parametrize("typed", ["10/01/2026", "2026-02-30", "1 Oct 2026"])
def test_date_acquired_in_another_form_is_refused_with_the_format(client, customer, acx2200, typed):
    client.force_login(customer)
    page = text(client.post("/equipment/register/", {**FORM, "acquired_on": typed}))
    assert "Enter a date as YYYY-MM-DD." in page
    assert not Registration.objects.exists()
