"""Proof documents: judged by content, size-limited, downloaded only through visibility."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from relicensing.services import requests as request_services
from tests.relicensing.test_requests_api import SITE

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 60


@pytest.fixture
def request_id(api_as, customer, acx2200, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False)
    client = api_as(customer)
    body = {
        "vendor": "juniper",
        "serial_number": "AB12CD34EF56",
        "product": "ACX2200",
        "acquisition_channel": "secondary_market",
    }
    chassis = client.post("/api/v1/equipment/", body, format="json").json()["id"]
    created = client.post(
        "/api/v1/requests/",
        {"site": SITE, "equipment": [chassis], "preferred_inspection_date": "2026-12-07"},
        format="json",
    )
    return created.json()["id"]


def upload(client, request_id, content, name, kind="proof_of_purchase"):
    return client.post(
        f"/api/v1/requests/{request_id}/documents/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        format="multipart",
    )


@pytest.mark.parametrize(
    ("content", "name", "mime"),
    [
        (PDF, "invoice.pdf", "application/pdf"),
        (PNG, "scan.png", "image/png"),
        (JPEG, "photo.jpg", "image/jpeg"),
    ],
)
def test_pdf_png_and_jpeg_are_accepted_by_content(api_as, customer, request_id, content, name, mime):
    response = upload(api_as(customer), request_id, content, name)
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == mime


def test_a_renamed_executable_is_refused(api_as, customer, request_id):
    response = upload(api_as(customer), request_id, ELF, "invoice.pdf")
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_file_type"


def test_a_file_over_10_mb_is_refused(api_as, customer, request_id, monkeypatch):
    monkeypatch.setattr(request_services, "MAX_DOCUMENT_BYTES", len(PDF) - 1)
    response = upload(api_as(customer), request_id, PDF, "invoice.pdf")
    assert response.status_code == 400
    assert response.json()["code"] == "file_too_large"


def test_stored_under_a_generated_name_and_downloaded_safely(api_as, customer, partner, request_id):
    from relicensing.models import RequestDocument

    created = upload(api_as(customer), request_id, PDF, 'in"voice ../../etc.pdf').json()
    stored = RequestDocument.objects.get(pk=created["id"]).file.name
    assert stored.startswith(f"documents/{request_id}/") and "invoice" not in stored and ".." not in stored
    response = api_as(partner).get(f"/api/v1/requests/{request_id}/documents/{created['id']}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="etc.pdf"'  # no path, no stray quote


def test_outsiders_cannot_download(api_as, customer, other_customer, other_partner, request_id):
    created = upload(api_as(customer), request_id, PDF, "invoice.pdf").json()
    url = f"/api/v1/requests/{request_id}/documents/{created['id']}/"
    for outsider in (other_customer, other_partner):
        assert api_as(outsider).get(url).status_code == 404


def test_staff_verify_a_proof_of_licence(api_as, customer, staff, request_id):
    proof = upload(api_as(customer), request_id, PDF, "licence.pdf", kind="proof_of_license").json()
    url = f"/api/v1/requests/{request_id}/documents/{proof['id']}/verify/"
    assert api_as(customer).post(url, {"verified": True}, format="json").status_code == 403
    response = api_as(staff).post(url, {"verified": True}, format="json")
    assert response.status_code == 200
    assert response.json()["verified"] is True
    detail = api_as(customer).get(f"/api/v1/requests/{request_id}/").json()
    assert detail["documents"][0]["verified"] is True


def test_bad_kind_is_a_400(api_as, customer, request_id):
    response = upload(api_as(customer), request_id, PDF, "x.pdf", kind="selfie")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_proofs_staged_by_abandoned_drafts_are_swept(settings, tmp_path):
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = str(tmp_path)
    old = default_storage.save("drafts/7/old.pdf", ContentFile(PDF))
    fresh = default_storage.save("drafts/7/fresh.pdf", ContentFile(PDF))
    two_weeks_ago = (dt.datetime.now() - dt.timedelta(days=15)).timestamp()
    os.utime(default_storage.path(old), (two_weeks_ago, two_weeks_ago))
    assert request_services.staged_documents_sweep() == 1
    assert not default_storage.exists(old) and default_storage.exists(fresh)
