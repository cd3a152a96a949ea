"""Pages: the signed-in person's notices."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from notices import selectors, services


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notice_inbox(user=request.user), 25).get_page(request.GET.get("page"))
    unread_ids = {notice.pk for notice in page if notice.read_at is None}
    services.notices_mark_read(user=request.user, notice_ids=unread_ids)
    return render(request, "notices/notice_list.html", {"page": page, "unread_ids": unread_ids})
