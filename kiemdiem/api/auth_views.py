"""API tokens: get one for a user name and password, list and revoke one's own.

Tokens are django-rest-knox tokens: the database keeps only a hash, each token expires after
``REST_KNOX["TOKEN_TTL"]`` (``KIEMDIEM_API_TOKEN_TTL`` days), and a password change or "sign
out everywhere" deletes them all.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from kiemdiem.accounts import services as accounts
from kiemdiem.api import serializers as s
from kiemdiem.api.exceptions import DETAIL_SCHEMA, VALIDATION_ERROR_SCHEMA, api_exception_handler
from kiemdiem.api.throttles import AnonThrottle, ScopedThrottle

E401 = OpenApiResponse(DETAIL_SCHEMA, description=gettext_lazy("Not authenticated."))
E404 = OpenApiResponse(DETAIL_SCHEMA, description=gettext_lazy("No such token of yours."))
E429 = OpenApiResponse(
    DETAIL_SCHEMA,
    description=gettext_lazy("Too many attempts from this address, or locked out after failures."),
)


@extend_schema(
    summary="Get an API token",
    description="Exchange a user name and password for a new token. Send it as "
    "`Authorization: Token <token>` until `expiry`. Only a hash is stored: the token is shown "
    "this once. Five failures for one user name from one address lock that name there for a "
    "while; twenty failures from one address, whatever the names, lock the address (429).",
    request=s.TokenRequestSerializer,
    responses={
        200: s.TokenSerializer,
        400: OpenApiResponse(
            VALIDATION_ERROR_SCHEMA, description=gettext_lazy("Invalid input; nothing changed.")
        ),
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
        responses={200: s.TokenInfoSerializer(many=True), 401: E401},
    )
    def get(self, request):
        tokens = accounts.tokens_of(request.user)
        return Response(s.TokenInfoSerializer(tokens, many=True, context={"request": request}).data)


class TokenDetailView(APIView):
    def get_exception_handler(self):
        return api_exception_handler

    @extend_schema(
        summary="Revoke one of the current user's API tokens",
        responses={204: None, 401: E401, 404: E404},
    )
    def delete(self, request, token_id: str):
        token = accounts.tokens_of(request.user).filter(token_key=token_id).first()
        if token is None:
            raise Http404
        accounts.token_revoke(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
