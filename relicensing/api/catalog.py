"""API: vendors and product models (everyone signed in reads; programme staff write)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import StaffWritesSignedInReads
from common.idempotency import idempotent
from relicensing import selectors
from relicensing.filters import ProductFilter
from relicensing.models import Product, Vendor
from relicensing.services import catalog as services


class VendorOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vendor
        fields = [
            "slug",
            "name",
            "inspection_lead_business_days",
            "quote_valid_days",
            "inspections_per_inspector_per_day",
            "reschedule_cutoff_business_days",
            "max_customer_reschedules",
            "serial_pattern",
            "serial_format",
            "serial_example",
            "renewal_reminder_days",
        ]


class VendorListApi(generics.ListAPIView):
    serializer_class = VendorOutputSerializer
    permission_classes = [StaffWritesSignedInReads]
    queryset = selectors.vendor_list()


class ProductSerializer(serializers.ModelSerializer):
    """Input and output are the same shape; `vendor` is the vendor's slug."""

    vendor = serializers.SlugRelatedField(slug_field="slug", queryset=Vendor.objects.all())
    list_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "vendor",
            "model",
            "family",
            "category",
            "is_chassis",
            "end_of_sale",
            "end_of_support",
            "list_price",
            "currency",
        ]
        # Uniqueness is the service's to judge (409), not the serializer's (400).
        validators: list[object] = []


class ProductListCreateApi(generics.ListCreateAPIView):
    serializer_class = ProductSerializer
    permission_classes = [StaffWritesSignedInReads]
    filterset_class = ProductFilter
    queryset = selectors.product_list()

    @idempotent
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_create(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(product).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["PUT"], exclude=True)
class ProductDetailApi(generics.RetrieveUpdateAPIView):
    serializer_class = ProductSerializer
    permission_classes = [StaffWritesSignedInReads]
    queryset = selectors.product_list()
    http_method_names = ["get", "patch", "head", "options"]

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        product = self.get_object()
        serializer = self.get_serializer(product, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(user=request.user, product=product, **serializer.validated_data)
        return Response(self.get_serializer(product).data)
