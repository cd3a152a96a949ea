"""API: the price book's SKUs (everyone signed in reads; programme staff write) and quotes
(issued by the customer's partner or staff, accepted by the customer or its partner)."""

from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import StaffWritesSignedInReads
from common.idempotency import idempotent
from contracts import selectors
from contracts.choices import SkuKind
from contracts.filters import SkuFilter
from contracts.models import Quote, QuoteLine, Sku
from contracts.pdf import quote_pdf_stored
from contracts.services import price_book as services
from contracts.services import quotes
from relicensing import selectors as request_selectors
from relicensing.models import Product, Vendor


class SkuOutputSerializer(serializers.ModelSerializer):
    vendor = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    products = serializers.SerializerMethodField()

    class Meta:
        model = Sku
        fields = [
            "code",
            "kind",
            "description",
            "vendor",
            "price",
            "currency",
            "products",
            "non_refundable",
        ]

    def get_products(self, sku: Sku) -> list[str]:
        return sorted(product.model for product in sku.products.all())


class SkuInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=SkuKind.choices)
    description = serializers.CharField(max_length=255)
    vendor = serializers.SlugRelatedField(slug_field="slug", queryset=Vendor.objects.all())
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, default="USD")
    products = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    non_refundable = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Turn product models into products of the SKU's vendor (400 naming any unknown)."""
        models = attrs["products"]
        vendor = attrs["vendor"]
        products = {p.model: p for p in Product.objects.filter(vendor=vendor, model__in=models)}
        unknown = [m for m in models if m not in products]
        if unknown:
            raise serializers.ValidationError(
                {"products": [f"{vendor.name} has no product model {m}." for m in unknown]}
            )
        attrs["products"] = [products[m] for m in dict.fromkeys(models)]
        return attrs


class SkuListCreateApi(generics.ListCreateAPIView):
    serializer_class = SkuOutputSerializer
    permission_classes = [StaffWritesSignedInReads]
    filterset_class = SkuFilter
    queryset = selectors.sku_list()

    @extend_schema(request=SkuInputSerializer, responses={201: SkuOutputSerializer})
    @idempotent
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = SkuInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sku = services.sku_create(user=request.user, **serializer.validated_data)
        return Response(SkuOutputSerializer(sku).data, status=status.HTTP_201_CREATED)


class QuoteLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuoteLine
        fields = [
            "sku",
            "kind",
            "description",
            "serial_number",
            "quantity",
            "unit_price",
            "amount",
            "non_refundable",
            "sku_revision",
        ]


class QuoteIssuerSerializer(serializers.Serializer):
    """Who the quote is from: the partner, or the programme operator when staff issued it."""

    organization = serializers.IntegerField(source="organization_id", allow_null=True)
    name = serializers.CharField()
    address = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 alpha-2 code; empty when not on record.")
    country_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    issued_by = serializers.CharField(source="person", help_text="The person who issued the quote.")


class QuoteOutputSerializer(serializers.ModelSerializer):
    lines = QuoteLineSerializer(many=True)
    issuer = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "number",
            "request",
            "revision",
            "status",
            "currency",
            "lines",
            "total",
            "valid_until",
            "issued_at",
            "issuer",
            "reference",
            "note",
            "accepted_at",
        ]

    @extend_schema_field(QuoteIssuerSerializer)
    def get_issuer(self, quote: Quote) -> dict[str, Any]:
        return QuoteIssuerSerializer(selectors.issuer_of(quote)).data


class QuoteIssueApi(APIView):
    class AddonSerializer(serializers.Serializer):
        equipment = serializers.IntegerField()
        sku = serializers.CharField(max_length=64)
        quantity = serializers.IntegerField(min_value=1, max_value=10_000, default=1)

    class QuoteIssueInputSerializer(serializers.Serializer):
        addons = serializers.ListField(
            child=serializers.DictField(), required=False, default=list, max_length=500
        )
        # Lengths and characters are quote_issue's rule (one place for the API and the builder).
        reference = serializers.CharField(
            required=False,
            default="",
            allow_blank=True,
            trim_whitespace=False,
            help_text=f"The issuer's own reference, one line of at most {quotes.REFERENCE_MAX_LENGTH} "
            "characters; printed on the quote.",
        )
        note = serializers.CharField(
            required=False,
            default="",
            allow_blank=True,
            trim_whitespace=False,
            help_text=f"A note to the customer, plain text of at most {quotes.NOTE_MAX_LENGTH} characters; "
            "shown on the quote page and PDF. Prices are not affected.",
        )

    @extend_schema(request=QuoteIssueInputSerializer, responses={201: QuoteOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        target = request_selectors.request_get(user=request.user, pk=pk)
        serializer = self.QuoteIssueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        addons = self.AddonSerializer(data=serializer.validated_data["addons"], many=True)
        addons.is_valid(raise_exception=True)
        quote = quotes.quote_issue(
            request=target,
            user=request.user,
            addons=addons.validated_data,
            reference=serializer.validated_data["reference"],
            note=serializer.validated_data["note"],
        )
        return Response(
            QuoteOutputSerializer(selectors.quote_get(user=request.user, pk=quote.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class QuoteDetailApi(APIView):
    @extend_schema(responses={200: QuoteOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(QuoteOutputSerializer(selectors.quote_get(user=request.user, pk=pk)).data)


class QuoteAcceptApi(APIView):
    @extend_schema(request=None, responses={200: QuoteOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        quote = selectors.quote_get(user=request.user, pk=pk)
        quotes.quote_accept(quote=quote, user=request.user)
        return Response(QuoteOutputSerializer(selectors.quote_get(user=request.user, pk=pk)).data)


class QuotePdfApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, pk: int) -> HttpResponse:
        quote = selectors.quote_get(user=request.user, pk=pk)
        response = HttpResponse(quote_pdf_stored(quote), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{quote.number}.pdf"'
        return response
