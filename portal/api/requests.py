"""API: relicensing requests (open, list, read with timeline, cancel, reject). An answer names
the request's current quote, inspection and contract, gathered from those areas; every rule
lives in the services."""

import datetime as dt
from typing import Any

from django_countries import countries
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request as HttpRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import action_require
from accounts.visibility import reach_partition
from common.api import API_TIME, NewestFirstPagination
from common.idempotency import idempotent
from portal import selectors as portal_selectors
from relicensing import selectors
from relicensing.api.documents import DocumentOutputSerializer
from relicensing.models import Request
from relicensing.services import requests as services


class SiteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    address = serializers.CharField(max_length=500)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166 alpha-2, e.g. GB.")
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField()
    contact_phone = serializers.CharField(max_length=40)

    def validate_country(self, value: str) -> str:
        if value.upper() not in countries:
            raise serializers.ValidationError(f"{value} is not an ISO 3166 country code.")
        return value.upper()


class RequestItemSerializer(serializers.Serializer):
    equipment = serializers.IntegerField()
    serial_number = serializers.CharField()
    product = serializers.CharField(allow_null=True)
    outcome = serializers.ChoiceField(choices=["pending", "passed", "failed"])


class TransitionSerializer(serializers.Serializer):
    """One step of the timeline: a status change (`kind: "transition"`), or a message of the
    conversation (`kind: "message"`, with `from` and `to` null and `message`, `body`, `internal`)."""

    kind = serializers.ChoiceField(choices=["transition", "message"])
    from_status = serializers.CharField(allow_null=True)
    to = serializers.CharField(allow_null=True)
    actor = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    reason = serializers.CharField()
    message = serializers.IntegerField(required=False, help_text="The message's id (messages only).")
    body = serializers.CharField(required=False, help_text="The message's text (messages only).")
    internal = serializers.BooleanField(required=False, help_text="Staff-only note (messages only).")

    def get_fields(self):  # type: ignore[no-untyped-def]
        fields = super().get_fields()
        fields["from"] = fields.pop("from_status")  # `from` is a keyword in Python
        return fields


class QuoteSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    valid_until = serializers.DateField()


class RequestOutputSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    vendor = serializers.CharField(source="vendor.slug")
    site = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()
    quote = serializers.SerializerMethodField()
    inspection = serializers.SerializerMethodField()
    contract = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "vendor",
            "site",
            "preferred_inspection_date",
            "items",
            "quote",
            "inspection",
            "contract",
            "rejection_reason",
            "created_at",
        ]

    @extend_schema_field(SiteSerializer)
    def get_site(self, request: Request) -> dict[str, str]:
        return {
            "name": request.site_name,
            "address": request.site_address,
            "country": request.site_country,
            "contact_name": request.contact_name,
            "contact_email": request.contact_email,
            "contact_phone": request.contact_phone,
        }

    # The methods below read what portal.selectors.request_answers puts on each request.
    @extend_schema_field(RequestItemSerializer(many=True))
    def get_items(self, request: Request) -> list[dict[str, object]]:
        # Built in the database (portal.selectors.requests_answered); jsonb keeps no key order, so
        # the keys are put back in the documented one.
        return [
            {
                "equipment": item["equipment"],
                "serial_number": item["serial_number"],
                "product": item["product"],
                "outcome": item["outcome"],
            }
            for item in request.chassis or ()  # type: ignore[attr-defined]
        ]

    def get_quote(self, request: Request) -> int | None:
        return request.current_quote_id  # type: ignore[attr-defined]

    def get_inspection(self, request: Request) -> int | None:
        return request.inspection_pk  # type: ignore[attr-defined]

    def get_contract(self, request: Request) -> str | None:
        return request.contract_number  # type: ignore[attr-defined]

    def to_representation(self, instance: Any) -> dict[str, object]:
        # A request read by portal.selectors.request_answers, or (the list's pages) a row of
        # its REQUEST_ROW, which names the same attributes. A partner's integration lists requests
        # 50 at a time; DRF's field-by-field walk, and a request object per line, cost more than
        # the page's queries. The fields declared above still describe the answer (the schema);
        # tests/relicensing/test_requests_api_shape.py holds this to them, key by key.
        return {
            "id": instance.pk,
            "number": instance.number,
            "status": instance.status,
            "customer": instance.customer_id,
            "vendor": instance.vendor_slug,  # type: ignore[attr-defined]
            "site": self.get_site(instance),
            "preferred_inspection_date": _day(instance.preferred_inspection_date),
            "items": self.get_items(instance),
            "quote": self.get_quote(instance),
            "inspection": self.get_inspection(instance),
            "contract": self.get_contract(instance),
            "rejection_reason": instance.rejection_reason,
            "created_at": API_TIME.to_representation(instance.created_at),
        }


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


class RequestDetailSerializer(RequestOutputSerializer):
    timeline = serializers.SerializerMethodField()
    documents = DocumentOutputSerializer(many=True)
    quotes = serializers.SerializerMethodField()

    class Meta(RequestOutputSerializer.Meta):
        fields = [*RequestOutputSerializer.Meta.fields, "timeline", "documents", "quotes"]

    def to_representation(self, instance: Request) -> dict[str, object]:
        return {
            **super().to_representation(instance),
            "timeline": self.get_timeline(instance),
            "documents": self.fields["documents"].to_representation(instance.documents.all()),
            "quotes": self.get_quotes(instance),
        }

    @extend_schema_field(TransitionSerializer(many=True))
    def get_timeline(self, request: Request) -> list[dict[str, object]]:
        steps: list[dict[str, object]] = [
            {
                "kind": "transition",
                "from": t.from_status or None,
                "to": t.to_status,
                "actor": t.actor.username if t.actor else None,
                "at": t.at,
                "reason": t.reason,
            }
            for t in request.transitions.all()
        ]
        steps += [
            {
                "kind": "message",
                "from": None,
                "to": None,
                "actor": m.author.username,
                "at": m.at,
                "reason": "",
                "message": m.pk,
                "body": m.body,
                "internal": m.internal,
            }
            for m in getattr(request, "timeline_messages", [])
        ]
        steps.sort(key=lambda step: step["at"])  # type: ignore[arg-type,return-value]
        return [{**step, "at": step["at"].isoformat()} for step in steps]  # type: ignore[attr-defined]

    @extend_schema_field(QuoteSummarySerializer(many=True))
    def get_quotes(self, request: Request) -> list[dict[str, object]]:
        return [
            {
                "id": q.pk,
                "number": q.number,
                "status": q.status,
                "total": f"{q.total:.2f}",
                "valid_until": q.valid_until,
            }
            for q in request.quotes.all()
        ]


class RequestInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField(required=False, help_text="Required when a partner calls.")
    site = SiteSerializer()
    equipment = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=500)
    preferred_inspection_date = serializers.DateField()


class RequestListCreateApi(generics.ListAPIView):
    serializer_class = RequestOutputSerializer
    queryset = Request.objects.none()
    filterset_fields = ["status"]
    pagination_class = NewestFirstPagination
    keyset_columns = portal_selectors.REQUEST_ROW  # each page read as rows (common.api.NewestFirstPagination)

    def keyset_partition(self) -> tuple[str, list[int]] | None:
        return reach_partition(self.request.user, "customer_id")  # type: ignore[arg-type]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return portal_selectors.request_answers(user=self.request.user)

    @extend_schema(request=RequestInputSerializer, responses={201: RequestDetailSerializer})
    @idempotent
    def post(self, request: HttpRequest) -> Response:
        action_require(request.user, "request_open")  # before validating: a 403, not a 400
        serializer = RequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = selectors.customer_for(user=request.user, customer_id=data.get("customer"))
        created = services.request_create(
            customer=customer,
            user=request.user,
            site=data["site"],
            equipment=data["equipment"],
            preferred_inspection_date=data["preferred_inspection_date"],
        )
        return Response(
            RequestDetailSerializer(portal_selectors.request_detail(user=request.user, pk=created.pk)).data,
            status=201,
        )


class RequestDetailApi(APIView):
    @extend_schema(responses={200: RequestDetailSerializer})
    def get(self, request: HttpRequest, pk: int) -> Response:
        return Response(
            RequestDetailSerializer(portal_selectors.request_detail(user=request.user, pk=pk)).data
        )


class RequestCancelApi(APIView):
    class RequestCancelInputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)

    @extend_schema(request=RequestCancelInputSerializer, responses={200: RequestDetailSerializer})
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        target = selectors.request_get(user=request.user, pk=pk)
        serializer = self.RequestCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_cancel(request=target, user=request.user, reason=serializer.validated_data["reason"])
        return Response(
            RequestDetailSerializer(portal_selectors.request_detail(user=request.user, pk=pk)).data
        )


class RequestRejectApi(APIView):
    """Staff only; someone who cannot see the request gets a 404 first (API.md Conventions)."""

    class RequestRejectInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(request=RequestRejectInputSerializer, responses={200: RequestDetailSerializer})
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        target = selectors.request_get(user=request.user, pk=pk)
        action_require(request.user, "request_reject", target)
        serializer = self.RequestRejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.request_reject(request=target, user=request.user, reason=serializer.validated_data["reason"])
        return Response(
            RequestDetailSerializer(portal_selectors.request_detail(user=request.user, pk=pk)).data
        )
