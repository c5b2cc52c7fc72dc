"""Choice fields whose OpenAPI enum is named after their choices class.

Several choice sets share a field name ("kind" of a unit, a cycle, a stage, a subject;
"status" of a member, a cycle, a plan, a subject, a review). drf-spectacular names enums by
field name and warns when one name covers several sets, unless each set is listed in
``ENUM_NAME_OVERRIDES``. ``EnumField(SubjectKind)`` instead puts its choices in a component of
its own (``SubjectKindEnum``) and refers to it, so every choice set has one stable name and
the schema stays free of warnings.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_description_list
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers


class EnumField(serializers.ChoiceField):
    """A ``ChoiceField`` over a Django choices class, named ``<name>Enum`` in the schema."""

    def __init__(self, choices_class, *, name: str | None = None, **kwargs):
        self.enum_name = f"{name or choices_class.__name__}Enum"
        super().__init__(choices=choices_class.choices, **kwargs)


def _component(auto_schema, name: str, schema: dict) -> dict:
    component = ResolvedComponent(
        name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
    )
    auto_schema.registry.register_on_missing(component)
    return component.ref


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = {"type": "string", "enum": list(field.choices)}
        if spectacular_settings.ENUM_GENERATE_CHOICE_DESCRIPTION:
            schema["description"] = build_choice_description_list(field.choices.items())
        refs = [_component(auto_schema, field.enum_name, schema)]
        if field.allow_blank:
            refs.append(_component(auto_schema, "BlankEnum", {"enum": [""]}))
        if field.allow_null:
            refs.append(_component(auto_schema, "NullEnum", {"enum": [None]}))
        return refs[0] if len(refs) == 1 else {"oneOf": refs}
