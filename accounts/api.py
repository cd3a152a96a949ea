"""API: obtaining and revoking a token, the organisations a caller can see, and the inspectors
(staff)."""

from django.contrib.auth import authenticate
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import generics, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import Organization, User
from accounts.permissions import IsProgrammeStaff
from accounts.second_factor import OTP_INVALID, OTP_REQUIRED, second_factor_match, second_factor_required
from accounts.signin import SigninLockedOut, signin_retry_after
from common.errors import DomainError


class TokenObtainApi(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"  # so a failed sign-in is a 401 with its challenge, not a 403

    def handle_exception(self, exc: Exception) -> Response:
        # The error handler rolls back what the request wrote before failing. Here the only such
        # write is django-axes' count of a wrong password, which must stay: the handler gets a
        # savepoint of its own to mark instead of the request's transaction.
        with transaction.atomic():
            return super().handle_exception(exc)

    class TokenObtainInputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
        otp = serializers.CharField(
            required=False,
            max_length=32,
            help_text="Programme staff, where a second factor is required: the 6-digit code from "
            "their authenticator app, or one of their recovery codes.",
        )

    @extend_schema(
        request=TokenObtainInputSerializer,
        responses={
            200: inline_serializer(
                "Token", {"token": serializers.CharField(), "expires": serializers.DateTimeField()}
            ),
            429: inline_serializer(
                "TooManyAttempts", {"detail": serializers.CharField(), "code": serializers.CharField()}
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = self.TokenObtainInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = dict(serializer.validated_data)
        code = credentials.pop("otp", "")
        user = authenticate(request=request, **credentials)
        if getattr(request, "axes_locked_out", False):  # set by django-axes' backend
            raise SigninLockedOut(retry_after=signin_retry_after(request=request))
        if user is None:
            # Same answer for an unknown user and a wrong password: no hint which was wrong.
            raise AuthenticationFailed("Invalid username or password.")
        if second_factor_required(user=user):
            if not code:
                raise AuthenticationFailed(OTP_REQUIRED, code="otp_required")
            if second_factor_match(user=user, code=code) is None:
                raise AuthenticationFailed(OTP_INVALID, code="otp_invalid")
        token, key = services.api_token_issue(user=user)
        return Response({"token": key, "expires": token.expiry}, status=status.HTTP_200_OK)


class TokenRevokeApi(APIView):
    """Ends the key this call presents (`Authorization: Token <key>`); the owner's other keys stay."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(
        request=None,
        responses={
            204: None,
            400: inline_serializer(
                "NoApiKey", {"detail": serializers.CharField(), "code": serializers.CharField()}
            ),
        },
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):  # signed in some other way (a test client's)
            raise DomainError(
                "This call ends the API key it is made with; it was made without one.", code="no_api_key"
            )
        services.api_token_revoke(user=request.user, token_key=request.auth.token_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind"]


class OrganizationListApi(generics.ListAPIView):
    serializer_class = OrganizationOutputSerializer
    queryset = Organization.objects.none()  # the schema's; callers get what they may see

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.organization_list(user=self.request.user)


class InspectorOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = User
        fields = ["id", "username", "name"]


class InspectorListApi(generics.ListAPIView):
    serializer_class = InspectorOutputSerializer
    permission_classes = [IsProgrammeStaff]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.inspector_list()
