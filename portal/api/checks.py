"""API: the buyer's serial check (the installed base and contract coverage, before buying)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import selectors as portal_selectors
from relicensing.choices import Path, Reason
from relicensing.models import Vendor


class SerialCheckApi(APIView):
    class SerialCheckInputSerializer(serializers.Serializer):
        vendor = serializers.SlugRelatedField(slug_field="slug", queryset=Vendor.objects.all())
        serial_number = serializers.CharField(max_length=64)
        product = serializers.CharField(
            max_length=100, required=False, help_text="The model on offer, if known."
        )

    class SerialCheckOutputSerializer(serializers.Serializer):
        vendor = serializers.CharField()
        serial_number = serializers.CharField(
            help_text="Normalised: Unicode NFKC, spaces and invisible characters removed, upper-cased."
        )
        format_valid = serializers.BooleanField(
            help_text="False: the serial cannot be a real one of this vendor, and `eligible` is false."
        )
        known = serializers.BooleanField(help_text="Some organisation has registered this serial.")
        registered_elsewhere = serializers.BooleanField(
            help_text="An organisation other than the caller's holds an active registration: buying "
            "it means an ownership dispute. For partners and staff, who hold no equipment, any "
            "active registration."
        )
        product = serializers.CharField(allow_null=True)
        end_of_support = serializers.DateField(allow_null=True)
        compliance_hold = serializers.BooleanField()
        reported_lost_or_stolen = serializers.BooleanField()
        counterfeit = serializers.BooleanField()
        under_contract = serializers.BooleanField()
        eligible = serializers.BooleanField()
        path = serializers.ChoiceField(choices=Path.choices)
        reasons = serializers.ListField(child=serializers.ChoiceField(choices=Reason.choices))

    @extend_schema(
        parameters=[
            OpenApiParameter("vendor", required=True),
            OpenApiParameter("serial_number", required=True),
            OpenApiParameter("product", required=False),
        ],
        responses={200: SerialCheckOutputSerializer},
    )
    def get(self, request: Request) -> Response:
        serializer = self.SerialCheckInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        vendor = serializer.validated_data["vendor"]
        model = serializer.validated_data.get("product")
        product = vendor.products.filter(model__iexact=model).first() if model else None
        [result] = portal_selectors.serial_checks(
            user=request.user,
            vendor=vendor,
            serial_numbers=[serializer.validated_data["serial_number"]],
            product=product,
        ) or [None]
        if result is None:
            raise serializers.ValidationError({"serial_number": ["Enter the serial number."]})
        # The answer as the selector writes it (plain JSON values): the output serializer above
        # describes it for the schema, and tests/relicensing/test_serial_check.py holds it to
        # API.md key by key. A check is the programme's busiest call; DRF's field walk cost a
        # third of it.
        return Response(result)
