"""The vendors' checklists (staff): each vendor's version in force with the older ones, and the
form that publishes the next version. A published version never changes, and a visit keeps the
version it was opened with."""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import User
from common.errors import DomainError
from inspections.forms import ChecklistForm
from inspections.models import ChecklistVersion
from inspections.services.checklists import checklist_publish
from relicensing.models import Vendor
from relicensing.views.access import staff_page


@staff_page
def checklist_list(request: HttpRequest) -> HttpResponse:
    versions = ChecklistVersion.objects.select_related("published_by").order_by("-version")
    vendors = Vendor.objects.order_by("name").prefetch_related(Prefetch("checklists", queryset=versions))
    rows = []
    for vendor in vendors:
        published = list(vendor.checklists.all())
        rows.append(
            {"vendor": vendor, "current": published[0] if published else None, "older": published[1:]}
        )
    return render(request, "inspections/checklists.html", {"rows": rows})


@staff_page
def checklist_edit(request: HttpRequest, vendor: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    target = get_object_or_404(Vendor, slug=vendor)
    current = ChecklistVersion.objects.filter(vendor=target).order_by("-version").first()
    if request.method != "POST":
        form = ChecklistForm(current=current)
    else:
        form = ChecklistForm(current=current, data=request.POST)
        if request.POST.get("action") == "more":
            form.add_rows(ChecklistForm.EXTRA)
        else:
            try:
                published = checklist_publish(vendor=target, user=user, items=form.items(), note=form.note)
            except DomainError as exc:
                form.refused(exc)
            else:
                messages.success(
                    request,
                    f"{target.name} checklist version {published.version} is published. Visits opened from now on "
                    "use it; visits already opened keep the version they have.",
                )
                return redirect("checklist-list")
    context = {
        "vendor": target,
        "current": current,
        "next_version": (current.version if current else 0) + 1,
        "form": form,
    }
    return render(request, "inspections/checklist_edit.html", context)
