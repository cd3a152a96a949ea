"""Page action: the owner returns a donated unit for the vendor's take-back and recycling, after
a confirmation (it cannot be undone)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from common.errors import ServiceError
from common.pages import post_only
from contracts.services.takeback import equipment_take_back
from relicensing import selectors
from relicensing.views.confirm import confirm_page


@login_required
@post_only("equipment-detail")
def equipment_take_back_page(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.registration_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    unit_url = reverse("equipment-detail", args=[pk])
    serial = registration.equipment.serial_number
    if request.POST.get("confirmed") != "yes":
        return confirm_page(
            request,
            title=f"Return {serial} for take-back?",
            consequence=(
                f"{serial} is recorded as no longer in use and returned for the vendor's take-back and "
                "recycling. Its coverage ends today, and nobody can register it again. This cannot be undone."
            ),
            action="Yes, return it for take-back",
            cancel_url=unit_url,
        )
    try:
        equipment_take_back(registration=registration, user=request.user)  # type: ignore[arg-type]
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{serial} is recorded as returned for take-back and recycling.")
    return redirect(unit_url)
