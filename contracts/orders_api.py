"""API: purchase orders (the customer or its partner), approval (staff), and service contracts
(read by their owner, its partner and staff; found by number, serial or sales order)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.idempotency import idempotent
from contracts.models import Contract, ContractEvent, ContractLine, PurchaseOrder
from contracts.services import orders
from contracts.services.contracts import contract_site_correct
from relicensing import selectors as request_selectors
from relicensing.serials import serial_normalise


class PurchaseOrderOutputSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(source="request_id")
    quote = serializers.IntegerField(source="quote_id")
    document = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "request",
            "quote",
            "po_number",
            "amount",
            "currency",
            "status",
            "sales_order",
            "received_at",
            "document",
        ]

    def get_document(self, order: PurchaseOrder) -> str | None:
        return order.document_name or None


class PurchaseOrderApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class PurchaseOrderInputSerializer(serializers.Serializer):
        po_number = serializers.CharField(max_length=200, trim_whitespace=False)
        amount = serializers.CharField(
            max_length=40, help_text='The final total, as a decimal string: "4437.00".'
        )
        document = serializers.FileField(
            required=False, help_text="The order as a PDF, PNG or JPEG, at most 10 MB."
        )

    @extend_schema(request=PurchaseOrderInputSerializer, responses={201: PurchaseOrderOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        target = request_selectors.request_get(user=request.user, pk=pk)
        serializer = self.PurchaseOrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = orders.purchase_order_receive(
            request=target,
            user=request.user,
            po_number=serializer.validated_data["po_number"],
            amount=serializer.validated_data["amount"],
            document=serializer.validated_data.get("document"),
        )
        return Response(PurchaseOrderOutputSerializer(order).data, status=status.HTTP_201_CREATED)


class ApprovalOutputSerializer(serializers.Serializer):
    approvals = serializers.IntegerField(help_text="Approvals given so far.")
    approvals_needed = serializers.IntegerField(help_text="Two above the vendor's amount, else one.")


class ApproveApi(APIView):
    @extend_schema(request=None, responses={202: ApprovalOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        target = request_selectors.request_get(user=request.user, pk=pk)
        state = orders.request_approve(request=target, user=request.user)
        return Response(
            {"approvals": state.approvals, "approvals_needed": state.approvals_needed},
            status=status.HTTP_202_ACCEPTED,
        )


# --- contracts ----------------------------------------------------------------------------
class ContractLineSerializer(serializers.ModelSerializer):
    serial_number = serializers.CharField(source="equipment.serial_number")
    product = serializers.CharField(source="equipment.model_name")

    class Meta:
        model = ContractLine
        fields = ["serial_number", "product"]


class ContractEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ContractEvent
        fields = ["kind", "at", "actor", "note"]

    def get_actor(self, event: ContractEvent) -> str | None:
        return event.actor.display_name if event.actor else None


class ContractOutputSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id")
    owner_name = serializers.CharField(source="owner.name")
    request = serializers.IntegerField(source="request_id", allow_null=True)
    site = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    lines = ContractLineSerializer(many=True)
    history = ContractEventSerializer(source="events", many=True)

    class Meta:
        model = Contract
        fields = [
            "number",
            "owner",
            "owner_name",
            "request",
            "site",
            "starts_on",
            "ends_on",
            "status",
            "sales_order",
            "lines",
            "history",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                k: {"type": "string"}
                for k in ("name", "address", "country", "contact_name", "contact_email", "contact_phone")
            },
        }
    )
    def get_site(self, contract: Contract) -> dict[str, Any]:
        return {
            "name": contract.site_name,
            "address": contract.site_address,
            "country": contract.site_country,
            "contact_name": contract.contact_name,
            "contact_email": contract.contact_email,
            "contact_phone": contract.contact_phone,
        }

    @extend_schema_field(serializers.ChoiceField(choices=["active", "expired", "future"]))
    def get_status(self, contract: Contract) -> str:
        return contract.status_on(timezone.localdate())


def contracts_visible(user: Any) -> QuerySet[Contract]:
    return (
        Contract.objects.visible_to(user)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ContractLine.objects.select_related("equipment__product").order_by(
                    "equipment__serial_number"
                ),
            ),
            Prefetch("events", queryset=ContractEvent.objects.select_related("actor")),
        )
        .order_by("-starts_on", "number")
    )


@extend_schema(
    parameters=[
        OpenApiParameter("contract_number", str, description="Exactly this contract number."),
        OpenApiParameter("serial_number", str, description="Contracts with this serial on their inventory."),
        OpenApiParameter("sales_order", str, description="The contract from this sales order."),
    ]
)
class ContractListApi(generics.ListAPIView):
    serializer_class = ContractOutputSerializer

    def get_queryset(self) -> QuerySet[Contract]:
        contracts = contracts_visible(self.request.user)
        params = self.request.query_params
        if number := params.get("contract_number", "").strip():
            contracts = contracts.filter(number__iexact=number)
        if serial := params.get("serial_number", "").strip():
            contracts = contracts.filter(lines__equipment__serial_number=serial_normalise(serial)).distinct()
        if sales_order := params.get("sales_order", "").strip():
            contracts = contracts.filter(sales_order__iexact=sales_order)
        return contracts


class ContractDetailApi(APIView):
    class SiteCorrectionSerializer(serializers.Serializer):
        site = serializers.DictField(
            child=serializers.CharField(allow_blank=True, trim_whitespace=False),
            help_text="Any of name, address, country, contact_name, contact_email, contact_phone; "
            "the fields left out keep their value.",
        )
        reason = serializers.CharField(
            max_length=2000, help_text="Why the site or contact changes; kept in the contract's history."
        )

    def _contract(self, request: Request, number: str) -> Contract:
        contract = contracts_visible(request.user).filter(number__iexact=number).first()
        if contract is None:
            raise Http404
        return contract

    @extend_schema(responses={200: ContractOutputSerializer})
    def get(self, request: Request, number: str) -> Response:
        return Response(ContractOutputSerializer(self._contract(request, number)).data)

    @extend_schema(request=SiteCorrectionSerializer, responses={200: ContractOutputSerializer})
    def patch(self, request: Request, number: str) -> Response:
        """The owner or its partner corrects the install site and contact (in the history)."""
        contract = self._contract(request, number)
        serializer = self.SiteCorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract_site_correct(
            contract=contract,
            user=request.user,
            site=serializer.validated_data["site"],
            reason=serializer.validated_data["reason"],
        )
        return Response(ContractOutputSerializer(self._contract(request, number)).data)
