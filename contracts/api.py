"""API: the price book's SKUs (everyone signed in reads; programme staff write)."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import StaffWritesSignedInReads
from contracts import selectors, services
from contracts.choices import SkuKind
from contracts.filters import SkuFilter
from contracts.models import Sku
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
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = SkuInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sku = services.sku_create(**serializer.validated_data)
        return Response(SkuOutputSerializer(sku).data, status=status.HTTP_201_CREATED)
