"""Pages: an organisation's webhook endpoints (register, list), and one endpoint's delivery log
with re-send, secret rotation, resume and delete. Administrators of the organisation and
programme staff; another organisation's endpoint is a 404, a teammate who is not an
administrator gets 403 (the services decide)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from common.errors import DomainError, InvalidInput
from common.pages import errors_onto, post_only
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import WebhookDelivery, WebhookEndpoint

PAGE_SIZE = 50


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    consequence: str,
    action: str,
    cancel_url: str,
    details: list[tuple[str, str]],
) -> HttpResponse:
    """The shared confirmation step (relicensing.views.confirm's page; that module sits above this
    app): the same fields posted again with `confirmed` set."""
    fields = [(k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "confirmed")]
    context = {
        "title": title,
        "consequence": consequence,
        "action": action,
        "action_class": "btn-danger",
        "details": details,
        "fields": fields,
        "cancel_url": cancel_url,
    }
    return render(request, "relicensing/confirm.html", context)


def _endpoint(request: HttpRequest, pk: int) -> WebhookEndpoint:
    endpoint = get_object_or_404(selectors.webhook_endpoint_list(user=request.user), pk=pk)  # type: ignore[arg-type]
    services.webhooks_manage_require(request.user, endpoint.organization_id)  # type: ignore[arg-type]
    return endpoint


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_programme_staff:  # type: ignore[union-attr]
        services.webhooks_manage_require(user, user.organization_id)  # type: ignore[arg-type, union-attr]
    form = EndpointForm(request.POST or None, user=user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.webhook_endpoint_create(
                actor=user,  # type: ignore[arg-type]
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                # Staff's choice (the form has the field for staff only); None: the actor's own.
                organization=form.cleaned_data.get("organization"),
            )
        except InvalidInput as exc:
            errors_onto(form, exc)
        except DomainError as exc:
            form.add_error("url", exc.detail)
        else:
            return _secret_shown(request, endpoint, "Endpoint registered.")
    endpoints = selectors.webhook_endpoint_list(user=user)  # type: ignore[arg-type]
    return render(request, "webhooks/list.html", {"endpoints": endpoints, "form": form})


def _secret_shown(request: HttpRequest, endpoint: WebhookEndpoint, headline: str) -> HttpResponse:
    """The secret, once: the page is not stored by the browser and the secret is not shown again."""
    response = render(request, "webhooks/secret.html", {"endpoint": endpoint, "headline": headline})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    page = Paginator(selectors.webhook_delivery_list(endpoint=endpoint), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "webhooks/detail.html", {"endpoint": endpoint, "page": page})


@login_required
@post_only("webhook-detail")
def webhook_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if not request.POST.get("confirmed"):
        return confirm_page(
            request,
            title="Rotate this endpoint's secret?",
            consequence="A new secret signs every delivery from now on. The old one also signs for 24 hours "
            "(a second v1 in the signature), then stops: put the new secret in your receiver before then.",
            action="Yes, rotate the secret",
            cancel_url=reverse("webhook-detail", kwargs={"pk": pk}),
            details=[("Address", endpoint.url)],
        )
    endpoint = services.webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint)  # type: ignore[arg-type]
    return _secret_shown(request, endpoint, "Secret rotated.")


@login_required
@post_only("webhook-detail")
def webhook_resume(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = services.webhook_endpoint_resume(actor=request.user, endpoint=_endpoint(request, pk))  # type: ignore[arg-type]
    messages.success(request, f"Sending to {endpoint.url} again; the deliveries that waited go now.")
    return redirect("webhook-detail", pk=pk)


@login_required
@post_only("webhook-detail")
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    if not request.POST.get("confirmed"):
        return confirm_page(
            request,
            title="Delete this webhook endpoint?",
            consequence="Nothing more is sent to it, its delivery log is deleted, and its secret stops working. "
            "This cannot be undone; registering the address again gives it a new secret.",
            action="Yes, delete it",
            cancel_url=reverse("webhook-detail", kwargs={"pk": pk}),
            details=[("Address", endpoint.url), ("Events", ", ".join(endpoint.events))],
        )
    services.webhook_endpoint_delete(actor=request.user, endpoint=endpoint)  # type: ignore[arg-type]
    messages.success(request, f"{endpoint.url} is deleted.")
    return redirect("webhook-list")


@login_required
@post_only("webhook-detail")
def webhook_delivery_resend(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    endpoint = _endpoint(request, pk)
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("endpoint"), endpoint=endpoint, pk=delivery_id
    )
    try:
        services.webhook_delivery_resend(actor=request.user, delivery=delivery)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Event {delivery.event_id} is being sent again.")
    return redirect("webhook-detail", pk=pk)
