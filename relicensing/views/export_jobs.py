"""Long spreadsheet exports: asking for one (from the offer the export address shows past
XLSX_MAX_ROWS), its page with the worker's progress, and the download, all to its owner alone
(anyone else's job is a 404)."""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import User
from common.errors import InvalidInput
from common.pages import post_only
from relicensing.models import ExportJob
from relicensing.models.exports import ExportKind, ExportStatus
from relicensing.services import exports as services
from relicensing.views.access import installed_base_page

LIST_PAGES = {ExportKind.EQUIPMENT: "equipment-list", ExportKind.CONTRACTS: "contract-list"}


def _own_job(request: HttpRequest, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob.objects.filter(owner=request.user), pk=pk)  # type: ignore[misc]


@installed_base_page
@post_only("dashboard")
def export_job_create(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        job = services.export_job_create(
            user=user, kind=request.POST.get("kind", ""), query=request.POST.get("query", "")
        )
    except InvalidInput as exc:
        raise Http404 from exc  # only a hand-made form names another list
    return redirect("export-job", pk=job.pk)


@installed_base_page
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_job(request, pk)
    rows_done = services.export_job_rows_done(job)
    context = {
        "job": job,
        "rows_done": rows_done,
        "percent": 100
        if job.status == ExportStatus.DONE
        else min(99, rows_done * 100 // max(job.rows_total, 1)),
        "list_url_name": LIST_PAGES[ExportKind(job.kind)],
        "refresh_seconds": 2,
    }
    return render(request, "relicensing/export_job.html", context)


@installed_base_page  # type: ignore[arg-type]  # a download is a file response
def export_job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _own_job(request, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
