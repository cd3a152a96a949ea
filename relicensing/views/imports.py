"""Pages: bulk registration from a spreadsheet, the job's progress and its error report.

The file is checked when it is uploaded (a clear error at once); the rows are imported by a
worker while the job page polls `status.json`.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from accounts.models import User
from common.errors import DomainError
from relicensing import selectors
from relicensing.choices import AcquisitionChannel, Condition, ImportStatus
from relicensing.forms import ImportForm
from relicensing.models import ImportJob
from relicensing.services import imports
from relicensing.views.access import installed_base_page

REJECTED_SHOWN = 200  # the page shows this many rejected rows; the CSV report has them all

LIMITS = {
    "columns": imports.COLUMNS,
    "required": imports.REQUIRED_COLUMNS,
    "max_megabytes": imports.MAX_FILE_BYTES // (1024 * 1024),
    "max_rows": imports.MAX_ROWS,
    "channels": AcquisitionChannel.choices,
    "conditions": Condition.choices,
}


@installed_base_page
def import_start(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = ImportForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        customer = form.cleaned_data.get("customer")
        organization = selectors.customer_for(user=user, customer_id=customer.pk if customer else None)
        try:
            job = imports.import_job_create(
                organization=organization, user=user, upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            form.add_error("file", exc.detail)
        else:
            return redirect("equipment-import-job", pk=job.pk)
    context = {
        "form": form,
        "limits": LIMITS,
        "vendor_slugs": list(selectors.vendor_list().values_list("slug", flat=True)),
        "recent": ImportJob.objects.visible_to(user).select_related("organization")[:5],
    }
    return render(request, "relicensing/import.html", context)


@installed_base_page
def import_template(request: HttpRequest) -> HttpResponse:
    """The columns and one filled example row (replace it with your own rows before uploading)."""
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="equipment-import-template.csv"'
    return response


def _job(request: HttpRequest, pk: int) -> ImportJob:
    jobs = ImportJob.objects.visible_to(request.user).select_related("organization", "uploaded_by")  # type: ignore[arg-type]
    try:
        return jobs.get(pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404("No such import.") from exc


@installed_base_page
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context = {
        "job": job,
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "rejected_shown": job.rejected[:REJECTED_SHOWN],
        "rejected_hidden": max(len(job.rejected) - REJECTED_SHOWN, 0),
    }
    return render(request, "relicensing/import_job.html", context)


@installed_base_page
def import_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "processed_rows": job.processed_rows,
            "total_rows": job.total_rows,
            "percent": job.percent,
            "created_count": job.created_count,
            "already_registered_count": job.already_registered_count,
            "rejected_count": len(job.rejected),
            "error": job.error,
        },
        headers={"Cache-Control": "no-store"},
    )


@installed_base_page
def import_job_errors(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = HttpResponse(imports.error_report_csv(job.rejected), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response
