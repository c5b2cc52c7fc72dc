"""What the API reads and writes. Dates are ISO 8601 (yyyy-mm-dd): a machine format.

Request serializers only parse and check the shape of the input; the rules live in the
services, whose ``ValidationError`` becomes HTTP 400 (see ``exceptions``). An id in a request
body names an object the caller may *see*; anything else is reported as "does not exist",
whether it is missing or outside the caller's scope.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kiemdiem.accounts.models import ROLE_ACTIONS, Grant, Role, User
from kiemdiem.accounts.permissions import restrict
from kiemdiem.audit.models import LogEntry
from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup, UnitKind
from kiemdiem.people.models import (
    Affiliation,
    AffiliationKind,
    Gender,
    MemberStatus,
    MemberStatusKind,
    Occupation,
    PartyMember,
    Person,
    PostRole,
    ResidenceExemption,
    StateCategory,
)

MAX_ID = 2**63 - 1  # the largest primary key the databases store


# --- Fields ----------------------------------------------------------------------------


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """The id of an object the requesting user may see (through the permission door)."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return restrict(self.model._default_manager.all(), user, "view")

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str):
            if not data.isascii() or not data.isdigit():
                self.fail("incorrect_type", data_type="str")
            data = int(data)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _choice_label(choices, value) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


# --- Units -----------------------------------------------------------------------------


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class UnitSerializer(serializers.ModelSerializer):
    """A unit. With ``as_of`` in a list, ``parent``, ``path``, ``depth`` and ``name`` are as
    they stood on that date."""

    kind_label = serializers.SerializerMethodField()
    group = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "kind_label",
            "group",
            "parent",
            "managed_by",
            "successor",
            "path",
            "depth",
            "valid_from",
            "valid_to",
            "is_active",
        ]
        read_only_fields = fields

    def get_kind_label(self, unit: Unit) -> str:
        return _choice_label(UnitKind, unit.kind)

    @extend_schema_field(serializers.ChoiceField(choices=UnitGroup.choices))
    def get_group(self, unit: Unit) -> str:
        return str(KIND_GROUP[UnitKind(unit.kind)].value)

    def to_representation(self, unit):
        data = super().to_representation(unit)
        tree_path = getattr(unit, "tree_path", None)
        if tree_path is not None:  # the tree as of a past date
            data.update(
                parent=unit.tree_parent,
                path=tree_path,
                depth=unit.tree_depth,
                name=unit.tree_name,
            )
        return data


class UnitCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=255)
    short_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    parent = ScopedPrimaryKeyField(
        Unit, allow_null=True, help_text=_("The parent unit; null for a new root unit.")
    )
    managed_by = ScopedPrimaryKeyField(
        Unit,
        allow_null=True,
        required=False,
        default=None,
        help_text=_("The unit whose committee rates this unit, when not its parent."),
    )
    valid_from = serializers.DateField()


class UnitUpdateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, required=False)
    name = serializers.CharField(max_length=255, required=False)
    short_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)
    managed_by = ScopedPrimaryKeyField(Unit, allow_null=True, required=False)


class UnitMoveSerializer(serializers.Serializer):
    new_parent = ScopedPrimaryKeyField(
        Unit, allow_null=True, help_text=_("The new parent unit; null to make it a root unit.")
    )
    effective = serializers.DateField()


class UnitMergeSerializer(serializers.Serializer):
    sources = ScopedPrimaryKeyField(
        Unit,
        many=True,
        allow_empty=False,
        help_text=_("Units merged into this one: their sub-units and people move, they close."),
    )
    effective = serializers.DateField()


class UnitCloseSerializer(serializers.Serializer):
    effective = serializers.DateField()


class UnitListQuerySerializer(serializers.Serializer):
    parent = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False)
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Words in the name or code; diacritics optional."),
    )
    active = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true: active units only; false: dissolved only."),
    )
    as_of = serializers.DateField(
        required=False, help_text=_("The tree as it stood on this date (yyyy-mm-dd).")
    )
    subtree_of = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("A unit id: that unit and everything below."),
    )


# --- People ----------------------------------------------------------------------------


class MemberStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = MemberStatus
        fields = ["id", "status", "valid_from", "valid_to", "reason"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    statuses = MemberStatusSerializer(many=True, read_only=True)

    class Meta:
        model = PartyMember
        fields = ["card_number", "admitted_on", "official_on", "occupation", "statuses"]
        read_only_fields = fields


class AffiliationSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Affiliation
        fields = [
            "id",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "kind",
            "title",
            "role",
            "concurrent",
            "state_category",
            "residence_exemption",
            "valid_from",
            "valid_to",
            "note",
        ]
        read_only_fields = fields


class PersonAffiliationSerializer(AffiliationSerializer):
    class Meta(AffiliationSerializer.Meta):
        fields = [f for f in AffiliationSerializer.Meta.fields if f != "person_name"]
        read_only_fields = fields


PERSON_READ_FIELDS = [
    "id",
    "family_name",
    "middle_name",
    "given_name",
    "full_name",
    "birth_date",
    "gender",
]


class PersonSerializer(serializers.ModelSerializer):
    """A person in a list: names, and the party cell they are active in now."""

    is_member = serializers.SerializerMethodField()
    cell = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [*PERSON_READ_FIELDS, "is_member", "cell"]
        read_only_fields = fields

    def get_is_member(self, person: Person) -> bool:
        return hasattr(person, "membership")

    @extend_schema_field(UnitRefSerializer(allow_null=True))
    def get_cell(self, person: Person):
        cells = getattr(person, "current_cells", None)
        if cells is None:
            cells = [
                a
                for a in person.affiliations.all()
                if a.kind == AffiliationKind.CELL and a.valid_to is None
            ]
        return UnitRefSerializer(cells[0].unit).data if cells else None


class PersonDetailSerializer(serializers.ModelSerializer):
    membership = serializers.SerializerMethodField()
    affiliations = PersonAffiliationSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            *PERSON_READ_FIELDS,
            "ethnicity",
            "citizen_id",
            "phone",
            "email",
            "membership",
            "affiliations",
        ]
        read_only_fields = fields

    @extend_schema_field(MembershipSerializer(allow_null=True))
    def get_membership(self, person: Person):
        member = getattr(person, "membership", None)
        return MembershipSerializer(member).data if member is not None else None


class _PersonFields(serializers.Serializer):
    family_name = serializers.CharField(max_length=60)
    middle_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    given_name = serializers.CharField(max_length=60)
    birth_date = serializers.DateField(required=False, allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    ethnicity = serializers.CharField(max_length=40, required=False, allow_blank=True)
    citizen_id = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("12 digits, or empty."),
    )
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


PERSON_WRITE_FIELDS = list(_PersonFields().fields)


class PersonCreateSerializer(_PersonFields):
    """A new person with their first affiliation (and party membership, when ``admitted_on``
    is given), in one transaction."""

    unit = ScopedPrimaryKeyField(Unit, help_text=_("The unit the person joins."))
    kind = serializers.ChoiceField(choices=AffiliationKind.choices)
    valid_from = serializers.DateField(help_text=_("The first day in that unit."))
    title = serializers.CharField(max_length=160, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=PostRole.choices, required=False, allow_blank=True)
    concurrent = serializers.BooleanField(required=False)
    state_category = serializers.ChoiceField(
        choices=StateCategory.choices, required=False, allow_blank=True
    )
    residence_exemption = serializers.ChoiceField(
        choices=ResidenceExemption.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)
    admitted_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Party admission date; records the membership. Required for a party cell."),
    )
    official_on = serializers.DateField(required=False, allow_null=True)
    card_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )
    occupation = serializers.ChoiceField(choices=Occupation.choices, required=False)

    def validate(self, attrs):
        if attrs["kind"] in (AffiliationKind.CELL, AffiliationKind.RESIDENCE) and not attrs.get(
            "admitted_on"
        ):
            raise serializers.ValidationError(
                {
                    "admitted_on": _(
                        "Only party members belong to a party cell: give the admission date."
                    )
                }
            )
        return attrs


class PersonUpdateSerializer(_PersonFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class MemberAdmitSerializer(serializers.Serializer):
    admitted_on = serializers.DateField()
    official_on = serializers.DateField(required=False, allow_null=True)
    card_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, allow_null=True
    )
    occupation = serializers.ChoiceField(choices=Occupation.choices, required=False)


class TransferSerializer(serializers.Serializer):
    to_cell = ScopedPrimaryKeyField(Unit, help_text=_("The party cell the member moves to."))
    effective = serializers.DateField()


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MemberStatusKind.choices)
    effective = serializers.DateField()
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class PersonListQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("A unit id: people with a current affiliation in its subtree."),
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Words in the full name; diacritics optional."),
    )


class AffiliationCreateSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyField(Person)
    unit = ScopedPrimaryKeyField(Unit)
    kind = serializers.ChoiceField(choices=AffiliationKind.choices)
    valid_from = serializers.DateField()
    title = serializers.CharField(max_length=160, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=PostRole.choices, required=False, allow_blank=True)
    concurrent = serializers.BooleanField(required=False)
    state_category = serializers.ChoiceField(
        choices=StateCategory.choices, required=False, allow_blank=True
    )
    residence_exemption = serializers.ChoiceField(
        choices=ResidenceExemption.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


AFFILIATION_OPTIONAL_FIELDS = [
    "title",
    "role",
    "concurrent",
    "state_category",
    "residence_exemption",
    "note",
]


class AffiliationEndSerializer(serializers.Serializer):
    valid_to = serializers.DateField(help_text=_("The first day no longer in the unit."))


class AffiliationListQuerySerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    kind = serializers.ChoiceField(choices=AffiliationKind.choices, required=False)
    current = serializers.BooleanField(required=False, allow_null=True, default=None)


class UnitMembersQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AffiliationKind.choices, required=False)


# --- Audit -----------------------------------------------------------------------------


class LogEntrySerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    actor_username = serializers.CharField(source="actor.username", read_only=True, default=None)
    object_type = serializers.SerializerMethodField()
    data = serializers.JSONField(read_only=True)

    class Meta:
        model = LogEntry
        fields = [
            "id",
            "action",
            "label",
            "created_at",
            "actor",
            "actor_username",
            "object_type",
            "object_id",
            "object_repr",
            "unit",
            "data",
            "request_id",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_object_type(self, entry: LogEntry) -> str:
        ct = entry.content_type
        return f"{ct.app_label}.{ct.model}" if ct is not None else ""


class AuditQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("A unit id: entries filed under that unit's subtree."),
    )
    action = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_("Action code or its beginning, e.g. 'unit.'"),
    )
    actor = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text=_("Part of the user name of who did it."),
    )


# --- The current user ------------------------------------------------------------------


class GrantSerializer(serializers.ModelSerializer):
    role_label = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Grant
        fields = ["id", "role", "role_label", "unit", "unit_name", "actions"]
        read_only_fields = fields

    def get_role_label(self, grant: Grant) -> str:
        return _choice_label(Role, grant.role)

    def get_actions(self, grant: Grant) -> list[str]:
        return sorted(ROLE_ACTIONS.get(grant.role, ()))


class MeSerializer(serializers.ModelSerializer):
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
    language = serializers.ChoiceField(choices=User._meta.get_field("language").choices)


# --- Tokens ----------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
