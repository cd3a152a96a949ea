"""API: registering serials (one or a file), the installed base, and the staff tools (holds,
flags, disputes). Thin: every rule is in the services. The buyer's serial check is portal.api."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization
from accounts.permissions import IsProgrammeStaff, action_require
from accounts.visibility import reach_partition
from common.api import API_TIME, NewestFirstPagination
from common.idempotency import idempotent
from relicensing import selectors
from relicensing.choices import AcquisitionChannel, Condition, Flag
from relicensing.filters import RegistrationFilter
from relicensing.models import ComplianceHold, Registration, Vendor
from relicensing.services import equipment as services
from relicensing.services import imports


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    path = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class RegistrationOutputSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="equipment.vendor.slug")
    serial_number = serializers.CharField(source="equipment.serial_number")
    product = serializers.CharField(source="equipment.product.model", default=None)
    reported_model = serializers.CharField(source="equipment.reported_model")
    flags = serializers.SerializerMethodField()
    eligibility = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "vendor",
            "serial_number",
            "product",
            "reported_model",
            "organization",
            "acquisition_channel",
            "acquired_from",
            "acquired_on",
            "condition",
            "status",
            "flags",
            "eligibility",
            "created_at",
        ]

    def get_flags(self, registration: Registration) -> list[str]:
        return sorted(registration.equipment.flags)

    @extend_schema_field(EligibilitySerializer)
    def get_eligibility(self, registration: Registration) -> dict[str, object]:
        return {"eligible": registration.eligible, "path": registration.path, "reasons": registration.reasons}

    def to_representation(self, instance: Any) -> dict[str, object]:
        # A registration, or (the list's pages) a row of selectors.REGISTRATION_ROW: the installed
        # base serves 50 a page to every integration that syncs it, and building a registration, a
        # unit, a vendor and a product object for each line cost more than the page's query. Written
        # by hand, not by DRF's field-by-field walk; the fields declared above describe the answer
        # (the schema), and tests/relicensing/test_equipment_api_shape.py holds it to them.
        row = selectors.registration_row(instance) if isinstance(instance, Registration) else instance
        return {
            "id": row.pk,
            "vendor": row.equipment__vendor__slug,
            "serial_number": row.equipment__serial_number,
            "product": row.equipment__product__model,
            "reported_model": row.equipment__reported_model,
            "organization": row.organization_id,
            "acquisition_channel": row.acquisition_channel,
            "acquired_from": row.acquired_from,
            "acquired_on": row.acquired_on.isoformat() if row.acquired_on else None,
            "condition": row.condition,
            "status": row.status,
            "flags": sorted(selectors.row_flags(row)),
            "eligibility": {"eligible": row.eligible, "path": row.path, "reasons": row.reasons},
            "created_at": API_TIME.to_representation(row.created_at),
        }


class RegistrationInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField(
        required=False, help_text="Organisation id; required for partners and staff."
    )
    vendor = serializers.SlugRelatedField(slug_field="slug", queryset=Vendor.objects.all())
    serial_number = serializers.CharField(max_length=64)
    product = serializers.CharField(max_length=100, help_text="The product model, e.g. ACX2200.")
    acquisition_channel = serializers.ChoiceField(choices=AcquisitionChannel.choices)
    acquired_from = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    acquired_on = serializers.DateField(required=False, allow_null=True, default=None)
    condition = serializers.ChoiceField(choices=Condition.choices, required=False, default=Condition.WORKING)


class RegistrationListCreateApi(generics.ListCreateAPIView):
    serializer_class = RegistrationOutputSerializer
    filterset_class = RegistrationFilter
    pagination_class = NewestFirstPagination
    queryset = Registration.objects.none()  # the schema's; callers get what they may see

    def keyset_partition(self) -> tuple[str, list[int]] | None:
        return reach_partition(self.request.user, "organization_id")  # type: ignore[arg-type]

    keyset_columns = selectors.REGISTRATION_ROW  # each page read as rows (common.api.NewestFirstPagination)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.registration_rows(user=self.request.user)

    @extend_schema(request=RegistrationInputSerializer, responses={201: RegistrationOutputSerializer})
    @idempotent
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        action_require(request.user, "registration_create")  # the role first: a 403, not a 404
        serializer = RegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = selectors.customer_for(user=request.user, customer_id=data.pop("customer", None))
        registration = services.registration_create(organization=organization, user=request.user, **data)
        registration = selectors.registration_get(user=request.user, pk=registration.pk)
        return Response(RegistrationOutputSerializer(registration).data, status=status.HTTP_201_CREATED)


class RegistrationDetailApi(generics.RetrieveAPIView):
    serializer_class = RegistrationOutputSerializer
    queryset = Registration.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.registration_list(user=self.request.user)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    already_registered = serializers.IntegerField()
    rejected = serializers.ListField(child=serializers.DictField())


class RegistrationImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class ImportInputSerializer(serializers.Serializer):
        file = serializers.FileField()
        customer = serializers.IntegerField(required=False)

    @extend_schema(request=ImportInputSerializer, responses={200: ImportResultSerializer})
    @idempotent
    def post(self, request: Request) -> Response:
        action_require(request.user, "registration_create")  # the role first: a 403, not a 404
        serializer = self.ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = selectors.customer_for(
            user=request.user, customer_id=serializer.validated_data.get("customer")
        )
        upload = serializer.validated_data["file"]
        rows = imports.rows_read(content=upload.read(), filename=upload.name)
        result = imports.registrations_import(organization=organization, user=request.user, rows=rows)
        return Response(result.as_dict(), status=status.HTTP_200_OK)


class HoldOutputSerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor.slug")
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = ComplianceHold
        fields = [
            "id",
            "vendor",
            "serial_number",
            "reason",
            "placed_at",
            "active",
            "released_at",
            "release_note",
        ]


class HoldListCreateApi(generics.ListCreateAPIView):
    serializer_class = HoldOutputSerializer
    permission_classes = [IsProgrammeStaff]
    queryset = ComplianceHold.objects.none()

    class HoldInputSerializer(serializers.Serializer):
        vendor = serializers.SlugRelatedField(slug_field="slug", queryset=Vendor.objects.all())
        serial_number = serializers.CharField(max_length=64)
        reason = serializers.CharField(max_length=2000)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.hold_list(active_only=self.request.query_params.get("active") != "false")

    @extend_schema(request=HoldInputSerializer, responses={201: HoldOutputSerializer})
    @idempotent
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.HoldInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = services.hold_place(user=request.user, **serializer.validated_data)
        return Response(HoldOutputSerializer(hold).data, status=status.HTTP_201_CREATED)


class HoldReleaseApi(APIView):
    permission_classes = [IsProgrammeStaff]

    class HoldReleaseInputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=2000)

    @extend_schema(request=HoldReleaseInputSerializer, responses={200: HoldOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        hold = get_object_or_404(ComplianceHold, pk=pk)
        serializer = self.HoldReleaseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = services.hold_release(hold=hold, note=serializer.validated_data["note"], user=request.user)
        return Response(HoldOutputSerializer(hold).data)


class FlagApi(APIView):
    permission_classes = [IsProgrammeStaff]

    class FlagInputSerializer(serializers.Serializer):
        flag = serializers.ChoiceField(choices=Flag.choices)
        note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
        action = serializers.ChoiceField(choices=["set", "clear"], required=False, default="set")

    @extend_schema(request=FlagInputSerializer, responses={200: RegistrationOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        registration = selectors.registration_get(user=request.user, pk=pk)
        serializer = self.FlagInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.equipment_flag_set(
            equipment=registration.equipment,
            flag=data["flag"],
            note=data["note"],
            user=request.user,
            value=data["action"] == "set",
        )
        registration = selectors.registration_get(user=request.user, pk=pk)
        return Response(RegistrationOutputSerializer(registration).data)


class OwnershipSettleApi(APIView):
    permission_classes = [IsProgrammeStaff]

    class OwnershipSettleInputSerializer(serializers.Serializer):
        organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
        note = serializers.CharField(max_length=2000)

    @extend_schema(request=OwnershipSettleInputSerializer, responses={200: RegistrationOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        registration = selectors.registration_get(user=request.user, pk=pk)
        serializer = self.OwnershipSettleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.ownership_settle(
            equipment=registration.equipment, user=request.user, **serializer.validated_data
        )
        registration = selectors.registration_get(user=request.user, pk=pk)
        return Response(RegistrationOutputSerializer(registration).data)
