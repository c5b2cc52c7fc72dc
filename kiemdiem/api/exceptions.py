"""Errors as the API reports them.

Services raise Django's ``ValidationError`` (with field names when they know the field). The
handler turns it into HTTP 400 with the same shape DRF uses for its own validation errors:
``{"field": ["message", ...], "non_field_errors": [...]}``. Services are atomic, so a 400 from
a service has changed nothing.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


def validation_error_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, messages in exc.message_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
            detail.setdefault(key, []).extend(str(m) for m in messages)
        return detail
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


# Schemas of error bodies, for the OpenAPI document.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Messages by field name; `non_field_errors` for the request as a whole.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
