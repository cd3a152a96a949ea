"""Page actions on a request: cancel and reject (each confirmed first), upload a proof, download
one, and staff's verdict on a proof of licence. Each action POSTs, then redirects with a message.

The request is looked up among those the viewer may see first (404 otherwise); only then is the
viewer's role checked (403), as the API does.
"""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse

from accounts.models import User
from accounts.permissions import action_require
from common.errors import DomainError
from common.pages import post_only
from relicensing import selectors
from relicensing.request_forms import CancelForm, DocumentUploadForm, RejectForm
from relicensing.services import requests as services
from relicensing.views.access import installed_base_page
from relicensing.views.confirm import confirm_page


def _first_error(form: CancelForm | RejectForm | DocumentUploadForm) -> str:
    return next(iter(form.errors.values()))[0]


@installed_base_page
@post_only("request-detail")
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = selectors.request_get(user=user, pk=pk)
    action_require(user, "request_cancel", target)  # before asking to confirm
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect("request-detail", pk=pk)
    reason = form.cleaned_data["reason"]
    if not request.POST.get("confirmed"):
        return confirm_page(
            request,
            title=f"Cancel request {target.number}?",
            details=[("Your reason", reason)] if reason else [],
            consequence="The request closes for good and cannot be reopened; its chassis can go into a new "
            "request. Programme fees are non-refundable: nothing already paid is returned.",
            action="Yes, cancel the request",
            cancel_url=reverse("request-detail", args=[pk]),
        )
    try:
        services.request_cancel(request=target, user=user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Request {target.number} is cancelled.")
    return redirect("request-detail", pk=pk)


@installed_base_page
@post_only("request-detail")
def request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = selectors.request_get(user=user, pk=pk)
    action_require(user, "request_reject", target)  # before asking to confirm
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(reverse("request-detail", args=[pk]) + "#reject")
    reason = form.cleaned_data["reason"]
    if not request.POST.get("confirmed"):
        return confirm_page(
            request,
            title=f"Reject request {target.number}?",
            details=[("Customer", target.customer.name), ("Reason they will read", reason)],
            consequence="The request closes for good; the customer and its partner are told why.",
            action="Yes, reject the request",
            cancel_url=reverse("request-detail", args=[pk]),
        )
    try:
        services.request_reject(request=target, user=user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, f"Request {target.number} is rejected; the customer and its partner are told."
        )
    return redirect("request-detail", pk=pk)


@installed_base_page
@post_only("request-detail")
def request_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = selectors.request_get(user=user, pk=pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
        try:
            document = services.document_upload(request=target, user=user, kind=kind, upload=upload)
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"{document.get_kind_display()} {document.original_name} is attached.")
    return redirect(reverse("request-detail", args=[pk]) + "#documents")


@installed_base_page
def request_document_download(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    target = selectors.request_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    document = get_object_or_404(target.documents.all(), pk=document_id)
    # An attachment under the name it was uploaded with; Django quotes it safely in the header.
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


@installed_base_page
@post_only("request-detail")
def request_document_verify(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = selectors.request_get(user=user, pk=pk)
    document = get_object_or_404(target.documents.all(), pk=document_id)
    verified = request.POST.get("verified") == "yes"
    try:
        services.document_verify(document=document, user=user, verified=verified)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        verdict = "verified" if verified else "marked not valid"
        messages.success(request, f"Proof of licence {document.original_name} is {verdict}.")
    return redirect(reverse("request-detail", args=[pk]) + "#documents")
