"""API: obtaining and revoking a token, the organisations a caller can see, the inspectors
(staff), and an organisation's people (its users, invitations, administrators, deactivation)."""

from collections.abc import Callable

from django.contrib.auth import authenticate
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import generics, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.authentication import TokenAuthentication
from accounts.choices import Role
from accounts.models import Invitation, Organization, User
from accounts.permissions import IsProgrammeStaff, people_manage_require
from accounts.second_factor import OTP_INVALID, OTP_REQUIRED, second_factor_match, second_factor_required
from accounts.signin import SigninLockedOut, signin_retry_after
from common.errors import Conflict, DomainError
from common.idempotency import idempotent


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


# --- an organisation's people -----------------------------------------------------------------
class OrganizationUserOutputSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    is_admin = serializers.BooleanField(source="is_organization_admin")

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "role", "is_admin", "is_active"]


class InvitationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "organization", "email", "role", "expires_at"]


class OrganizationUserListApi(generics.ListAPIView):
    """An organisation's users, and inviting a person to it: its administrators and programme
    staff. A teammate who is not an administrator (or a partner, for a customer it serves) gets 403;
    an organisation the caller does not see, 404."""

    serializer_class = OrganizationUserOutputSerializer
    queryset = User.objects.none()  # the schema's; callers get what they may see

    class InvitationInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        role = serializers.ChoiceField(
            choices=Role.choices,
            required=False,
            help_text="Only for the programme operator's organisation (inspector or staff); a "
            "customer's or partner's people take their organisation's role.",
        )

    def _organization(self) -> Organization:
        organization = get_object_or_404(
            selectors.organization_list(user=self.request.user), pk=self.kwargs["pk"]
        )
        people_manage_require(self.request.user, organization)
        return organization

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.organization_user_list(organization=self._organization())

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        organization = self._organization()
        serializer = self.InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            actor=request.user, organization=organization, **serializer.validated_data
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class _UserSignInApi(APIView):
    """A person's sign-in switched off or back on by one service (which holds the rules)."""

    change: Callable[..., User]

    @extend_schema(request=None, responses={200: OrganizationUserOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        user = get_object_or_404(selectors.user_reachable(user=request.user), pk=pk)
        return Response(
            OrganizationUserOutputSerializer(type(self).change(actor=request.user, user=user)).data
        )


class UserDeactivateApi(_UserSignInApi):
    """The user can no longer sign in: sessions end on their next request, API keys at once."""

    change = staticmethod(services.user_deactivate)


class UserReactivateApi(_UserSignInApi):
    """Undo a deactivation: the user signs in again with their password; ended API keys stay ended."""

    change = staticmethod(services.user_reactivate)


class UserAdministratorApi(APIView):
    """Name a user an administrator of their organisation (`is_admin: true`) or take the flag back;
    the last active administrator keeps it (400 `last_admin`)."""

    class AdministratorInputSerializer(serializers.Serializer):
        is_admin = serializers.BooleanField()

    @extend_schema(request=AdministratorInputSerializer, responses={200: OrganizationUserOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        user = get_object_or_404(selectors.user_reachable(user=request.user), pk=pk)
        serializer = self.AdministratorInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.organization_admin_set(
            actor=request.user, user=user, is_admin=serializer.validated_data["is_admin"]
        )
        return Response(OrganizationUserOutputSerializer(user).data)


class InvitationRevokeApi(APIView):
    """The invitation's link stops working (already used or revoked: 409 `invitation_ended`)."""

    @extend_schema(request=None, responses={200: InvitationOutputSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        invitation = get_object_or_404(selectors.invitation_reachable(user=request.user), pk=pk)
        if not services.invitation_revoke(actor=request.user, invitation=invitation):
            raise Conflict("This invitation was already used or withdrawn.", code="invitation_ended")
        return Response(InvitationOutputSerializer(invitation).data)
