"""The OpenAPI schema says what the serializers check, so that every request the schema calls
valid passes the request's parsing (rules the schema cannot express stay with the services).

drf-spectacular leaves out a few checks DRF makes; ``AutoSchema`` adds them:

* lists of objects or ids: ``allow_empty=False`` → ``minItems: 1``; ``max_length`` →
  ``maxItems``;
* ids in request bodies (``ScopedPrimaryKeyField``): ``minimum: 1``, ``maximum`` the largest
  key, since nothing else can name an object;
* text in requests: never a NUL character (DRF refuses it), and when it may not be blank, at
  least one character that is not white space (DRF trims before it checks);
* a write answers 415 (in the error shape ``{"detail"}``) for a body in a media type the API
  does not read.
"""

from __future__ import annotations

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from drf_spectacular import openapi
from rest_framework import serializers

NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method in ("POST", "PUT", "PATCH") and "415" not in responses:
            from kiemdiem.api.exceptions import DETAIL_SCHEMA

            responses["415"] = {
                "content": {"application/json": {"schema": DETAIL_SCHEMA}},
                "description": _("The body is not in a media type this operation reads."),
            }
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not isinstance(schema, dict) or "$ref" in schema:
            return schema
        from kiemdiem.api.fields import MAX_ID, ScopedPrimaryKeyField

        if isinstance(field, ScopedPrimaryKeyField):
            schema.update(minimum=1, maximum=MAX_ID)
        elif isinstance(field, serializers.ListSerializer | serializers.ManyRelatedField):
            if schema.get("type") == "array":
                if not field.allow_empty:
                    schema["minItems"] = max(schema.get("minItems", 0), 1)
                if getattr(field, "min_length", None) is not None:
                    schema["minItems"] = max(schema.get("minItems", 0), field.min_length)
                if getattr(field, "max_length", None) is not None:
                    schema["maxItems"] = field.max_length
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # After drf-spectacular's own validators, which wrap a blank-able field with a pattern or
        # format into oneOf (and "" would then match both branches).
        if (
            isinstance(field, serializers.CharField)
            and not field.read_only
            and schema.get("type") == "string"
            and not {"format", "pattern", "enum", "oneOf"} & set(schema)
            and any(isinstance(v, ProhibitNullCharactersValidator) for v in field.validators)
        ):
            blank_ok = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = NO_NUL if blank_ok else NOT_BLANK
