"""Staff pages: compliance holds, flags and ownership disputes.

Irreversible actions (declaring a unit permanently damaged, settling ownership) go through a
confirmation page that repeats what will happen before anything changes.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from common.errors import DomainError
from common.pages import post_only
from relicensing import selectors
from relicensing.choices import Flag
from relicensing.forms import FlagForm, HoldForm, HoldReleaseForm, SettleForm
from relicensing.models import ComplianceHold, Equipment
from relicensing.services import equipment as services
from relicensing.views.access import next_url, staff_page
from relicensing.views.confirm import confirm_page


@staff_page
def holds(request: HttpRequest) -> HttpResponse:
    show_released = request.GET.get("show") == "all"
    form = HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hold = services.hold_place(user=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, f"{hold.vendor.name} serial {hold.serial_number} is on hold.")
            return redirect(next_url(request, "staff-holds"))
    page = Paginator(selectors.hold_list(active_only=not show_released), 25).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "show_released": show_released}
    return render(request, "relicensing/staff_holds.html", context)


@staff_page
@post_only("staff-holds")
def hold_release(request: HttpRequest, pk: int) -> HttpResponse:
    hold = get_object_or_404(ComplianceHold, pk=pk)
    form = HoldReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Add a note saying why the hold is released.")
    else:
        try:
            services.hold_release(hold=hold, note=form.cleaned_data["note"], user=request.user)  # type: ignore[arg-type]
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"The hold on {hold.serial_number} is released.")
    return redirect(next_url(request, "staff-holds"))


@staff_page
def disputes(request: HttpRequest) -> HttpResponse:
    units = [{"equipment": unit, "claims": _active_claims(unit)} for unit in selectors.dispute_list()]
    return render(request, "relicensing/staff_disputes.html", {"units": units})


def _active_claims(unit: Equipment) -> list[Any]:
    # Filtered in Python: the selector prefetched every registration of the unit.
    return [r for r in unit.registrations.all() if r.is_active]


@staff_page
@post_only("staff-holds")
def equipment_flag(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = get_object_or_404(Equipment.objects.select_related("vendor"), pk=pk)
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a flag to set or clear.")
        return redirect(next_url(request, "staff-holds"))
    flag, value = Flag(form.cleaned_data["flag"]), form.cleaned_data["action"] == "set"
    if flag == Flag.PERMANENTLY_DAMAGED and value and not request.POST.get("confirmed"):
        return confirm_page(
            request,
            cancel_url=next_url(request, "staff-holds"),
            title=f"Declare {equipment.serial_number} permanently damaged?",
            consequence="This is final. The unit can never be inspected or put under contract again, "
            "and the flag can never be cleared.",
            action="Yes, declare it permanently damaged",
        )
    try:
        services.equipment_flag_set(
            equipment=equipment,
            flag=flag,
            note=form.cleaned_data["note"],
            user=request.user,  # type: ignore[arg-type]
            value=value,
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        done = "set" if value else "cleared"
        messages.success(request, f"{flag.label}: flag {done} on {equipment.serial_number}.")
    return redirect(next_url(request, "staff-holds"))


@staff_page
@post_only("staff-disputes")
def equipment_settle(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = get_object_or_404(Equipment.objects.select_related("vendor"), pk=pk)
    form = SettleForm(request.POST, equipment=equipment)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(next_url(request, "staff-disputes"))
    owner = form.cleaned_data["organization"]
    if not request.POST.get("confirmed"):
        losing = selectors.open_requests_for_unit(equipment=equipment, other_than=owner)
        also = (
            " The other claimants' open requests for it are rejected with this reason: "
            + ", ".join(f"{r.number} ({r.customer.name})" for r in losing)
            + "."
            if losing
            else ""
        )
        return confirm_page(
            request,
            cancel_url=next_url(request, "staff-disputes"),
            title=f"Settle {equipment.serial_number} for {owner.name}?",
            consequence=f"{owner.name} becomes the owner of record. Every other claim is closed as "
            f"settled elsewhere and stays ineligible. This is recorded in the unit's history.{also}",
            action=f"Yes, settle for {owner.name}",
        )
    try:
        services.ownership_settle(
            equipment=equipment,
            organization=owner,
            note=form.cleaned_data["note"],
            user=request.user,  # type: ignore[arg-type]
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Ownership of {equipment.serial_number} settled for {owner.name}.")
    return redirect(next_url(request, "staff-disputes"))


def _form_errors(form: Any) -> str:
    labels = {name: field.label or name for name, field in form.fields.items()}
    return " ".join(
        f"{labels.get(name, '')}: {' '.join(errors)}".lstrip(": ") for name, errors in form.errors.items()
    )
