"""The building blocks of the API's serializers. Dates are ISO 8601 (yyyy-mm-dd): a machine
format.

Request serializers only parse and check the shape of the input; the rules live in the
services, whose ``ValidationError`` becomes HTTP 400 (see ``exceptions``). An id in a request
body names an object the caller may *see*; anything else is reported as "does not exist",
whether it is missing or outside the caller's scope.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.orgtree.models import Unit

MAX_ID = 2**63 - 1  # the largest primary key the databases store
MAX_LONG_TEXT = 20_000  # guidance, as long as a review's longest answer
MAX_COMMENT = 5_000  # a reason or a comment


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """The id of an object the requesting user may see (through the permission door)."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return restrict(self.model._default_manager.all(), user, Action.VIEW)

    def to_internal_value(self, data):
        # A JSON number, as the schema says: not "12", not true.
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


# Body fields that take only the JSON type the schema names: DRF would turn 12 into "12",
# "12" into 12 and "yes" into true, so a request the schema calls invalid would pass.


class Text(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumber(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class YesNo(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class QueryYesNo(serializers.BooleanField):
    """A yes/no query parameter: ``true`` or ``false``, as the schema's boolean is written."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data.lower() in ("true", "false"):
            return data.lower() == "true"
        self.fail("invalid")


def choice_label(choices, value) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


class ChoiceLabel(serializers.CharField):
    """The label, in the request's language, of a stored code: ``ChoiceLabel(UnitKind,
    source="kind")`` beside the code itself."""

    def __init__(self, choices, **kwargs):
        self.choices_enum = choices
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return choice_label(self.choices_enum, value)


# --- Small bodies and references shared by several domains ----------------------------


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class ReasonSerializer(serializers.Serializer):
    reason = Text(max_length=MAX_COMMENT)


class CommentSerializer(serializers.Serializer):
    comment = Text(
        max_length=MAX_COMMENT, help_text=_("What needs to change, for the level sent back to.")
    )
