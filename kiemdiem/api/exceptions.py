"""Errors as the API reports them.

Services raise Django's ``ValidationError`` (with field names when they know the field). The
handler turns it into HTTP 400 with the same shape DRF uses for its own validation errors:
``{"field": ["message", ...], "non_field_errors": [...]}``. Services are atomic, so a 400 from
a service has changed nothing. A body that is not JSON at all is reported the same way, under
``non_field_errors``, so every 400 has one shape.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, BadRequest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ParseError
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
    if isinstance(exc, ParseError):
        detail = {api_settings.NON_FIELD_ERRORS_KEY: [str(exc.detail)]}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


# Schemas of error bodies, for the OpenAPI document.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Messages by field name; `non_field_errors` for the request as a whole. "
    "A field holding objects or lists has the same shape inside it: its own fields by name, "
    "its items by position.",
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


# --- Errors raised before a view of the API runs ---------------------------------------
# Django answers an unknown URL (and a crash, and a bad request it refuses itself) with an HTML
# page. Under /api/ the answer is JSON in the API's shape instead, so that a client can read
# every answer the same way; elsewhere the normal pages stay.


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        detail = {api_settings.NON_FIELD_ERRORS_KEY: [str(ParseError.default_detail)]}
        return JsonResponse(detail, status=400)
    if isinstance(exception, BadRequest):  # our own message, e.g. a query parameter that is no id
        return render(request, "400.html", {"message": str(exception)}, status=400)
    return defaults.bad_request(request, exception)  # Django's (security) refusals say nothing


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": str(APIException.default_detail)}, status=500)
    return defaults.server_error(request)
