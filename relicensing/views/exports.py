"""Downloads of the equipment list as CSV or XLSX, filtered exactly as the page is."""

from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse

from accounts.models import User
from relicensing import selectors
from relicensing.exports import (
    EQUIPMENT_HEADER,
    csv_response,
    equipment_rows,
    export_filename,
    xlsx_response,
    xlsx_too_long,
)
from relicensing.forms import EquipmentFilterForm
from relicensing.views.access import installed_base_page


@installed_base_page  # type: ignore[arg-type]  # a download is a streamed or file response
def equipment_export(request: HttpRequest, extension: str) -> HttpResponseBase:
    """The registrations the person may see, with the page's filters (the same form, the same
    query string); a cursor from the page's paging is ignored: the export holds every match."""
    user: User = request.user  # type: ignore[assignment]
    filters = EquipmentFilterForm(request.GET, user=user)
    registrations = filters.apply(selectors.registration_list(user=user))
    rows = equipment_rows(registrations)
    filename = export_filename("equipment", extension)
    if extension == "csv":
        return csv_response(EQUIPMENT_HEADER, rows, filename=filename)
    if extension == "xlsx":
        too_long = xlsx_too_long(request, registrations, list_url=reverse("equipment-list"))
        return too_long or xlsx_response(EQUIPMENT_HEADER, rows, title="Equipment", filename=filename)
    raise Http404
