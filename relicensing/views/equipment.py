"""Pages: my equipment (the list) and the register form. One unit's page is portal.views.equipment_detail."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.choices import Role
from accounts.models import Organization, User
from accounts.visibility import reach_partition
from common.errors import Conflict, DomainError, InvalidInput
from common.paging import Cursor, keyset_page
from relicensing import selectors
from relicensing.choices import AcquisitionChannel, Condition, RegistrationStatus
from relicensing.forms import EquipmentFilterForm, RegistrationForm
from relicensing.models import Registration, Vendor
from relicensing.services import equipment as services
from relicensing.templatetags.eligibility import eligibility_badge
from relicensing.views.access import installed_base_page
from relicensing.views.legend import legend

PAGE_SIZE = 25
# Labels by value, as get_FOO_display() gives them (the value itself when it has none).
_CHANNELS = dict(AcquisitionChannel.choices)
_CONDITIONS = dict(Condition.choices)


@transaction.non_atomic_requests  # it only reads: no transaction (as the dashboard)
@installed_base_page
def equipment_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    show_customer = user.role != Role.CUSTOMER  # type: ignore[union-attr]
    filters = EquipmentFilterForm(request.GET, user=user)
    registrations = filters.apply(selectors.registration_rows(user=user))
    # Newer/older by cursor, never page numbers: a customer may hold half a million units.
    try:
        cursor = Cursor.decode(request.GET["cursor"]) if request.GET.get("cursor") else None
    except DomainError:
        cursor = None  # a stale or mangled link: start from the newest
    page = keyset_page(
        registrations,
        cursor=cursor,
        size=PAGE_SIZE,
        partition=reach_partition(user, "organization_id"),
        columns=selectors.REGISTRATION_ROW_WITH_CUSTOMER if show_customer else selectors.REGISTRATION_ROW,
    )
    detail = reverse("equipment-detail", args=[0]).removesuffix("0/")  # each row's: detail + pk + "/"
    context = {
        "page": page,
        "rows": [_row(registration, detail, show_customer) for registration in page.rows],
        "filters": filters,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "show_customer": show_customer,
        **legend((r.path, r.reasons) for r in page.rows),
    }
    return render(request, "relicensing/equipment_list.html", context)


def _row(row: Any, detail: str, show_customer: bool) -> dict[str, object]:
    """What one line of the list shows, worked out here from a row of selectors.REGISTRATION_ROW: a
    page of these costs a fraction of the same lookups made cell by cell in the template."""
    return {
        "url": f"{detail}{row.pk}/",
        "serial_number": row.equipment__serial_number,
        "settled_elsewhere": row.status != RegistrationStatus.ACTIVE,
        "vendor": row.equipment__vendor__name,
        "product": row.equipment__product__model,
        "reported_model": row.equipment__reported_model,
        "customer": row.organization__name if show_customer else None,
        "channel": _CHANNELS.get(row.acquisition_channel, row.acquisition_channel),
        "condition": _CONDITIONS.get(row.condition, row.condition),
        "badge": eligibility_badge(row.eligible, row.path, row.reasons),
    }


@installed_base_page
def equipment_register(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # A GET may prefill the form, e.g. from the serial check's "register this serial" link.
    form = RegistrationForm(request.POST or None, user=user, initial=request.GET.dict())
    existing = None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        customer = data.pop("customer", None)
        organization = selectors.customer_for(user=user, customer_id=customer.pk if customer else None)
        try:
            registration = services.registration_create(organization=organization, user=user, **data)
        except InvalidInput as exc:  # the serial pattern, keyed by field
            for message in exc.fields.get("serial_number", [exc.detail]):
                form.add_error("serial_number" if "serial_number" in form.fields else None, message)
        except Conflict as exc:
            form.add_error(None, exc.detail)
            existing = _existing(user, organization, data["vendor"], exc)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                f"{registration.equipment.vendor.name} serial {registration.equipment.serial_number} "
                "is registered. Its eligibility is below.",
            )
            return redirect("equipment-detail", pk=registration.pk)
    context = {
        "form": form,
        "existing": existing,
        "vendors": selectors.vendor_list().prefetch_related("products"),
    }
    return render(request, "relicensing/equipment_register.html", context)


def _existing(
    user: User, organization: Organization, vendor: Vendor, conflict: Conflict
) -> Registration | None:
    """The registration the conflict names, when the person may see it (to link to it)."""
    serial = conflict.extra.get("serial_number", "")
    return (
        selectors.registration_list(user=user)
        .filter(organization=organization, equipment__vendor=vendor, equipment__serial_number=serial)
        .first()
    )
