"""What the API reads and writes. Dates are ISO 8601 (yyyy-mm-dd): a machine format.

Request serializers only parse and check the shape of the input; the rules live in the
services, whose ``ValidationError`` becomes HTTP 400 (see ``exceptions``). An id in a request
body names an object the caller may *see*; anything else is reported as "does not exist",
whether it is missing or outside the caller's scope.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kiemdiem.accounts.models import ROLE_ACTIONS, Action, Grant, Role, User
from kiemdiem.accounts.permissions import restrict
from kiemdiem.api.enums import EnumField
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles.models import (
    CycleKind,
    CycleStatus,
    PinnedPack,
    Plan,
    PlanStatus,
    ReviewCycle,
    StageKind,
    Subject,
    SubjectKind,
    SubjectStatus,
    TierChoice,
    Track,
)
from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup, UnitKind
from kiemdiem.people import policies
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
from kiemdiem.reviews import catalogue
from kiemdiem.reviews import engine as review_engine
from kiemdiem.reviews import services as review_services
from kiemdiem.reviews.models import ReviewStatus, ReviewVersion, SelfReview, VersionKind
from kiemdiem.rules_engine import Discipline, Level, Tier

MAX_ID = 2**63 - 1  # the largest primary key the databases store
MAX_LONG_TEXT = 20_000  # guidance, as long as a review's longest answer
MAX_COMMENT = 5_000  # a reason or a comment
MAX_LINKS = 1_000  # members' reviews linked into one collective's report
MAX_NUMBER_TEXT = 40  # the longest rating value a review stores
# The error code of a rule the schema cannot express (across fields, or about a review's form),
# as opposed to the shape of the input (type, required, choice, length), which it describes.
RULE = "rule"


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


class LinkableReviewField(ScopedPrimaryKeyField):
    """The id of a review that may be linked into a collective's report: one the caller may
    see, or one written in that collective (the view gives them as ``linkable``)."""

    def __init__(self, **kwargs):
        super().__init__(SelfReview, **kwargs)

    def get_queryset(self):
        linkable = self.context.get("linkable")
        visible = super().get_queryset()
        return visible if linkable is None else (visible | linkable).distinct()


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
    code = Text(max_length=32)
    name = Text(max_length=255)
    short_name = Text(max_length=120, required=False, allow_blank=True, default="")
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
    code = Text(max_length=32, required=False)
    name = Text(max_length=255, required=False)
    short_name = Text(max_length=120, required=False, allow_blank=True)
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
    q = Text(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("Words in the name or code; diacritics optional."),
    )
    active = QueryYesNo(
        required=False, help_text=_("true: active units only; false: dissolved only.")
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
    person_name = Text(source="person.full_name", read_only=True)
    unit_name = Text(source="unit.name", read_only=True)
    # Optional choices are "" when not set: the schema says so (blank or one of the choices).
    role = serializers.ChoiceField(choices=PostRole.choices, read_only=True, allow_blank=True)
    state_category = serializers.ChoiceField(
        choices=StateCategory.choices, read_only=True, allow_blank=True
    )
    residence_exemption = serializers.ChoiceField(
        choices=ResidenceExemption.choices, read_only=True, allow_blank=True
    )

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


class UnitMemberSerializer(AffiliationSerializer):
    """A row of a unit's roster: the affiliation, and the person's date of birth when the
    caller may see personal fields (``people.policies``), else null."""

    birth_date = serializers.SerializerMethodField()

    class Meta(AffiliationSerializer.Meta):
        fields = [*AffiliationSerializer.Meta.fields, "birth_date"]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_birth_date(self, row: Affiliation):
        return row.person.birth_date if getattr(row, "personal", False) else None


class PersonAffiliationSerializer(AffiliationSerializer):
    class Meta(AffiliationSerializer.Meta):
        fields = [f for f in AffiliationSerializer.Meta.fields if f != "person_name"]
        read_only_fields = fields


def _withhold_personal(data: dict, person: Person) -> dict:
    """Null the personal fields unless the row says the caller may see them (``personal``,
    set by ``people.policies.with_personal`` or by the view)."""
    if not getattr(person, "personal", False):
        for name in policies.PERSONAL_FIELDS:
            if name in data:
                data[name] = None
        if data.get("membership"):
            for name in policies.MEMBER_PERSONAL_FIELDS:
                data["membership"][name] = None
    return data


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

    gender = serializers.ChoiceField(choices=Gender.choices, read_only=True, allow_blank=True)
    is_member = serializers.SerializerMethodField()
    cell = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [*PERSON_READ_FIELDS, "is_member", "cell"]
        read_only_fields = fields

    def to_representation(self, person):
        return _withhold_personal(super().to_representation(person), person)

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
    """A person in full. ``birth_date``, ``citizen_id``, ``phone``, ``email`` and the party
    card number are null unless the caller may see personal fields (``people.policies``)."""

    gender = serializers.ChoiceField(choices=Gender.choices, read_only=True, allow_blank=True)
    # Checked as an e-mail address whenever it is saved (Person.full_clean); "" when unknown,
    # null when the caller may not see personal fields.
    email = serializers.EmailField(read_only=True, allow_blank=True, allow_null=True)
    membership = serializers.SerializerMethodField()
    phone = serializers.CharField(read_only=True, allow_null=True)
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

    def to_representation(self, person):
        return _withhold_personal(super().to_representation(person), person)


class _PersonFields(serializers.Serializer):
    family_name = Text(max_length=60)
    middle_name = Text(max_length=80, required=False, allow_blank=True)
    given_name = Text(max_length=60)
    birth_date = serializers.DateField(required=False, allow_null=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    ethnicity = Text(max_length=40, required=False, allow_blank=True)
    citizen_id = Text(
        max_length=12,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_("12 digits, or empty."),
    )
    phone = Text(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


PERSON_WRITE_FIELDS = list(_PersonFields().fields)


class PersonCreateSerializer(_PersonFields):
    """A new person with their first affiliation (and party membership, when ``admitted_on``
    is given), in one transaction."""

    unit = ScopedPrimaryKeyField(Unit, help_text=_("The unit the person joins."))
    kind = serializers.ChoiceField(choices=AffiliationKind.choices)
    valid_from = serializers.DateField(help_text=_("The first day in that unit."))
    title = Text(max_length=160, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=PostRole.choices, required=False, allow_blank=True)
    concurrent = YesNo(required=False)
    state_category = serializers.ChoiceField(
        choices=StateCategory.choices, required=False, allow_blank=True
    )
    residence_exemption = serializers.ChoiceField(
        choices=ResidenceExemption.choices, required=False, allow_blank=True
    )
    note = Text(max_length=255, required=False, allow_blank=True)
    admitted_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Party admission date; records the membership. Required for a party cell."),
    )
    official_on = serializers.DateField(required=False, allow_null=True)
    card_number = Text(max_length=20, required=False, allow_blank=True, allow_null=True)
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
                },
                code=RULE,
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
    card_number = Text(max_length=20, required=False, allow_blank=True, allow_null=True)
    occupation = serializers.ChoiceField(choices=Occupation.choices, required=False)


class TransferSerializer(serializers.Serializer):
    to_cell = ScopedPrimaryKeyField(Unit, help_text=_("The party cell the member moves to."))
    effective = serializers.DateField()


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MemberStatusKind.choices)
    effective = serializers.DateField()
    reason = Text(max_length=255, required=False, allow_blank=True, default="")


class PersonListQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("A unit id: people with a current affiliation in its subtree."),
    )
    q = Text(
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
    title = Text(max_length=160, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=PostRole.choices, required=False, allow_blank=True)
    concurrent = YesNo(required=False)
    state_category = serializers.ChoiceField(
        choices=StateCategory.choices, required=False, allow_blank=True
    )
    residence_exemption = serializers.ChoiceField(
        choices=ResidenceExemption.choices, required=False, allow_blank=True
    )
    note = Text(max_length=255, required=False, allow_blank=True)


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
    current = QueryYesNo(required=False)


class UnitMembersQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AffiliationKind.choices, required=False)


# --- Audit -----------------------------------------------------------------------------


class LogEntrySerializer(serializers.ModelSerializer):
    label = Text(read_only=True)
    actor_username = Text(source="actor.username", read_only=True, default=None, allow_null=True)
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
    action = Text(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text=_("Action code or its beginning, e.g. 'unit.'"),
    )
    actor = Text(
        required=False,
        allow_blank=True,
        max_length=150,
        help_text=_("Part of the user name of who did it."),
    )


# --- The current user ------------------------------------------------------------------


class GrantSerializer(serializers.ModelSerializer):
    role_label = serializers.SerializerMethodField()
    unit_name = Text(source="unit.name", read_only=True)
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


# --- Tokens ----------------------------------------------------------------------------


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


# --- Review cycles ---------------------------------------------------------------------


class StageSerializer(serializers.Serializer):
    """One stage of a plan's timetable: from ``starts_on`` to ``due_on``, both included."""

    kind = EnumField(StageKind)
    starts_on = serializers.DateField()
    due_on = serializers.DateField()


class PinnedPackSerializer(serializers.ModelSerializer):
    track = EnumField(Track, read_only=True)

    class Meta:
        model = PinnedPack
        fields = ["track", "subject_kinds", "pack_id", "pack_version", "pack_hash"]
        read_only_fields = fields


class CycleSerializer(serializers.ModelSerializer):
    """A review cycle, with the rule sets it pinned (by hash, never changed)."""

    kind = EnumField(CycleKind, read_only=True)
    status = EnumField(CycleStatus, read_only=True)
    kind_label = serializers.SerializerMethodField()
    root_name = Text(source="root.name", read_only=True)
    packs = PinnedPackSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewCycle
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "year",
            "quarter",
            "period_start",
            "period_end",
            "root",
            "root_name",
            "status",
            "created_at",
            "packs",
        ]
        read_only_fields = fields

    def get_kind_label(self, cycle: ReviewCycle) -> str:
        return _choice_label(CycleKind, cycle.kind)


class CycleOpenSerializer(serializers.Serializer):
    code = Text(max_length=40)
    name = Text(max_length=255)
    kind = EnumField(CycleKind)
    year = WholeNumber(min_value=1, max_value=9999, help_text=_("The review year."))
    quarter = WholeNumber(
        min_value=1,
        max_value=4,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Quarterly cycles only: 1, 2 or 3 (Q4 is folded into the year-end review)."),
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    root = ScopedPrimaryKeyField(
        Unit, help_text=_("The unit that opens the cycle; it concerns everyone below it.")
    )
    stages = StageSerializer(
        many=True,
        allow_empty=True,
        max_length=20,
        help_text=_("The opening level's timetable: each stage once, in the order of the process."),
    )
    guidance = Text(max_length=MAX_LONG_TEXT, required=False, allow_blank=True, default="")


class CycleListQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1, max_value=9999, required=False)
    kind = EnumField(CycleKind, required=False)
    status = EnumField(CycleStatus, required=False)


class PlanSerializer(serializers.ModelSerializer):
    """A level's plan: guidance and a timetable inside the windows of the nearest higher
    level's plan (``parent``)."""

    status = EnumField(PlanStatus, read_only=True)
    unit_name = Text(source="unit.name", read_only=True)
    parent_unit = serializers.IntegerField(
        source="parent.unit_id", read_only=True, allow_null=True, default=None
    )
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "cycle",
            "unit",
            "unit_name",
            "parent",
            "parent_unit",
            "guidance",
            "status",
            "return_comment",
            "issued_at",
            "stages",
        ]
        read_only_fields = fields


class PlanIssueSerializer(serializers.Serializer):
    unit = ScopedPrimaryKeyField(Unit, help_text=_("The unit issuing its plan."))
    stages = StageSerializer(
        many=True,
        allow_empty=False,
        max_length=20,
        help_text=_(
            "Each stage once, in the order of the process, inside the higher plan's window."
        ),
    )
    guidance = Text(max_length=MAX_LONG_TEXT, required=False, allow_blank=True, default="")


class PlanReviseSerializer(serializers.Serializer):
    stages = StageSerializer(many=True, allow_empty=False, max_length=20)
    guidance = Text(max_length=MAX_LONG_TEXT, required=False, allow_blank=True, default="")


class PlanListQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=_("The plan of this unit.")
    )
    status = EnumField(PlanStatus, required=False)


class CommentSerializer(serializers.Serializer):
    comment = Text(
        max_length=MAX_COMMENT, help_text=_("What needs to change, for the level sent back to.")
    )


# --- Subjects --------------------------------------------------------------------------

PERSON_SUBJECT_KINDS = frozenset(
    {
        SubjectKind.PARTY_MEMBER,
        SubjectKind.LEADER,
        SubjectKind.HEAD,
        SubjectKind.MEMBER_OUTSIDE,
        SubjectKind.CIVIL_SERVANT,
        SubjectKind.PUBLIC_EMPLOYEE,
    }
)


class SubjectSerializer(serializers.ModelSerializer):
    """One review held in a cycle: a person in one place, or a unit or collective."""

    kind = EnumField(SubjectKind, read_only=True)
    track = EnumField(Track, read_only=True)
    status = EnumField(SubjectStatus, read_only=True)
    tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)
    kind_label = serializers.SerializerMethodField()
    person_name = Text(source="person.full_name", read_only=True, default=None, allow_null=True)
    unit_name = Text(source="unit.name", read_only=True)

    class Meta:
        model = Subject
        fields = [
            "id",
            "cycle",
            "kind",
            "kind_label",
            "track",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "status",
            "reason",
            "added_by_hand",
            "tier",
            "rated_at",
            "rating_note",
        ]
        read_only_fields = fields

    def get_kind_label(self, subject: Subject) -> str:
        return _choice_label(SubjectKind, subject.kind)


class SubjectRefSerializer(SubjectSerializer):
    class Meta(SubjectSerializer.Meta):
        fields = [
            "id",
            "kind",
            "kind_label",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "status",
            "tier",
        ]
        read_only_fields = fields


class ReviewRefSerializer(serializers.ModelSerializer):
    status = EnumField(ReviewStatus, read_only=True)
    proposed_tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)

    class Meta:
        model = SelfReview
        fields = ["id", "status", "version", "proposed_tier", "submitted_at"]
        read_only_fields = fields


class SubjectDetailSerializer(SubjectSerializer):
    """A subject, what it waits for (the order the rules require) and its self-review."""

    waits_for = SubjectRefSerializer(
        many=True,
        read_only=True,
        source="prerequisite_rows",
        help_text=_(
            "The subjects to be rated before this one; those still pending block the rating."
        ),
    )
    review = ReviewRefSerializer(read_only=True, allow_null=True)

    class Meta(SubjectSerializer.Meta):
        fields = [*SubjectSerializer.Meta.fields, "waits_for", "review"]
        read_only_fields = fields


class SubjectAddSerializer(serializers.Serializer):
    kind = EnumField(SubjectKind)
    unit = ScopedPrimaryKeyField(Unit, help_text=_("Where the review is held."))
    person = ScopedPrimaryKeyField(
        Person,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The person reviewed; null for a unit or collective."),
    )
    reason = Text(max_length=255)

    def validate(self, attrs):
        person_kind = attrs["kind"] in PERSON_SUBJECT_KINDS
        if person_kind and attrs.get("person") is None:
            raise serializers.ValidationError(
                {"person": _("This kind of subject is a person: say who.")}, code=RULE
            )
        if not person_kind and attrs.get("person") is not None:
            raise serializers.ValidationError(
                {"person": _("This kind of subject is a unit: leave the person out.")}, code=RULE
            )
        return attrs


class SubjectExcludeSerializer(serializers.Serializer):
    reason = Text(max_length=255)


class SubjectRateSerializer(serializers.Serializer):
    tier = EnumField(TierChoice, name="Tier")
    note = Text(max_length=MAX_COMMENT, required=False, allow_blank=True, default="")


class SubjectListQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("A unit id: the subjects reviewed in that unit."),
    )
    subtree_of = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("A unit id: the subjects reviewed in that unit and everything below."),
    )
    kind = EnumField(SubjectKind, required=False)
    status = EnumField(SubjectStatus, required=False)
    track = EnumField(Track, required=False)
    person = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class GeneratedSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True, help_text=_("Subjects listed."))


# --- Self-reviews ----------------------------------------------------------------------


class ChecklistItemSerializer(serializers.Serializer):
    id = Text(read_only=True)
    label = Text(read_only=True)


class FormSectionSerializer(serializers.Serializer):
    key = Text(read_only=True)
    type = serializers.ChoiceField(
        choices=[(t, t) for t in sorted(catalogue.SECTION_TYPES)], read_only=True
    )
    title = Text(read_only=True)
    help = Text(read_only=True)
    items = serializers.SerializerMethodField(
        help_text=_("For a checklist: the items that can be ticked, by code.")
    )

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_items(self, section) -> list[dict]:
        if section.type != "checklist":
            return []
        items = [i for g in catalogue.checklists()[section.list].groups for i in g.items]
        return [{"id": i.id, "label": i.label} for i in items]


class FormSerializer(serializers.Serializer):
    key = Text(read_only=True)
    code = Text(read_only=True)
    title = Text(read_only=True)
    sections = FormSectionSerializer(many=True, read_only=True)


class RatingInputSerializer(serializers.Serializer):
    """One input of the rating section, as the cycle's pinned rule set asks for it."""

    name = Text(read_only=True)
    type = Text(read_only=True)
    label = Text(read_only=True)
    values = serializers.ListField(child=Text(), read_only=True)
    min = serializers.DecimalField(max_digits=20, decimal_places=4, read_only=True, allow_null=True)
    max = serializers.DecimalField(max_digits=20, decimal_places=4, read_only=True, allow_null=True)


class ReviewSerializer(serializers.ModelSerializer):
    """A self-review: the form it follows, what is written, the self-proposed tier and the
    rule engine's result for the rating section as last saved."""

    status = EnumField(ReviewStatus, read_only=True)
    proposed_tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)
    form = serializers.SerializerMethodField()
    rating_inputs = serializers.SerializerMethodField()
    content = serializers.JSONField(read_only=True)
    engine_result = serializers.SerializerMethodField()
    linked_reviews = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SelfReview
        fields = [
            "id",
            "subject",
            "form",
            "status",
            "content",
            "proposed_tier",
            "engine_result",
            "rating_inputs",
            "version",
            "amendment_reason",
            "return_comment",
            "linked_reviews",
            "updated_at",
            "updated_by",
            "submitted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(FormSerializer)
    def get_form(self, review: SelfReview):
        form = catalogue.forms().get(review.form_key)
        return FormSerializer(form).data if form is not None else None

    @extend_schema_field(serializers.JSONField())
    def get_engine_result(self, review: SelfReview):
        """The rule engine's result with its explanation (rebuilt from the content)."""
        return review_services.live_result(review)

    @extend_schema_field(RatingInputSerializer(many=True))
    def get_rating_inputs(self, review: SelfReview):
        return RatingInputSerializer(rating_inputs(review.subject) or [], many=True).data


rating_inputs = review_engine.inputs_of  # the inputs of the subject's rating section


class ReviewVersionSerializer(serializers.ModelSerializer):
    kind = EnumField(VersionKind, name="ReviewVersionKind", read_only=True)
    proposed_tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)
    content = serializers.JSONField(read_only=True)
    engine_result = serializers.JSONField(read_only=True)
    created_by_username = Text(
        source="created_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ReviewVersion
        fields = [
            "id",
            "number",
            "kind",
            "content",
            "proposed_tier",
            "engine_result",
            "note",
            "created_at",
            "created_by",
            "created_by_username",
        ]
        read_only_fields = fields


class ReviewSaveSerializer(serializers.Serializer):
    """The draft as a whole: it replaces what was saved before."""

    content = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text=_(
            "The form's sections by key (see `form.sections`): text for a text section; "
            '{"text", "products": [{"name", "result"}]} for products; {"checked": [item codes], '
            '"explanation"} for a checklist; [{"shortcoming", "remedy", "done"}] for '
            "shortcomings; {input name: value} for the rating (see `rating_inputs`)."
        ),
    )
    proposed_tier = EnumField(TierChoice, name="Tier", required=False, allow_blank=True, default="")
    revision = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "The `updated_at` of the review this draft was written from. When the review has "
            "changed since (another window, another writer), the save is refused with 409 and "
            "nothing changes."
        ),
    )


class ReasonSerializer(serializers.Serializer):
    reason = Text(max_length=MAX_COMMENT)


class ReviewLinkSerializer(serializers.Serializer):
    reviews = LinkableReviewField(
        many=True,
        allow_empty=True,
        help_text=_("Ids of the members' reviews the collective's report refers to (all of them)."),
    )

    def to_internal_value(self, data):
        reviews = data.get("reviews") if isinstance(data, dict) else None
        if isinstance(reviews, list) and len(reviews) > MAX_LINKS:  # before one query per id
            raise serializers.ValidationError(
                {"reviews": [_("Link at most %(n)s reviews.") % {"n": MAX_LINKS}]}
            )
        return super().to_internal_value(data)


def _is_text(value) -> bool:
    return value is None or isinstance(value, str)


BOOL_TEXTS = {"true": True, "on": True, "yes": True, "1": True, "false": False, "off": False}
BOOL_TEXTS |= {"no": False, "0": False}


def _rating_value(spec: review_engine.Input | None, name: str, value):
    """A rating input as the review stores it (text), or the message for a wrong type.

    ``spec`` is None when the cycle's rule set is unavailable: any single value is kept."""
    if value is None or value == "":
        return None, None
    kind = spec.type if spec is not None else ""
    if kind == "bool":
        if isinstance(value, bool):
            return ("true" if value else "false"), None
        if isinstance(value, str) and value.strip().lower() in BOOL_TEXTS:
            return value.strip(), None
        return None, _("%(name)s: expected true or false.") % {"name": name}
    if kind == "number":
        text = "" if isinstance(value, bool) else str(value).strip().replace(",", ".")
        try:
            number = Decimal(text) if isinstance(value, int | float | str) and text else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or len(text) > MAX_NUMBER_TEXT:
            return None, _("%(name)s: expected a number.") % {"name": name}
        return text, None
    if kind in ("level", "tier", "discipline"):
        allowed = tuple({"level": Level, "tier": Tier, "discipline": Discipline}[kind].__members__)
    elif kind:
        allowed = tuple(spec.values)
    elif isinstance(value, str | int | float | bool):
        return str(value), None
    else:
        return None, _("%(name)s: expected a single value.") % {"name": name}
    if not isinstance(value, str) or value.strip().upper() not in {a.upper() for a in allowed}:
        message = _("%(name)s: expected one of %(values)s.")
        return None, message % {"name": name, "values": ", ".join(allowed)}
    return value.strip(), None


def check_content(form: catalogue.FormSpec, inputs, content: dict) -> dict:
    """Check the shape of each section of ``content`` against ``form`` before the service sees
    it; a wrong type is a 400 on that section's key, naming what was expected."""
    sections = {section.key: section for section in form.sections}
    unknown = sorted(key for key in content if key not in sections)
    if unknown:
        raise serializers.ValidationError(
            {
                "content": [
                    _("Unknown sections of this form: %(keys)s.") % {"keys": ", ".join(unknown)}
                ]
            },
            code=RULE,
        )
    errors: dict[str, list[str]] = {}
    out: dict = {}
    for key, value in content.items():
        if value is None:
            continue
        kind = sections[key].type
        if kind == "text":
            if not isinstance(value, str):
                errors[key] = [_("Expected text.")]
        elif kind == "products":
            rows = (value.get("products") or []) if isinstance(value, dict) else []
            ok = isinstance(value, str) or (
                isinstance(value, dict)
                and set(value) <= {"text", "products"}
                and _is_text(value.get("text"))
                and isinstance(rows, list)
                and all(
                    isinstance(r, dict)
                    and set(r) <= {"name", "result"}
                    and all(_is_text(v) for v in r.values())
                    for r in rows
                )
            )
            if not ok:
                errors[key] = [
                    _(
                        "Expected text, or an object with “text” and “products” (a list of rows "
                        "with “name” and “result”)."
                    )
                ]
        elif kind == "checklist":
            ok = (
                isinstance(value, dict)
                and set(value) <= {"checked", "explanation"}
                and isinstance(value.get("checked") or [], list)
                and all(isinstance(i, str) for i in value.get("checked") or [])
                and _is_text(value.get("explanation"))
            )
            if not ok:
                errors[key] = [
                    _("Expected an object with “checked” (a list of item codes) and “explanation”.")
                ]
        elif kind == "shortcomings":
            ok = isinstance(value, list) and all(
                isinstance(r, dict)
                and set(r) <= {"shortcoming", "remedy", "done"}
                and _is_text(r.get("shortcoming"))
                and _is_text(r.get("remedy"))
                and isinstance(r.get("done") or False, bool)
                for r in value
            )
            if not ok:
                errors[key] = [
                    _("Expected a list of rows with “shortcoming”, “remedy” and “done”.")
                ]
        elif kind == "rating":
            if not isinstance(value, dict):
                errors[key] = [_("Expected an object of rating inputs, by name.")]
                continue
            value = _check_rating(key, value, inputs, errors)
        out[key] = value
    if errors:
        raise serializers.ValidationError(errors, code=RULE)
    return out


def _check_rating(key: str, value: dict, inputs, errors: dict) -> dict:
    specs = {i.name: i for i in inputs} if inputs is not None else None
    if specs is not None:
        unknown = sorted(name for name in value if name not in specs)
        if unknown:
            errors[key] = [_("Unknown rating inputs: %(names)s.") % {"names": ", ".join(unknown)}]
            return value
    checked = {}
    for name, raw in value.items():
        spec = specs[name] if specs is not None else None
        normalized, message = _rating_value(spec, name, raw)
        if message:
            errors.setdefault(key, []).append(message)
        elif normalized is not None:
            checked[name] = normalized
    return checked
