"""Pages: the catalog and price book, readable by everyone signed in."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from contracts.models import Sku
from relicensing.models import Product
from relicensing.selectors import vendor_list


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    vendor_slug = request.GET.get("vendor", "")
    products = Product.objects.select_related("vendor").prefetch_related(
        Prefetch("skus", queryset=Sku.objects.order_by("kind", "code"))
    )
    if vendor_slug:
        products = products.filter(vendor__slug=vendor_slug)
    return render(
        request,
        "relicensing/catalog.html",
        {"vendors": vendor_list(), "products": products, "vendor_slug": vendor_slug},
    )
