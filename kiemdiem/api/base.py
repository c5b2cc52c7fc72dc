"""What every view of the API shares: the base view set (query and body parsing, pagination,
the id in the URL, the door), the error answers the schema documents, and the checks a write
makes before it reads its body.

Reads go through the permission door (``restrict`` / ``get_or_404``): what a user cannot
see does not exist for them (404, or an empty list). Writes call one service (or, to create a
person with their first affiliation, three services in one transaction) after checking the
``change`` action on the unit the write lands in; a visible object the user may not change
answers 403. A user who may change nothing anywhere gets 403 from a write before its body is
read. A service's ``ValidationError`` becomes 400 and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kiemdiem.accounts.permissions import ALL, can, get_or_404, has_any, scope_prefixes
from kiemdiem.api.exceptions import DETAIL_SCHEMA, VALIDATION_ERROR_SCHEMA, api_exception_handler
from kiemdiem.api.fields import MAX_ID
from kiemdiem.api.pagination import Pagination
from kiemdiem.cycles.models import CycleStatus, ReviewCycle

E400 = OpenApiResponse(
    VALIDATION_ERROR_SCHEMA, description=gettext_lazy("Invalid input; nothing changed.")
)
E401 = OpenApiResponse(DETAIL_SCHEMA, description=gettext_lazy("Not authenticated."))
E403 = OpenApiResponse(
    DETAIL_SCHEMA, description=gettext_lazy("Visible, but the user may not change it.")
)
E404 = OpenApiResponse(
    DETAIL_SCHEMA, description=gettext_lazy("Missing, or outside the user's scope.")
)


READ_ERRORS = {401: E401, 404: E404}
LIST_ERRORS = {400: E400, 401: E401}
WRITE_ERRORS = {400: E400, 401: E401, 403: E403, 404: E404}


def require(user, action_name: str, obj) -> None:
    """403 unless ``user`` may do ``action_name`` on ``obj`` (which they can already see)."""
    if not can(user, action_name, obj):
        raise PermissionDenied


def require_somewhere(user) -> None:
    """403 unless ``user`` may change something somewhere: checked before the body of a write
    that names its target in the body is read, so that a reader learns nothing from it."""
    if not has_any(user, "change"):
        raise PermissionDenied


def require_everywhere(user, action_name: str) -> None:
    """403 unless ``user`` may do ``action_name`` on the whole tree (e.g. add a root unit)."""
    if scope_prefixes(user, action_name) != ALL:
        raise PermissionDenied


def require_open(cycle: ReviewCycle) -> None:
    """Nothing in a closed cycle changes any more (400)."""
    if cycle.status != CycleStatus.OPEN:
        raise DjangoValidationError(_("This cycle is closed; nothing in it can change any more."))


class ApiViewSet(viewsets.GenericViewSet):
    pagination_class = Pagination
    parser_classes = [JSONParser]

    def get_exception_handler(self):
        return api_exception_handler

    def parse_query(self, serializer_class) -> dict:
        params = self.request.query_params
        repeated = [name for name in serializer_class().fields if len(params.getlist(name)) > 1]
        if repeated:  # the schema promises one value each; never pick one silently
            raise ValidationError(
                {name: [_("Give this parameter only once.")] for name in repeated}
            )
        serializer = serializer_class(data=params.dict())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def parse_body(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def paginated(self, queryset, serializer_class) -> Response:
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def url_pk(self) -> int:
        """The id in the URL. Ids are positive 64-bit integers; anything else cannot name an
        object (404)."""
        pk = self.kwargs["pk"]
        if not (pk.isascii() and pk.isdigit() and 0 < int(pk) <= MAX_ID):
            raise Http404
        return int(pk)

    def visible(self, queryset, action_name: str = "view"):
        """The object named in the URL, through the door; missing and forbidden are 404."""
        return get_or_404(queryset, self.request.user, action_name, pk=self.url_pk())


# A view of the API that is not a view set (``/me/``): JSON bodies, the API's errors. (No
# docstring: drf-spectacular would print it as the operations' description.)
class ApiView(APIView):
    parser_classes = [JSONParser]

    def get_exception_handler(self):
        return api_exception_handler
