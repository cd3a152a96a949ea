"""The v1 API: every endpoint of API.md, by app, plus the OpenAPI schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import (
    InspectorListApi,
    InvitationRevokeApi,
    OrganizationListApi,
    OrganizationUserListApi,
    TokenObtainApi,
    TokenRevokeApi,
    UserAdministratorApi,
    UserDeactivateApi,
    UserReactivateApi,
)
from contracts.api import QuoteAcceptApi, QuoteDetailApi, QuoteIssueApi, QuotePdfApi, SkuListCreateApi
from contracts.orders_api import ApproveApi, ContractDetailApi, ContractListApi, PurchaseOrderApi
from inspections.api import (
    InspectionAvailableDatesApi,
    InspectionCorrectionApi,
    InspectionDetailApi,
    InspectionListApi,
    InspectionPhotoDownloadApi,
    InspectionPhotoUploadApi,
    InspectionRescheduleApi,
    InspectionResultsApi,
    InspectionScheduleApi,
)
from notices.api import NoticeListApi
from portal.api.checks import SerialCheckApi
from portal.api.requests import RequestCancelApi, RequestDetailApi, RequestListCreateApi, RequestRejectApi
from relicensing.api.catalog import ProductDetailApi, ProductListCreateApi, VendorListApi
from relicensing.api.documents import DocumentDownloadApi, DocumentUploadApi, DocumentVerifyApi
from relicensing.api.equipment import (
    FlagApi,
    HoldListCreateApi,
    HoldReleaseApi,
    OwnershipSettleApi,
    RegistrationDetailApi,
    RegistrationImportApi,
    RegistrationListCreateApi,
)
from relicensing.api.messages import RequestMessageAttachmentApi, RequestMessagesApi
from webhooks.api import (
    WebhookDeliveryListApi,
    WebhookDeliveryResendApi,
    WebhookDetailApi,
    WebhookListCreateApi,
    WebhookResumeApi,
    WebhookRotateSecretApi,
)

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("auth/token/revoke/", TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("organizations/", OrganizationListApi.as_view(), name="api-organizations"),
    path("organizations/<int:pk>/users/", OrganizationUserListApi.as_view(), name="api-organization-users"),
    path("users/<int:pk>/deactivate/", UserDeactivateApi.as_view(), name="api-user-deactivate"),
    path("users/<int:pk>/reactivate/", UserReactivateApi.as_view(), name="api-user-reactivate"),
    path("users/<int:pk>/administrator/", UserAdministratorApi.as_view(), name="api-user-administrator"),
    path("invitations/<int:pk>/revoke/", InvitationRevokeApi.as_view(), name="api-invitation-revoke"),
    path("inspectors/", InspectorListApi.as_view(), name="api-inspectors"),
    path("vendors/", VendorListApi.as_view(), name="api-vendors"),
    path("products/", ProductListCreateApi.as_view(), name="api-products"),
    path("products/<int:pk>/", ProductDetailApi.as_view(), name="api-product"),
    path("skus/", SkuListCreateApi.as_view(), name="api-skus"),
    path("equipment/", RegistrationListCreateApi.as_view(), name="api-equipment"),
    path("equipment/import/", RegistrationImportApi.as_view(), name="api-equipment-import"),
    path("equipment/<int:pk>/", RegistrationDetailApi.as_view(), name="api-equipment-detail"),
    path("equipment/<int:pk>/flags/", FlagApi.as_view(), name="api-equipment-flags"),
    path("equipment/<int:pk>/settle-ownership/", OwnershipSettleApi.as_view(), name="api-equipment-settle"),
    path("serial-check/", SerialCheckApi.as_view(), name="api-serial-check"),
    path("compliance-holds/", HoldListCreateApi.as_view(), name="api-holds"),
    path("compliance-holds/<int:pk>/release/", HoldReleaseApi.as_view(), name="api-hold-release"),
    path("requests/", RequestListCreateApi.as_view(), name="api-requests"),
    path("requests/<int:pk>/", RequestDetailApi.as_view(), name="api-request"),
    path("requests/<int:pk>/cancel/", RequestCancelApi.as_view(), name="api-request-cancel"),
    path("requests/<int:pk>/reject/", RequestRejectApi.as_view(), name="api-request-reject"),
    path("requests/<int:pk>/documents/", DocumentUploadApi.as_view(), name="api-request-documents"),
    path(
        "requests/<int:pk>/documents/<int:document_id>/",
        DocumentDownloadApi.as_view(),
        name="api-request-document",
    ),
    path(
        "requests/<int:pk>/documents/<int:document_id>/verify/",
        DocumentVerifyApi.as_view(),
        name="api-request-document-verify",
    ),
    path("requests/<int:pk>/messages/", RequestMessagesApi.as_view(), name="api-request-messages"),
    path(
        "requests/<int:pk>/messages/<int:message_id>/attachment/",
        RequestMessageAttachmentApi.as_view(),
        name="api-request-message-attachment",
    ),
    path("requests/<int:pk>/quotes/", QuoteIssueApi.as_view(), name="api-request-quotes"),
    path("requests/<int:pk>/purchase-order/", PurchaseOrderApi.as_view(), name="api-request-purchase-order"),
    path("requests/<int:pk>/approve/", ApproveApi.as_view(), name="api-request-approve"),
    path("contracts/", ContractListApi.as_view(), name="api-contracts"),
    path("contracts/<str:number>/", ContractDetailApi.as_view(), name="api-contract"),
    path("quotes/<int:pk>/", QuoteDetailApi.as_view(), name="api-quote"),
    path("quotes/<int:pk>/pdf/", QuotePdfApi.as_view(), name="api-quote-pdf"),
    path("quotes/<int:pk>/accept/", QuoteAcceptApi.as_view(), name="api-quote-accept"),
    path("inspections/", InspectionListApi.as_view(), name="api-inspections"),
    path("inspections/<int:pk>/", InspectionDetailApi.as_view(), name="api-inspection"),
    path("inspections/<int:pk>/schedule/", InspectionScheduleApi.as_view(), name="api-inspection-schedule"),
    path(
        "inspections/<int:pk>/available-dates/",
        InspectionAvailableDatesApi.as_view(),
        name="api-inspection-available-dates",
    ),
    path(
        "inspections/<int:pk>/reschedule/",
        InspectionRescheduleApi.as_view(),
        name="api-inspection-reschedule",
    ),
    path("inspections/<int:pk>/results/", InspectionResultsApi.as_view(), name="api-inspection-results"),
    path(
        "inspections/<int:pk>/corrections/",
        InspectionCorrectionApi.as_view(),
        name="api-inspection-corrections",
    ),
    path("inspections/<int:pk>/photos/", InspectionPhotoUploadApi.as_view(), name="api-inspection-photos"),
    path(
        "inspections/<int:pk>/photos/<int:photo_id>/",
        InspectionPhotoDownloadApi.as_view(),
        name="api-inspection-photo",
    ),
    path("notices/", NoticeListApi.as_view(), name="api-notices"),
    path("webhooks/", WebhookListCreateApi.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/", WebhookDetailApi.as_view(), name="api-webhook"),
    path("webhooks/<int:pk>/rotate-secret/", WebhookRotateSecretApi.as_view(), name="api-webhook-rotate"),
    path("webhooks/<int:pk>/resume/", WebhookResumeApi.as_view(), name="api-webhook-resume"),
    path("webhooks/<int:pk>/deliveries/", WebhookDeliveryListApi.as_view(), name="api-webhook-deliveries"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/resend/",
        WebhookDeliveryResendApi.as_view(),
        name="api-webhook-delivery-resend",
    ),
    path("", include("contracts.contract_api_urls")),
    path("", include("contracts.coverage_api_urls")),
    path("", include("contracts.renewal_api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
