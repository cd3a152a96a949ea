"""API: inspections (one visit per request): list and read with chassis, results, photos and
timeline; staff book, the customer or its partner move, the assigned inspector or staff record
results and photos, staff correct. Thin: every rule is in inspections.services, every read in
inspections.selectors; who may act is asked of accounts.permissions before the input is read, so
a role that may not act gets 403 rather than a 400 about its input."""

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request as HttpRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import action_require
from common.idempotency import idempotent
from inspections import selectors
from inspections.choices import InspectionStatus
from inspections.models import Inspection, InspectionLine, InspectionPhoto, InspectionResult
from inspections.services import results as result_services
from inspections.services import visits as visit_services
from relicensing.choices import ItemOutcome


# --- answers --------------------------------------------------------------------------------
class InspectionSiteSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 alpha-2, e.g. GB.")


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="What an answer in `checklist` is keyed by.")
    text = serializers.CharField()
    required = serializers.BooleanField(help_text="Results leaving it unanswered are refused.")


class InspectionResultOutputSerializer(serializers.ModelSerializer):
    checklist = serializers.DictField(
        source="answers", child=serializers.BooleanField(), help_text="Checklist item key -> yes/no."
    )
    recorded_by = serializers.IntegerField(source="recorded_by_id", help_text="The user who recorded it.")
    recorded_by_name = serializers.CharField(source="recorded_by.display_name")
    corrects = serializers.IntegerField(
        source="corrects_id", allow_null=True, help_text="The result this one corrects (null: the original)."
    )

    class Meta:
        model = InspectionResult
        fields = [
            "id",
            "passed",
            "checklist",
            "notes",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
            "corrects",
            "reason",
        ]


class InspectionPhotoOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, photo: InspectionPhoto) -> str:
        return reverse("api-inspection-photo", args=[photo.line.inspection_id, photo.pk])


class InspectionLineOutputSerializer(serializers.ModelSerializer):
    outcome = serializers.ChoiceField(choices=ItemOutcome.values)
    results = InspectionResultOutputSerializer(
        many=True, help_text="Every result of the chassis, oldest first: corrections after what they correct."
    )
    photos = InspectionPhotoOutputSerializer(many=True)

    class Meta:
        model = InspectionLine
        fields = ["serial_number", "outcome", "results", "photos"]


class InspectionTimelineEntrySerializer(serializers.Serializer):
    from_status = serializers.CharField(allow_null=True)
    to = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text="Username; null when the system moved it.")
    at = serializers.DateTimeField()
    reason = serializers.CharField(help_text="A move names the old and the new date.")

    def get_fields(self):  # type: ignore[no-untyped-def]
        fields = super().get_fields()
        fields["from"] = fields.pop("from_status")  # `from` is a keyword in Python
        return fields


class InspectionOutputSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(source="request_id")
    request_number = serializers.CharField(source="request.number")
    status = serializers.ChoiceField(choices=InspectionStatus.choices)
    site = serializers.SerializerMethodField()
    inspector = serializers.IntegerField(source="inspector_id", allow_null=True, help_text="A user id.")
    inspector_name = serializers.SerializerMethodField()
    reschedules = serializers.IntegerField(help_text="Times the customer or its partner moved the visit.")
    reschedules_left = serializers.SerializerMethodField()
    checklist_version = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    lines = InspectionLineOutputSerializer(many=True)
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "request",
            "request_number",
            "status",
            "site",
            "date",
            "inspector",
            "inspector_name",
            "reschedules",
            "reschedules_left",
            "checklist_version",
            "checklist",
            "lines",
            "completed_at",
            "timeline",
        ]

    @extend_schema_field(InspectionSiteSerializer)
    def get_site(self, inspection: Inspection) -> dict[str, str]:
        request = inspection.request
        return {"name": request.site_name, "address": request.site_address, "country": request.site_country}

    def get_inspector_name(self, inspection: Inspection) -> str | None:
        return inspection.inspector.display_name if inspection.inspector else None

    def get_reschedules_left(self, inspection: Inspection) -> int:
        """How many more times the customer or its partner may move the visit (vendor policy)."""
        return max(inspection.request.vendor.max_customer_reschedules - inspection.reschedules, 0)

    def get_checklist_version(self, inspection: Inspection) -> int | None:
        version = inspection.checklist_version
        return version.version if version else None

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, inspection: Inspection) -> list[dict[str, Any]]:
        version = inspection.checklist_version
        return ChecklistItemSerializer(version.items if version else [], many=True).data

    @extend_schema_field(InspectionTimelineEntrySerializer(many=True))
    def get_timeline(self, inspection: Inspection) -> list[dict[str, object]]:
        return [
            {
                "from": t.from_status or None,
                "to": t.to_status,
                "actor": t.actor.username if t.actor else None,
                "at": t.at.isoformat(),
                "reason": t.reason,
            }
            for t in inspection.transitions.all()
        ]


class AvailableDatesSerializer(serializers.Serializer):
    dates = serializers.ListField(child=serializers.DateField())


class InspectionPhotoCreatedSerializer(serializers.ModelSerializer):
    serial_number = serializers.CharField(source="line.serial_number")
    name = serializers.CharField(source="original_name")

    class Meta:
        model = InspectionPhoto
        fields = ["id", "serial_number", "name"]


# --- reads ------------------------------------------------------------------------------------
def _inspection_get(user: User, pk: int, *, contents: bool = False) -> Inspection:
    """One inspection in the caller's reach (with everything its answer carries, when asked);
    404 otherwise, whether it does not exist or is someone else's."""
    inspections = selectors.inspections_visible(user=user)
    try:
        return (selectors.inspections_with_contents(inspections) if contents else inspections).get(pk=pk)
    except (Inspection.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _answer(request: HttpRequest, pk: int, code: int = status.HTTP_200_OK) -> Response:
    """The inspection as it stands now, as the caller sees it."""
    inspection = _inspection_get(request.user, pk, contents=True)
    return Response(InspectionOutputSerializer(inspection).data, status=code)


class InspectionListApi(generics.ListAPIView):
    """Inspections in the caller's reach: the customer's (and its partner's), the inspector's
    own visits, all for staff. `?status=` filters."""

    serializer_class = InspectionOutputSerializer
    queryset = Inspection.objects.none()  # the schema's; callers get what they may see
    filterset_fields = ["status"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.inspections_with_contents(selectors.inspections_visible(user=self.request.user))


class InspectionDetailApi(APIView):
    @extend_schema(responses={200: InspectionOutputSerializer})
    def get(self, request: HttpRequest, pk: int) -> Response:
        return _answer(request, pk)


class InspectionAvailableDatesApi(APIView):
    @extend_schema(
        responses={200: AvailableDatesSerializer},
        description="Business days beyond the lead time on which an inspector who covers the site's "
        "country is free (the visit's own booking does not count against its day; its current date "
        "is left out).",
    )
    def get(self, request: HttpRequest, pk: int) -> Response:
        inspection = _inspection_get(request.user, pk)
        dates = selectors.available_dates(inspection=inspection)
        return Response(AvailableDatesSerializer({"dates": dates}).data)


# --- commands ---------------------------------------------------------------------------------
class InspectionScheduleApi(APIView):
    class InspectionScheduleInputSerializer(serializers.Serializer):
        date = serializers.DateField()
        inspector = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.all(), help_text="The inspector's user id (GET /inspectors/)."
        )

    @extend_schema(
        request=InspectionScheduleInputSerializer,
        responses={200: InspectionOutputSerializer},
        description="Staff book the visit, or book it again. 400 `lead_time` (with `earliest_date`), "
        "`not_a_business_day`, `inspector_unavailable`; 409 `capacity_full`.",
    )
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        inspection = _inspection_get(request.user, pk)
        action_require(request.user, "inspection_schedule", inspection)
        serializer = self.InspectionScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit_services.inspection_schedule(
            inspection=inspection,
            user=request.user,
            date=serializer.validated_data["date"],
            inspector=serializer.validated_data["inspector"],
        )
        return _answer(request, pk)


class InspectionRescheduleApi(APIView):
    class InspectionRescheduleInputSerializer(serializers.Serializer):
        date = serializers.DateField(help_text="One of GET .../available-dates/.")

    @extend_schema(
        request=InspectionRescheduleInputSerializer,
        responses={200: InspectionOutputSerializer},
        description="The customer or its partner move a booked visit. As schedule, plus 400 "
        "`reschedule_cutoff` and `reschedule_limit` (vendor policy).",
    )
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        inspection = _inspection_get(request.user, pk)
        action_require(request.user, "inspection_reschedule", inspection)
        serializer = self.InspectionRescheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit_services.inspection_reschedule(
            inspection=inspection, user=request.user, date=serializer.validated_data["date"]
        )
        return _answer(request, pk)


class ChassisResultInputSerializer(serializers.Serializer):
    """One chassis' result. What is missing (a chassis, `passed`, a required item) is named by the
    service's 400 `results_incomplete`, so these fields are read as given."""

    serial_number = serializers.CharField(max_length=64)
    passed = serializers.BooleanField(required=False, allow_null=True)
    checklist = serializers.DictField(
        child=serializers.BooleanField(allow_null=True),
        required=False,
        default=dict,
        help_text="Checklist item key -> true (yes) / false (no), keys from the inspection's `checklist`.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class InspectionResultsApi(APIView):
    class InspectionResultsInputSerializer(serializers.Serializer):
        results = ChassisResultInputSerializer(many=True, max_length=500)

    @extend_schema(
        request=InspectionResultsInputSerializer,
        responses={200: InspectionOutputSerializer},
        description="The assigned inspector or staff record one result per chassis, all at once, "
        "from the visit's day. Final. 400 `results_incomplete` with `missing`; 409 `visit_not_yet`, "
        "409 `invalid_transition` when already recorded.",
    )
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        inspection = _inspection_get(request.user, pk)
        action_require(request.user, "inspection_results_record", inspection)
        serializer = self.InspectionResultsInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result_services.inspection_results_record(
            inspection=inspection, user=request.user, results=serializer.validated_data["results"]
        )
        return _answer(request, pk)


class InspectionCorrectionApi(APIView):
    class InspectionCorrectionInputSerializer(ChassisResultInputSerializer):
        reason = serializers.CharField(
            max_length=2000, help_text="Why the result is corrected; kept on record."
        )

    @extend_schema(
        request=InspectionCorrectionInputSerializer,
        responses={201: InspectionOutputSerializer},
        description="Staff correct one chassis' result with a reason: a new result that `corrects` "
        "the one in force, which stays on record. The final quote is issued again to match.",
    )
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        inspection = _inspection_get(request.user, pk)
        action_require(request.user, "inspection_result_correct", inspection)
        serializer = self.InspectionCorrectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason")
        result_services.inspection_result_correct(
            inspection=inspection, user=request.user, result=data, reason=reason
        )
        return _answer(request, pk, status.HTTP_201_CREATED)


class InspectionPhotoUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class InspectionPhotoUploadInputSerializer(serializers.Serializer):
        serial_number = serializers.CharField(max_length=64)
        file = serializers.FileField(help_text="PNG or JPEG (by content), at most 10 MB.")

    @extend_schema(
        request=InspectionPhotoUploadInputSerializer, responses={201: InspectionPhotoCreatedSerializer}
    )
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        inspection = _inspection_get(request.user, pk)
        action_require(request.user, "inspection_photo_upload", inspection)
        serializer = self.InspectionPhotoUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        photo = result_services.inspection_photo_add(
            inspection=inspection,
            user=request.user,
            serial_number=serializer.validated_data["serial_number"],
            upload=serializer.validated_data["file"],
        )
        return Response(InspectionPhotoCreatedSerializer(photo).data, status=status.HTTP_201_CREATED)


class InspectionPhotoDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
        inspection = _inspection_get(request.user, pk)
        photo = generics.get_object_or_404(
            InspectionPhoto.objects.filter(line__inspection=inspection), pk=photo_id
        )
        return FileResponse(
            photo.file.open("rb"),
            as_attachment=True,
            filename=photo.original_name,
            content_type=photo.content_type,
        )
