"""Pages: the list of relicensing requests and one request's page (status, what happens next,
chassis, timeline, documents, quotes, and the actions the viewer may take)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.models import User
from accounts.permissions import action_allowed
from relicensing import selectors
from relicensing.request_forms import RequestFilterForm
from relicensing.views.access import installed_base_page

PAGE_SIZE = 25


@installed_base_page
def request_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    filters = RequestFilterForm(request.GET, user=user)
    requests = filters.apply(selectors.request_list(user=user))
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "filtered": any(request.GET.get(name) for name in filters.fields),
        "show_customer": user.role != Role.CUSTOMER,
        "can_open": action_allowed(user, "request_open"),
    }
    return render(request, "relicensing/requests/list.html", context)
