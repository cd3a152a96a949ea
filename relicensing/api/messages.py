"""API: a request's conversation, `GET|POST /api/v1/requests/{id}/messages/`. Thin: who may read
and post, and what a message may hold, are in relicensing.services.messages."""

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request as HttpRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import Pagination
from common.idempotency import idempotent
from relicensing.models import RequestMessage
from relicensing.models.messages import MESSAGE_MAX_CHARS
from relicensing.services import messages as services


class MessageAttachmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="Where the reader downloads it through the API.")


class MessageOutputSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    attachment = serializers.SerializerMethodField()

    class Meta:
        model = RequestMessage
        fields = ["id", "author", "body", "internal", "at", "attachment"]

    def get_author(self, message: RequestMessage) -> str:
        return message.author.username

    @extend_schema_field(MessageAttachmentSerializer(allow_null=True))
    def get_attachment(self, message: RequestMessage) -> dict[str, Any] | None:
        if not message.attachment:
            return None
        return {
            "name": message.attachment_name,
            "content_type": message.attachment_type,
            "size": message.attachment_size,
            "url": reverse("api-request-message-attachment", args=[message.request_id, message.pk]),
        }


class MessageInputSerializer(serializers.Serializer):
    # The length and the characters are the service's rule, said in its own words.
    body = serializers.CharField(
        trim_whitespace=False,
        help_text=f"Plain text with line breaks, at most {MESSAGE_MAX_CHARS:,} characters.",
    )
    internal = serializers.BooleanField(
        default=False, help_text="An internal note, for programme staff only (staff alone may set it)."
    )
    attachment = serializers.FileField(
        required=False, help_text="Multipart only: a PDF, PNG or JPEG (judged by content), at most 10 MB."
    )


class MessagePagination(Pagination):
    page_size = 50


class RequestMessagesApi(generics.ListAPIView):
    """The conversation, oldest first. The customer's and partners' people, staff and the assigned
    inspector take part; anyone else gets 404. Internal notes are listed to staff only."""

    serializer_class = MessageOutputSerializer
    pagination_class = MessagePagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    queryset = RequestMessage.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return RequestMessage.objects.none()
        target = services.conversation_request(user=self.request.user, pk=self.kwargs["pk"])  # type: ignore[arg-type]
        return services.messages_visible(request=target, user=self.request.user)  # type: ignore[arg-type]

    @extend_schema(
        request={"application/json": MessageInputSerializer, "multipart/form-data": MessageInputSerializer},
        responses={201: MessageOutputSerializer},
        description="Post a message; every other party is notified once (staff alone for an internal "
        "note). 403 `internal_staff_only` when someone other than staff sets `internal`.",
    )
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        target = services.conversation_request(user=request.user, pk=pk)  # type: ignore[arg-type]
        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        message = services.request_message_post(
            request=target,
            user=request.user,  # type: ignore[arg-type]
            body=data["body"],
            internal=data["internal"],
            attachment=data.get("attachment"),
        )
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_201_CREATED)


class RequestMessageAttachmentApi(APIView):
    """A message's attachment, to whoever may read the message (an internal note's: staff only)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: HttpRequest, pk: int, message_id: int) -> FileResponse:
        target = services.conversation_request(user=request.user, pk=pk)  # type: ignore[arg-type]
        readable = services.messages_visible(request=target, user=request.user)  # type: ignore[arg-type]
        message = generics.get_object_or_404(readable.exclude(attachment=""), pk=message_id)
        return FileResponse(
            message.attachment.open("rb"),
            as_attachment=True,
            filename=message.attachment_name,
            content_type=message.attachment_type,
        )
