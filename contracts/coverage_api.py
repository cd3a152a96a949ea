"""API: the bulk coverage check (anyone signed in, for their own reach), RMA swaps on a contract
(staff) and returning a donated unit for take-back (its registering customer). Thin: the rules are
in contracts.coverage and contracts.services."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.idempotency import idempotent
from contracts.coverage import COVERAGE_CHECK_MAX, coverage_check
from contracts.models import Contract
from contracts.orders_api import ContractOutputSerializer, contracts_visible
from contracts.services.rma import contract_rma_swap
from contracts.services.takeback import equipment_take_back
from relicensing import selectors as relicensing_selectors
from relicensing.models import Vendor


class CoverageOutputSerializer(serializers.Serializer):
    serial_number = serializers.CharField(
        help_text="Normalised: Unicode NFKC, spaces and invisible characters removed, upper-cased."
    )
    covered = serializers.BooleanField(help_text="A contract in your reach covers it today.")
    contract = serializers.CharField(
        allow_null=True, help_text="That contract's number; null when not covered."
    )
    ends_on = serializers.DateField(allow_null=True, help_text="Covered until this day, included.")


class CoverageCheckApi(APIView):
    class CoverageCheckInputSerializer(serializers.Serializer):
        vendor = serializers.SlugRelatedField(slug_field="slug", queryset=Vendor.objects.all())
        serial_numbers = serializers.ListField(
            child=serializers.CharField(max_length=200, allow_blank=True),
            allow_empty=False,
            max_length=COVERAGE_CHECK_MAX,
            help_text=f"At most {COVERAGE_CHECK_MAX:,}; repeats are answered once.",
        )

    @extend_schema(request=CoverageCheckInputSerializer, responses={200: CoverageOutputSerializer(many=True)})
    @idempotent  # a read, but a POST: a retry with its key gets the first answer, as every POST does
    def post(self, request: Request) -> Response:
        serializer = self.CoverageCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answers = coverage_check(
            user=request.user,
            vendor=serializer.validated_data["vendor"],
            serial_numbers=serializer.validated_data["serial_numbers"],
        )
        return Response(CoverageOutputSerializer(answers, many=True).data)


class ContractRmaApi(APIView):
    class RmaSwapInputSerializer(serializers.Serializer):
        returned_serial = serializers.CharField(max_length=200)
        replacement_serial = serializers.CharField(max_length=200)
        replacement_product = serializers.CharField(
            max_length=100,
            required=False,
            default="",
            help_text="The replacement's model as shipped, when the programme does not know the unit yet.",
        )

    @extend_schema(request=RmaSwapInputSerializer, responses={200: ContractOutputSerializer})
    @idempotent
    def post(self, request: Request, number: str) -> Response:
        contract = Contract.objects.visible_to(request.user).filter(number__iexact=number).first()
        if contract is None:
            raise Http404
        serializer = self.RmaSwapInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract_rma_swap(
            contract=contract,
            user=request.user,
            returned_serial=data["returned_serial"],
            replacement_serial=data["replacement_serial"],
            replacement_product=data["replacement_product"],
        )
        return Response(ContractOutputSerializer(contracts_visible(request.user).get(pk=contract.pk)).data)


class TakeBackOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The registration.")
    serial_number = serializers.CharField()
    retired = serializers.CharField(help_text='"taken_back"')
    retired_at = serializers.DateTimeField()


class EquipmentTakeBackApi(APIView):
    @extend_schema(request=None, responses={200: TakeBackOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        registration = relicensing_selectors.registration_get(user=request.user, pk=pk)
        unit = equipment_take_back(registration=registration, user=request.user)
        return Response(
            TakeBackOutputSerializer(
                {
                    "id": registration.pk,
                    "serial_number": unit.serial_number,
                    "retired": unit.retired,
                    "retired_at": unit.retired_at,
                }
            ).data
        )
