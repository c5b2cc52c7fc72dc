"""The API of the current user and their tokens: who am I (grants, language), change my
language; get an API token, list and revoke one's own.

Tokens are django-rest-knox tokens: the database keeps only a hash, each token expires after
``REST_KNOX["TOKEN_TTL"]`` (``KIEMDIEM_API_TOKEN_TTL`` days), and a password change or "sign
out everywhere" deletes them all.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from kiemdiem.accounts import services as accounts
from kiemdiem.accounts.models import ROLE_ACTIONS, Grant, Role, User
from kiemdiem.accounts.services import user_set_language
from kiemdiem.api.base import E400, E401, ApiView
from kiemdiem.api.exceptions import DETAIL_SCHEMA, api_exception_handler
from kiemdiem.api.fields import ChoiceLabel, Text
from kiemdiem.api.throttles import AnonThrottle, ScopedThrottle

# --- Serializers ----------------------------------------------------------------------


class GrantSerializer(serializers.ModelSerializer):
    role_label = ChoiceLabel(Role, source="role")
    unit_name = Text(source="unit.name", read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Grant
        fields = ["id", "role", "role_label", "unit", "unit_name", "actions"]
        read_only_fields = fields

    def get_actions(self, grant: Grant) -> list[str]:
        return sorted(ROLE_ACTIONS.get(grant.role, ()))


class MeSerializer(serializers.ModelSerializer):
    # Not checked when an account is created: any text, "" when unknown.
    email = Text(read_only=True)
    grants = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "language",
            "is_superuser",
            "person",
            "grants",
        ]
        read_only_fields = fields

    @extend_schema_field(GrantSerializer(many=True))
    def get_grants(self, user: User):
        grants = user.grants.select_related("unit").order_by("unit__path", "role")
        return GrantSerializer(grants, many=True).data


class MeUpdateSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=User._meta.get_field("language").choices, required=False
    )


class TokenRequestSerializer(serializers.Serializer):
    username = Text()
    password = Text(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True)


class TokenInfoSerializer(serializers.Serializer):
    """One of the user's tokens: never the secret, only the first characters to recognise it."""

    id = serializers.CharField(source="token_key", read_only=True)
    prefix = serializers.SerializerMethodField()
    created = serializers.DateTimeField(read_only=True)
    expiry = serializers.DateTimeField(read_only=True, allow_null=True)
    current = serializers.SerializerMethodField()

    def get_prefix(self, token) -> str:
        return token.token_key[:8]

    def get_current(self, token) -> bool:
        """Whether this request is authenticated with this token."""
        auth = getattr(self.context.get("request"), "auth", None)
        return getattr(auth, "digest", None) == token.digest


# --- Views ----------------------------------------------------------------------------


class MeView(ApiView):
    def _me(self, user) -> dict:
        return MeSerializer(user).data

    @extend_schema(
        summary="The current user, their grants and language",
        responses={200: MeSerializer, 401: E401},
    )
    def get(self, request):
        return Response(self._me(request.user))

    @extend_schema(
        summary="Change the current user's language",
        request=MeUpdateSerializer,
        responses={200: MeSerializer, 400: E400, 401: E401},
    )
    def patch(self, request):
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "language" in serializer.validated_data:  # {} changes nothing
            user_set_language(user=request.user, actor=request.user, **serializer.validated_data)
        return Response(self._me(request.user))


NO_TOKEN = OpenApiResponse(DETAIL_SCHEMA, description=_("No such token of yours."))


E429 = OpenApiResponse(
    DETAIL_SCHEMA,
    description=_("Too many attempts from this address, or locked out after failures."),
)


@extend_schema(
    summary="Get an API token",
    description="Exchange a user name and password for a new token. Send it as "
    "`Authorization: Token <token>` until `expiry`. Only a hash is stored: the token is shown "
    "this once. Five failures for one user name from one address lock that name there for a "
    "while; twenty failures from one address, whatever the names, lock the address (429).",
    request=TokenRequestSerializer,
    responses={
        200: TokenSerializer,
        400: E400,
        429: E429,
    },
    auth=[],
)
class TokenView(APIView):
    # User name and password only: a stale token in the header must not stand in the way.
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, ScopedThrottle]
    throttle_scope = "token"
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_exception_handler(self):
        return api_exception_handler

    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes marks the request it was given (DRF's) when the login is locked out.
            if getattr(request, "axes_locked_out", False):
                raise Throttled(detail=_("Too many failed attempts; try again later.")) from None
            raise
        user = serializer.validated_data["user"]
        token, secret = accounts.token_create(user=user, actor=user)
        return Response({"token": secret, "expiry": token.expiry})


class TokenListView(APIView):
    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(
        summary="The current user's API tokens",
        description="Tokens that have not expired, newest first. `id` names a token to revoke;"
        " the secret itself is never shown again.",
        responses={200: TokenInfoSerializer(many=True), 401: E401},
    )
    def get(self, request):
        tokens = accounts.tokens_of(request.user)
        return Response(TokenInfoSerializer(tokens, many=True, context={"request": request}).data)


class TokenDetailView(APIView):
    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(
        summary="Revoke one of the current user's API tokens",
        responses={204: None, 401: E401, 404: NO_TOKEN},
    )
    def delete(self, request, token_id: str):
        token = accounts.tokens_of(request.user).filter(token_key=token_id).first()
        if token is None:
            raise Http404
        accounts.token_revoke(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
