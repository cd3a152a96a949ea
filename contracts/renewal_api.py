"""API: renewal quotes of service contracts (quoted by the owner's partner or staff, ordered by
the owner or its partner, approved by staff)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.idempotency import idempotent
from contracts.models import Contract, RenewalQuote, RenewalQuoteLine
from contracts.services import renewals


class RenewalQuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RenewalQuoteLine
        fields = [
            "kind",
            "sku",
            "description",
            "serial_number",
            "days",
            "unit_price",
            "amount",
            "sku_revision",
        ]


class RenewalQuoteOutputSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.number")
    lines = RenewalQuoteLineSerializer(many=True)

    class Meta:
        model = RenewalQuote
        fields = [
            "id",
            "number",
            "contract",
            "status",
            "currency",
            "lines",
            "total",
            "renewal_date",
            "old_ends_on",
            "starts_on",
            "ends_on",
            "lapsed_days",
            "valid_until",
            "po_number",
            "ordered_at",
            "approved_at",
        ]


def _renewal_quote(user, pk: int) -> RenewalQuote:  # type: ignore[no-untyped-def]
    quote = (
        RenewalQuote.objects.visible_to(user)
        .select_related("contract")
        .prefetch_related("lines")
        .filter(pk=pk)
        .first()
    )
    if quote is None:
        raise Http404
    return quote


def _answer(quote: RenewalQuote, code: int = status.HTTP_200_OK) -> Response:
    return Response(RenewalQuoteOutputSerializer(_renewal_quote_fresh(quote)).data, status=code)


def _renewal_quote_fresh(quote: RenewalQuote) -> RenewalQuote:
    return RenewalQuote.objects.select_related("contract").prefetch_related("lines").get(pk=quote.pk)


class RenewalQuoteIssueApi(APIView):
    @extend_schema(request=None, responses={201: RenewalQuoteOutputSerializer})
    @idempotent
    def post(self, request: Request, number: str) -> Response:
        contract = Contract.objects.visible_to(request.user).filter(number__iexact=number).first()
        if contract is None:
            raise Http404
        quote = renewals.renewal_quote_issue(contract=contract, user=request.user)
        return _answer(quote, status.HTTP_201_CREATED)


class RenewalQuoteDetailApi(APIView):
    @extend_schema(responses={200: RenewalQuoteOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(RenewalQuoteOutputSerializer(_renewal_quote(request.user, pk)).data)


class RenewalQuoteOrderApi(APIView):
    class RenewalOrderInputSerializer(serializers.Serializer):
        po_number = serializers.CharField(max_length=200, trim_whitespace=False)
        amount = serializers.CharField(
            max_length=40, help_text='The quote\'s total, as a decimal string: "580.67".'
        )

    @extend_schema(request=RenewalOrderInputSerializer, responses={200: RenewalQuoteOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        quote = _renewal_quote(request.user, pk)
        serializer = self.RenewalOrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        quote = renewals.renewal_quote_order(
            quote=quote,
            user=request.user,
            po_number=serializer.validated_data["po_number"],
            amount=serializer.validated_data["amount"],
        )
        return _answer(quote)


class RenewalQuoteApproveApi(APIView):
    @extend_schema(request=None, responses={200: RenewalQuoteOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        quote = renewals.renewal_quote_approve(quote=_renewal_quote(request.user, pk), user=request.user)
        return _answer(quote)
