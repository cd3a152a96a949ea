"""The request wizard through the Django test client: every step, its errors, drafts that
survive leaving the page, a partner on behalf of a customer, the fee estimate on the review step,
and the submit's refusals. (Drafts kept across sign-outs and their sweep: test_request_drafts.py.)"""

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from relicensing.models import Request, RequestDocument, RequestDraft
from tests.relicensing.registering import register, text
from tests.relicensing.requesting import EARLIEST, PREFERRED, SITE, open_request, pdf, renamed_exe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)  # staged proofs stay out of other test runs' way


@pytest.fixture
def chassis(customer, acx2200, frozen_friday):
    return register(customer)


def draft_of(user) -> dict:
    """The user's draft as stored on the server ({} when there is none)."""
    return RequestDraft.objects.filter(user=user).values_list("data", flat=True).first() or {}


def step(client, name, data=None, **extra):
    url = f"/requests/new/{name}/"
    return client.post(url, data, **extra) if data is not None else client.get(url)


def walk_to_review(client, *registrations, date=PREFERRED):
    """Answer every step for a customer; returns the review page."""
    assert step(client, "equipment", {"equipment": [r.pk for r in registrations]}).url.endswith("/site/")
    assert step(client, "site", SITE).url.endswith("/date/")
    assert step(client, "date", {"preferred_inspection_date": date.isoformat()}).url.endswith("/documents/")
    assert step(client, "documents", {}).url.endswith("/review/")
    return step(client, "review")


def test_customer_walks_the_wizard_and_submits(client, customer, chassis):
    client.force_login(customer)
    assert client.get("/requests/new/").url == "/requests/new/equipment/"
    assert "AB12CD34EF56" in text(step(client, "equipment"))
    step(client, "equipment", {"equipment": [chassis.pk]})
    step(client, "site", SITE)
    date_page = text(step(client, "date"))
    assert f'data-earliest="{EARLIEST.isoformat()}"' in date_page and "data-weekdays-only" in date_page
    assert 'type="text"' in date_page and 'placeholder="YYYY-MM-DD"' in date_page
    assert "10 business days' notice" in date_page and "Fri 4 Dec 2026" in date_page
    step(client, "date", {"preferred_inspection_date": "2026-12-07"})
    assert step(client, "documents", {"proof_of_purchase": pdf()}).url.endswith("/review/")

    review = text(step(client, "review"))
    for shown in ("AB12CD34EF56", "Acme HQ", "United Kingdom (GB)", "Casey Morgan", "Mon 7 Dec 2026"):
        assert shown in review
    assert "invoice.pdf" in review
    staged = draft_of(customer)["documents"][0]["path"]

    response = step(client, "review", {})
    created = Request.objects.get()
    assert response.url == f"/requests/{created.pk}/"
    assert (created.customer, created.created_by, created.status) == (
        customer.organization,
        customer,
        "submitted",
    )
    assert (created.site_country, created.preferred_inspection_date) == ("GB", dt.date(2026, 12, 7))
    assert [item.registration_id for item in created.items.all()] == [chassis.pk]
    document = RequestDocument.objects.get()
    assert (document.kind, document.original_name, document.content_type) == (
        "proof_of_purchase",
        "invoice.pdf",
        "application/pdf",
    )
    assert draft_of(customer) == {} and not default_storage.exists(staged)
    page = text(client.get(response.url))
    assert f"Request {created.number} is submitted" in page


def test_a_draft_survives_leaving_the_page(client, customer, chassis):
    client.force_login(customer)
    step(client, "equipment", {"equipment": [chassis.pk]})
    step(client, "site", SITE)
    client.get("/equipment/")  # wander off
    assert client.get("/requests/new/").url == "/requests/new/date/"  # back where they were
    assert 'value="Acme HQ"' in text(step(client, "site"))
    assert "checked" in text(step(client, "equipment"))


def test_steps_ahead_of_the_answers_go_back_to_the_first_missing_one(client, customer, chassis):
    client.force_login(customer)
    assert step(client, "review").url == "/requests/new/equipment/"
    step(client, "equipment", {"equipment": [chassis.pk]})
    assert step(client, "date").url == "/requests/new/site/"
    assert client.get("/requests/new/nowhere/").status_code == 404


def test_equipment_step_errors(client, customer, chassis, cisco):
    from tests.factories import priced_product

    priced_product(vendor=cisco, model="ISR4331")
    other = register(customer, "FDO2201A0BC", vendor="cisco", product="ISR4331")
    client.force_login(customer)
    assert "Choose at least one chassis." in text(step(client, "equipment", {}))
    page = text(step(client, "equipment", {"equipment": [chassis.pk, other.pk]}))
    assert "You picked Cisco Systems and Juniper Networks equipment" in page
    assert "open another request for the others" in page
    assert 'class="pick"' in page and "<legend>Cisco Systems</legend>" in page  # grouped by vendor


def test_chassis_that_cannot_be_chosen_are_disabled_with_the_reason(client, customer, chassis):
    damaged = register(customer, "DD12CD34EF56", condition="damaged")
    bought_new = register(customer, "NN12CD34EF56", acquisition_channel="authorized")
    taken = register(customer, "TT12CD34EF56")
    existing = open_request(customer, taken)
    client.force_login(customer)
    page = text(step(client, "equipment"))
    for registration in (damaged, bought_new, taken):
        assert f'value="{registration.pk}" id="pick-{registration.pk}" disabled' in page
    assert f'value="{chassis.pk}" id="pick-{chassis.pk}">' in page
    assert "Damaged or not working" in page
    assert "No relicensing needed" in page
    assert f'In request <a href="/requests/{existing.pk}/">{existing.number}</a>' in page
    refused = text(step(client, "equipment", {"equipment": [damaged.pk]}))
    assert "That chassis cannot be chosen: see the reason beside it." in refused


def test_site_and_date_steps_refuse_bad_input(client, customer, chassis):
    client.force_login(customer)
    step(client, "equipment", {"equipment": [chassis.pk]})
    page = text(step(client, "site", {**SITE, "contact_email": "not-an-email", "country": "XX"}))
    assert "Enter a valid email address." in page and "Select a valid choice." in page
    step(client, "site", SITE)
    too_soon = text(step(client, "date", {"preferred_inspection_date": "2026-12-03"}))
    assert "Inspections need 10 business days' notice: the earliest date is Fri 4 Dec 2026." in too_soon
    weekend = text(step(client, "date", {"preferred_inspection_date": "2026-12-05"}))
    assert "Sat 5 Dec 2026 is not a business day; choose a weekday that is not a holiday" in weekend
    christmas = text(step(client, "date", {"preferred_inspection_date": "2026-12-25"}))
    assert "Fri 25 Dec 2026 is a public holiday there (Christmas Day)" in christmas
    assert "Choose a date." in text(step(client, "date", {"preferred_inspection_date": ""}))


def test_documents_step_checks_content_and_lets_a_file_be_removed(client, customer, chassis):
    client.force_login(customer)
    walk_to_review(client, chassis)
    refused = text(step(client, "documents", {"proof_of_license": renamed_exe("licence.pdf")}))
    assert "Upload a PDF, PNG or JPEG file; this file's content is none of those." in refused
    step(client, "documents", {"proof_of_license": pdf("licence.pdf")})
    staged = draft_of(customer)["documents"][0]["path"]
    assert staged.startswith(f"drafts/{customer.pk}/") and "licence" not in staged  # a generated name
    assert "licence.pdf" in text(step(client, "documents"))
    step(client, "documents", {"remove": "0"})
    assert draft_of(customer)["documents"] == [] and not default_storage.exists(staged)


def test_lead_time_refusal_at_submit_goes_back_to_the_date_step(client, customer, chassis, time_machine):
    client.force_login(customer)
    walk_to_review(client, chassis)
    time_machine.move_to(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC), tick=False)  # a week passes
    assert step(client, "review", {}).url == "/requests/new/date/"
    page = text(step(client, "date"))
    assert "the earliest date is Fri 11 Dec 2026" in page and 'role="alert"' in page
    assert not Request.objects.exists()


def test_already_requested_at_submit_goes_back_to_the_equipment_step(client, customer, partner, chassis):
    client.force_login(customer)
    walk_to_review(client, chassis)
    existing = open_request(partner, chassis)  # meanwhile, the partner opened one
    assert step(client, "review", {}).url == "/requests/new/equipment/"
    page = text(step(client, "equipment"))
    assert f"Already in an open request: AB12CD34EF56 ({existing.number})" in page
    assert Request.objects.count() == 1


def test_partner_opens_a_request_for_a_customer_it_serves(client, partner, customer, chassis):
    client.force_login(partner)
    assert client.get("/requests/new/").url == "/requests/new/customer/"
    assert step(client, "equipment").url == "/requests/new/customer/"
    page = text(step(client, "customer"))
    assert "Acme Networks" in page and "Borealis Data" not in page
    assert step(client, "customer", {"customer": customer.organization_id}).url.endswith("/equipment/")
    assert "On behalf of <strong>Acme Networks</strong>" in text(walk_to_review(client, chassis))
    step(client, "review", {})
    created = Request.objects.get()
    assert (created.customer, created.created_by) == (customer.organization, partner)


def test_partner_is_refused_a_customer_it_does_not_serve(client, partner, other_customer, frozen_friday):
    client.force_login(partner)
    assert step(client, "customer", {"customer": other_customer.organization_id}).status_code == 404
    assert client.get(f"/requests/new/?customer={other_customer.organization_id}").status_code == 404
    assert "Choose the customer." in text(step(client, "customer", {"customer": ""}))


@pytest.mark.parametrize("who", ["staff", "inspector"])
def test_only_customers_and_partners_open_requests(client, everyone, who):
    client.force_login(everyone[who])
    assert client.get("/requests/new/").status_code == 403
    assert client.get("/requests/new/equipment/").status_code == 403


def test_a_unit_page_link_starts_a_draft_with_that_chassis(client, customer, other_customer, chassis):
    client.force_login(customer)
    assert f"/requests/new/?equipment={chassis.pk}" in text(client.get(f"/equipment/{chassis.pk}/"))
    assert client.get(f"/requests/new/?equipment={chassis.pk}").url == "/requests/new/equipment/"
    assert f'value="{chassis.pk}" id="pick-{chassis.pk}" checked' in text(step(client, "equipment"))
    theirs = register(other_customer, "BB12CD34EF56")
    assert client.get(f"/requests/new/?equipment={theirs.pk}").status_code == 404


def test_discarding_the_draft_deletes_its_files(client, customer, chassis):
    client.force_login(customer)
    walk_to_review(client, chassis)
    step(client, "documents", {"proof_of_purchase": pdf()})
    staged = draft_of(customer)["documents"][0]["path"]
    response = client.post("/requests/new/discard/", follow=True)
    assert "The draft request was discarded" in text(response)
    assert not RequestDraft.objects.filter(user=customer).exists() and not default_storage.exists(staged)
    assert client.get("/requests/new/").url == "/requests/new/equipment/"


def test_a_typed_date_must_be_yyyy_mm_dd(client, customer, chassis):
    client.force_login(customer)
    step(client, "equipment", {"equipment": [chassis.pk]})
    step(client, "site", SITE)
    page = text(step(client, "date", {"preferred_inspection_date": "07/12/2026"}))  # 7 Dec or 12 Jul?
    assert "Enter a date as YYYY-MM-DD." in page and 'value="07/12/2026"' in page
    assert step(client, "date", {"preferred_inspection_date": " 2026-12-07 "}).url.endswith("/documents/")
    assert 'value="2026-12-07"' in text(step(client, "date"))  # shown back as typed, in ISO


# --- the review step's fee estimate -------------------------------------------------------
def test_review_estimates_the_fees_from_the_price_book(client, customer, chassis):
    """One ACX2200: inspection 1,000 + a year of support 437 + OS re-registration 2,000."""
    client.force_login(customer)
    review = text(walk_to_review(client, chassis))
    estimate = review[review.index("Fee estimate") :]
    for amount in ("USD 1,000.00", "USD 437.00", "USD 2,000.00"):
        assert amount in estimate
    assert "Estimated total, before add-on licences" in estimate and "USD 3,437.00" in estimate
    assert "The quote from your partner is what counts." in estimate
    assert "Add-on and subscription licences the equipment needs come on top" in estimate
    assert "non-refundable" in estimate


def test_the_estimate_adds_up_every_chassis(client, customer, chassis):
    second = register(customer, "AB12CD34EF57")
    client.force_login(customer)
    estimate = text(walk_to_review(client, chassis, second))
    assert estimate.count("USD 3,437.00") == 2 and "USD 6,874.00" in estimate  # 2 x 3,437.00


def test_a_product_without_a_fee_sku_is_named_and_no_total_is_made_up(client, customer, chassis, juniper):
    from contracts.choices import SkuKind
    from tests.factories import priced_product

    unpriced = priced_product(vendor=juniper, model="ACX5448")
    unpriced.skus.filter(kind=SkuKind.OS_LICENSE).delete()
    other = register(customer, "CD12CD34EF56", product="ACX5448")
    client.force_login(customer)
    estimate = text(walk_to_review(client, chassis, other))
    estimate = estimate[estimate.index("Fee estimate") :]
    assert (
        "Juniper Networks ACX5448 cannot be priced: the price book has no "
        "operating-system licence re-registration SKU for it." in estimate
    )
    assert "No total: the price book cannot price ACX5448 yet." in estimate
    assert "USD 3,437.00" in estimate  # the ACX2200 is still estimated on its own
    assert (
        "Estimated total" not in estimate
        and "USD 4,437.00" not in estimate
        and "USD 1,437.00" not in estimate
    )


def test_a_partner_reads_that_its_own_quote_counts(client, partner, customer, chassis):
    client.force_login(partner)
    step(client, "customer", {"customer": customer.organization_id})
    review = text(walk_to_review(client, chassis))
    assert "The quote you issue is what counts." in review and "USD 3,437.00" in review
