"""API: an organisation's webhook endpoints, their delivery log, re-sending, rotating, resuming.

Only the organisation's administrators and programme staff: a teammate who is not an
administrator gets 403; another organisation's endpoint is a 404."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization
from common.idempotency import idempotent
from webhooks import selectors, services
from webhooks.choices import WebhookEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import VERIFICATION_EXAMPLE


class EndpointOutputSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id")
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    previous_secret_until = serializers.DateTimeField(
        help_text="After a rotation: until when the old secret also signs (a second v1)."
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "organization",
            "url",
            "events",
            "status",
            "paused_at",
            "previous_secret_until",
            "created_at",
        ]


class EndpointSecretOutputSerializer(EndpointOutputSerializer):
    secret = serializers.CharField(
        help_text="Shown in this answer only: keep it where your receiver reads it."
    )

    class Meta(EndpointOutputSerializer.Meta):
        fields = [*EndpointOutputSerializer.Meta.fields, "secret"]


class DeliveryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "type",
            "status",
            "attempts",
            "response_code",
            "last_error",
            "created_at",
            "delivered_at",
            "next_attempt_at",
        ]


def _endpoint(request: Request, pk: int) -> WebhookEndpoint:
    endpoint = get_object_or_404(selectors.webhook_endpoint_list(user=request.user), pk=pk)  # type: ignore[arg-type]
    services.webhooks_manage_require(request.user, endpoint.organization_id)  # type: ignore[arg-type]
    return endpoint


class WebhookListCreateApi(generics.ListAPIView):
    serializer_class = EndpointOutputSerializer
    queryset = WebhookEndpoint.objects.none()  # the schema's; callers get their organisation's

    class EndpointInputSerializer(serializers.Serializer):
        url = serializers.URLField(max_length=500, help_text="https:// and a public address.")
        events = serializers.ListField(
            child=serializers.CharField(max_length=40),
            allow_empty=False,
            max_length=len(WebhookEvent.values),
            help_text=f"Any of: {', '.join(WebhookEvent.values)}.",
        )
        organization = serializers.IntegerField(
            required=False, help_text="Programme staff only: the organisation it is for (default: yours)."
        )

    def get_queryset(self):  # type: ignore[no-untyped-def]
        user = self.request.user
        if not user.is_programme_staff:  # type: ignore[union-attr]
            services.webhooks_manage_require(user, user.organization_id)  # type: ignore[arg-type, union-attr]
        return selectors.webhook_endpoint_list(user=user)  # type: ignore[arg-type]

    @extend_schema(
        summary="Register a webhook endpoint",
        description="The answer holds the endpoint's signing secret, shown this once.\n"
        "A URL that is not https, or whose host resolves to a loopback, private or link-local "
        "address, is a 400 (`url_invalid`, `url_not_public`, `url_unresolvable`).\n" + VERIFICATION_EXAMPLE,
        request=EndpointInputSerializer,
        responses={201: EndpointSecretOutputSerializer},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.EndpointInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = None
        if "organization" in data and request.user.is_programme_staff:  # type: ignore[union-attr]
            organization = get_object_or_404(Organization, pk=data["organization"])
        endpoint = services.webhook_endpoint_create(
            actor=request.user,  # type: ignore[arg-type]
            url=data["url"],
            events=data["events"],
            organization=organization,
        )
        return Response(EndpointSecretOutputSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    @extend_schema(responses={200: EndpointOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(EndpointOutputSerializer(_endpoint(request, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        services.webhook_endpoint_delete(actor=request.user, endpoint=_endpoint(request, pk))  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretApi(APIView):
    @extend_schema(
        description="A new secret signs from now on; the old one also signs for 24 hours (a second "
        "`v1` in the signature header), so your receiver can switch without losing a delivery.",
        request=None,
        responses={200: EndpointSecretOutputSerializer},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        endpoint = services.webhook_endpoint_rotate_secret(
            actor=request.user,  # type: ignore[arg-type]
            endpoint=_endpoint(request, pk),
        )
        return Response(EndpointSecretOutputSerializer(endpoint).data)


class WebhookResumeApi(APIView):
    @extend_schema(
        description="An endpoint that failed every attempt for a day is paused; resuming sends the "
        "deliveries that waited.",
        request=None,
        responses={200: EndpointOutputSerializer},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        endpoint = services.webhook_endpoint_resume(actor=request.user, endpoint=_endpoint(request, pk))  # type: ignore[arg-type]
        return Response(EndpointOutputSerializer(endpoint).data)


class WebhookDeliveryListApi(generics.ListAPIView):
    serializer_class = DeliveryOutputSerializer
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.webhook_delivery_list(endpoint=_endpoint(self.request, self.kwargs["pk"]))


class WebhookDeliveryResendApi(APIView):
    @extend_schema(
        description="A new attempt now, with the same event id and body (409 `endpoint_paused`, "
        "`delivery_in_progress`).",
        request=None,
        responses={202: DeliveryOutputSerializer},
    )
    @idempotent
    def post(self, request: Request, pk: int, delivery_id: int) -> Response:
        endpoint = _endpoint(request, pk)
        delivery = get_object_or_404(
            WebhookDelivery.objects.select_related("endpoint"), endpoint=endpoint, pk=delivery_id
        )
        delivery = services.webhook_delivery_resend(actor=request.user, delivery=delivery)  # type: ignore[arg-type]
        return Response(DeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
