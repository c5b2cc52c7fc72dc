"""Limit/offset pagination with bounds, so no request asks the database for an absurd page.

``limit`` and ``offset`` are whole numbers given at most once; anything else is a 400 naming
the parameter (DRF's own pagination would quietly fall back to the first page). Larger values
than the bounds are lowered to them: a client asking for more than 500 rows gets 500.
"""

import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 2**31 - 1
WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def query_int(request, name: str, *, default: int, minimum: int, maximum: int) -> int:
    """The query parameter ``name`` as a whole number ≥ ``minimum``, lowered to ``maximum``."""
    values = request.query_params.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise ValidationError({name: [_("Give this parameter only once.")]})
    text = values[0]
    if not WHOLE_NUMBER.fullmatch(text):
        raise ValidationError({name: [_("Enter a whole number.")]})
    negative = text.startswith("-")
    # Very long numbers are only compared, never converted (int() refuses > 4300 digits).
    number = int(text) if len(text) <= 20 else (-1 if negative else maximum)
    if number < minimum:
        message = _("Enter a whole number of at least %(minimum)s.") % {"minimum": minimum}
        raise ValidationError({name: [message]})
    return min(number, maximum)


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500

    def get_limit(self, request):
        return query_int(
            request,
            self.limit_query_param,
            default=self.default_limit,
            minimum=1,
            maximum=self.max_limit,
        )

    def get_offset(self, request):
        return query_int(request, self.offset_query_param, default=0, minimum=0, maximum=MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        limit, offset = super().get_schema_operation_parameters(view)
        limit["description"] = _(
            "Number of results to return per page: at least 1; more than %(max)s gives %(max)s."
        ) % {"max": self.max_limit}
        limit["schema"] = {"type": "integer", "minimum": 1}
        offset["schema"] = {"type": "integer", "minimum": 0}
        return [limit, offset]
