"""A bad value in an import is repeated by its first 40 characters and "…", never whole: in the
API's answer, on the job page, in the downloadable error report and in the file's refusal."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.services.results import results_parse
from relicensing.models import ImportJob, Registration

pytestmark = pytest.mark.django_db

HEADER = "vendor,serial_number,product,acquisition_channel\n"
GOOD = "juniper,AB12CD34EF56,ACX2200,secondary_market\n"
# A serial as long as a cell may be (1,000 characters): the row is refused, the file is not.
LONG_SERIAL = "Q" * 1_000
SHOWN_SERIAL = "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ…"  # 40 Qs and an ellipsis
REFUSAL = (
    "serial_number: QQQQQQQQQQQQQQQQQQQQQQQQQQQQQ… is not a Juniper Networks serial number: "
    "Juniper Networks serials are 12 letters and digits, like JN11AC220001."
)


def api_upload(client, content: bytes):
    return client.post(
        "/api/v1/equipment/import/", {"file": SimpleUploadedFile("serials.csv", content)}, format="multipart"
    )


def page_upload(client, content: bytes, callbacks):
    with callbacks(execute=True):  # the job runs at commit (eager in tests)
        return client.post("/equipment/import/", {"file": SimpleUploadedFile("serials.csv", content)})


def test_the_api_answer_repeats_the_start_of_a_long_bad_serial(api_as, customer, acx2200):
    response = api_upload(
        api_as(customer), (HEADER + GOOD + f"juniper,{LONG_SERIAL},ACX2200,secondary_market\n").encode()
    )
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 1
    assert body["rejected"] == [{"row": 3, "serial_number": SHOWN_SERIAL, "errors": [REFUSAL]}]
    assert len(response.content) < 1_000


def test_the_api_answer_repeats_the_start_of_an_unknown_vendor(api_as, customer, acx2200):
    vendor = "n" * 1_000
    response = api_upload(
        api_as(customer), (HEADER + f"{vendor},AB12CD34EF56,ACX2200,secondary_market\n").encode()
    )
    assert response.json()["rejected"] == [
        {
            "row": 2,
            "serial_number": "AB12CD34EF56",
            "errors": ["vendor: unknown vendor 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn…' (use juniper)"],
        }
    ]


def test_the_job_page_and_error_report_repeat_the_start_of_a_long_bad_serial(
    client, customer, acx2200, django_capture_on_commit_callbacks
):
    client.force_login(customer)
    content = (HEADER + GOOD + f"juniper,{LONG_SERIAL},ACX2200,secondary_market\n").encode()
    response = page_upload(client, content, django_capture_on_commit_callbacks)
    job = ImportJob.objects.get()
    assert job.rejected == [{"row": 3, "serial_number": SHOWN_SERIAL, "errors": [REFUSAL]}]
    page = client.get(response["Location"]).content.decode()
    assert f"<code>{SHOWN_SERIAL}</code>" in page
    assert "Q" * 41 not in page
    report = client.get(f"/equipment/import/{job.pk}/errors.csv").content.decode()
    assert report.splitlines() == ["row,serial_number,errors", f'3,{SHOWN_SERIAL},"{REFUSAL}"']


def test_a_5000_character_serial_refuses_the_file_repeating_only_its_start(
    api_as, client, customer, acx2200, django_capture_on_commit_callbacks
):
    """Past 1,000 characters a cell refuses the whole file; the refusal repeats 40 characters."""
    content = (HEADER + GOOD + f"juniper,{'Q' * 5_000},ACX2200,secondary_market\n").encode()
    detail = (
        "Row 3, column 'serial_number': a cell is longer than 1,000 characters "
        f"(it starts '{SHOWN_SERIAL}'). Correct it and upload the file again."
    )
    response = api_upload(api_as(customer), content)
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": "cell_too_long", "row": 3}
    client.force_login(customer)
    page = page_upload(client, content, django_capture_on_commit_callbacks).content.decode()
    assert "(it starts &#x27;QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ…&#x27;)" in page
    assert "Q" * 41 not in page
    assert not Registration.objects.exists() and not ImportJob.objects.exists()


def test_an_inspection_result_for_a_long_unknown_serial_repeats_its_start():
    from common.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        results_parse(
            [{"serial_number": "Z" * 3_000}],
            lines={},
            checklist=SimpleNamespace(items=[], version=1),
            every_line=False,
        )
    assert refused.value.fields == {
        "results": ["Result 1: ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ… is not a chassis of this visit."]
    }


def test_the_api_repeats_the_start_of_a_long_value_it_refuses(api_as, customer, acx2200):
    """DRF's own messages quote the value they refuse, whatever its length; the answer caps them."""
    body = {
        "vendor": "v" * 5_000,
        "serial_number": "AB12CD34EF56",
        "product": "ACX2200",
        "acquisition_channel": "c" * 5_000,
    }
    response = api_as(customer).post("/api/v1/equipment/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "vendor": ["Object with slug=vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv… does not exist."],
        "acquisition_channel": ['"cccccccccccccccccccccccccccccccccccccccc…" is not a valid choice.'],
    }
