"""API: a request's documents (proofs of purchase and licence): upload, download, staff verify.
Thin: the rules are in relicensing.services.requests."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request as HttpRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import action_require
from common.idempotency import idempotent
from relicensing import selectors
from relicensing.choices import DocumentKind
from relicensing.models import RequestDocument
from relicensing.services import requests as services


class DocumentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestDocument
        fields = ["id", "kind", "original_name", "content_type", "size", "uploaded_at", "verified"]


class DocumentUploadApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class DocumentUploadInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=DocumentKind.choices)
        file = serializers.FileField()

    @extend_schema(request=DocumentUploadInputSerializer, responses={201: DocumentOutputSerializer})
    @idempotent
    def post(self, request: HttpRequest, pk: int) -> Response:
        target = selectors.request_get(user=request.user, pk=pk)
        serializer = self.DocumentUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = services.document_upload(
            request=target, user=request.user, kind=data["kind"], upload=data["file"]
        )
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: HttpRequest, pk: int, document_id: int) -> FileResponse:
        target = selectors.request_get(user=request.user, pk=pk)
        document = generics.get_object_or_404(target.documents.all(), pk=document_id)
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )


class DocumentVerifyApi(APIView):
    """Staff only; someone who cannot see the request gets a 404 first (API.md Conventions)."""

    class DocumentVerifyInputSerializer(serializers.Serializer):
        verified = serializers.BooleanField()

    @extend_schema(request=DocumentVerifyInputSerializer, responses={200: DocumentOutputSerializer})
    @idempotent
    def post(self, request: HttpRequest, pk: int, document_id: int) -> Response:
        target = selectors.request_get(user=request.user, pk=pk)
        action_require(request.user, "document_verify", target)
        document = generics.get_object_or_404(target.documents.all(), pk=document_id)
        serializer = self.DocumentVerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_verify(
            document=document, user=request.user, verified=serializer.validated_data["verified"]
        )
        return Response(DocumentOutputSerializer(document).data)
