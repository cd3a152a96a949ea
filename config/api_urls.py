"""The v1 API: every endpoint of API.md, by app, plus the OpenAPI schema and its docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import InspectorListApi, OrganizationListApi, TokenObtainApi
from contracts.api import SkuListCreateApi
from notices.api import NoticeListApi
from relicensing.api import ProductDetailApi, ProductListCreateApi, VendorListApi

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("organizations/", OrganizationListApi.as_view(), name="api-organizations"),
    path("inspectors/", InspectorListApi.as_view(), name="api-inspectors"),
    path("vendors/", VendorListApi.as_view(), name="api-vendors"),
    path("products/", ProductListCreateApi.as_view(), name="api-products"),
    path("products/<int:pk>/", ProductDetailApi.as_view(), name="api-product"),
    path("skus/", SkuListCreateApi.as_view(), name="api-skus"),
    path("notices/", NoticeListApi.as_view(), name="api-notices"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
