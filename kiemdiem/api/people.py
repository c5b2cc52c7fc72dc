"""The API of people and their affiliations: persons with their membership, statuses and
affiliations (personal fields only to those entitled, ``people.policies``), enrolment,
changes, admission, transfer, status changes; affiliations started and ended."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.api.base import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewSet,
    require,
    require_somewhere,
)
from kiemdiem.api.fields import (
    MAX_ID,
    QueryYesNo,
    ScopedPrimaryKeyField,
    Text,
    UnitRefSerializer,
    YesNo,
)
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import may_change_unit
from kiemdiem.orgtree.selectors import unit_visible
from kiemdiem.people import policies, selectors
from kiemdiem.people import services as people
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

# --- Serializers ----------------------------------------------------------------------


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
    phone = serializers.CharField(read_only=True, allow_null=True, allow_blank=True)
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


# What an affiliation records besides its person and unit, shared by a person's first
# affiliation and a later one. (A comment, not a docstring: the schema would inherit it.)
class _AffiliationFields(serializers.Serializer):
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


class PersonCreateSerializer(_PersonFields, _AffiliationFields):
    """A new person with their first affiliation (and party membership, when ``admitted_on``
    is given), in one transaction."""

    unit = ScopedPrimaryKeyField(Unit, help_text=_("The unit the person joins."))
    valid_from = serializers.DateField(help_text=_("The first day in that unit."))
    admitted_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("Party admission date; records the membership. Required for a party cell."),
    )
    official_on = serializers.DateField(required=False, allow_null=True)
    card_number = Text(max_length=20, required=False, allow_blank=True, allow_null=True)
    occupation = serializers.ChoiceField(choices=Occupation.choices, required=False)


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


class AffiliationCreateSerializer(_AffiliationFields):
    person = ScopedPrimaryKeyField(Person)
    unit = ScopedPrimaryKeyField(Unit)


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


# --- Views ----------------------------------------------------------------------------


def _detail_prefetch() -> tuple:
    """What a person's detail shows besides the person: statuses, affiliations oldest first."""
    affiliations = Affiliation.objects.select_related("unit", "person").order_by("valid_from", "pk")
    return ("membership__statuses", Prefetch("affiliations", queryset=affiliations))


def _person_detail_queryset() -> QuerySet:
    return Person.objects.select_related("membership").prefetch_related(*_detail_prefetch())


@extend_schema_view(
    list=extend_schema(
        summary="List people",
        description="People the caller may see, in Vietnamese order (given name, middle name, "
        "family name).",
        parameters=[PersonListQuerySerializer],
        responses={200: PersonSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One person, with membership, statuses and affiliations",
        responses={200: PersonDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Create a person with their first affiliation",
        description="Needs `change` on `unit`. The person, their party membership (when "
        "`admitted_on` is given; required for a party cell) and their affiliation to `unit` "
        "are created in one transaction: all or nothing.",
        request=PersonCreateSerializer,
        responses={201: PersonDetailSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a person's details",
        description="Needs `change` where the person's party membership is (their current party cell); "
        "for a non-member, where they are employed (else where they hold a post). A residence "
        "registration gives no right to change the person.",
        request=PersonUpdateSerializer,
        responses={200: PersonDetailSerializer, **WRITE_ERRORS},
    ),
)
class PersonViewSet(ApiViewSet):
    queryset = Person.objects.none()
    serializer_class = PersonSerializer

    def _detail(self, person: Person) -> dict:
        person = _person_detail_queryset().get(pk=person.pk)
        person.personal = policies.may_view_personal(self.request.user, person)
        return PersonDetailSerializer(person, context=self.get_serializer_context()).data

    def _person(self) -> Person:
        """The person in the URL, as their page reads them (404 when missing or out of sight)."""
        return selectors.person_get(self.request.user, self.url_pk())

    def _changeable_person(self) -> Person:
        """A visible person whose details, membership and cell the caller may change: where
        their membership is (their cell), else their employment (403 otherwise)."""
        person = self._person()
        if not policies.may_change_person(self.request.user, person):
            raise PermissionDenied
        return person

    def list(self, request):
        params = self.parse_query(PersonListQuerySerializer)
        unit = None
        if "unit" in params:
            unit = unit_visible(request.user, params["unit"])
            if unit is None:  # out of sight: nothing in it to list
                return self.paginated(Person.objects.none(), PersonSerializer)
        persons = selectors.person_list(request.user, unit=unit, q=params.get("q", ""))
        persons = persons.prefetch_related(selectors.prefetch_current_cells())
        return self.paginated(persons, PersonSerializer)

    def retrieve(self, request, pk=None):
        person = self._person()
        prefetch_related_objects([person], *_detail_prefetch())
        person.personal = policies.may_view_personal(request.user, person)
        return Response(PersonDetailSerializer(person).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(PersonCreateSerializer)
        unit = data["unit"]
        require(policies.may_create_person(request.user, unit))
        person_fields = {k: data[k] for k in PERSON_WRITE_FIELDS if k in data}
        extra = {k: data[k] for k in AFFILIATION_OPTIONAL_FIELDS if k in data}
        membership = None
        if data.get("admitted_on"):
            membership = {
                "admitted_on": data["admitted_on"],
                "official_on": data.get("official_on"),
                "card_number": data.get("card_number"),
                "occupation": data.get("occupation", Occupation.CIVIL_SERVICE),
            }
        person = people.person_enrol(
            unit=unit,
            kind=data["kind"],
            valid_from=data["valid_from"],
            person_fields=person_fields,
            membership=membership,
            actor=request.user,
            **extra,
        )
        return Response(self._detail(person), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        person = self._changeable_person()
        data = self.parse_body(PersonUpdateSerializer)
        person = people.person_update(person=person, actor=request.user, **data)
        return Response(self._detail(person))

    @extend_schema(
        summary="Record a person's party membership",
        description="Needs `change` where the person is employed (else where they hold a post).",
        request=MemberAdmitSerializer,
        responses={201: PersonDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def admit(self, request, pk=None):
        person = self._person()
        if not policies.may_admit(request.user, person):
            raise PermissionDenied
        data = self.parse_body(MemberAdmitSerializer)
        data.setdefault("occupation", Occupation.CIVIL_SERVICE)
        people.member_admit(person=person, actor=request.user, **data)
        return Response(self._detail(person), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Transfer a member to another party cell",
        description="Needs `change` on the member's current party cell and on `to_cell`.",
        request=TransferSerializer,
        responses={201: AffiliationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        person = self._changeable_person()
        data = self.parse_body(TransferSerializer)
        require(may_change_unit(request.user, data["to_cell"]))
        affiliation = people.member_transfer(person=person, actor=request.user, **data)
        return Response(AffiliationSerializer(affiliation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a member's activity status",
        description="Active, exempt from party work, or suspended, from `effective` on. Needs "
        "`change` on the member's current party cell.",
        request=StatusChangeSerializer,
        responses={201: MemberStatusSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        person = self._changeable_person()
        data = self.parse_body(StatusChangeSerializer)
        member = people.membership_of(person)
        new = people.member_status_change(member=member, actor=request.user, **data)
        return Response(MemberStatusSerializer(new).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="List affiliations",
        parameters=[AffiliationListQuerySerializer],
        responses={200: AffiliationSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One affiliation", responses={200: AffiliationSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Start an affiliation",
        description="A person joins a unit: party cell, residence cell, post or employment. "
        "Needs `change` on `unit`; the person must be visible to the caller.",
        request=AffiliationCreateSerializer,
        responses={201: AffiliationSerializer, **WRITE_ERRORS},
    ),
)
class AffiliationViewSet(ApiViewSet):
    queryset = Affiliation.objects.none()
    serializer_class = AffiliationSerializer

    def list(self, request):
        params = self.parse_query(AffiliationListQuerySerializer)
        rows = restrict(Affiliation.objects.all(), request.user, Action.VIEW)
        for name in ("person", "unit", "kind"):
            if params.get(name):
                rows = rows.filter(**{name: params[name]})
        if params.get("current") is not None:
            rows = rows.filter(valid_to__isnull=params["current"])
        rows = rows.select_related("person", "unit").order_by("valid_from", "pk")
        return self.paginated(rows, AffiliationSerializer)

    def retrieve(self, request, pk=None):
        row = self.visible(Affiliation.objects.select_related("person", "unit"))
        return Response(AffiliationSerializer(row).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(AffiliationCreateSerializer)
        require(policies.may_start_affiliation(request.user, data["person"], data["unit"]))
        affiliation = people.affiliation_start(actor=request.user, **data)
        return Response(AffiliationSerializer(affiliation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End an affiliation",
        description="Needs `change` on the affiliation's unit (for a party cell, that is "
        "the member's current cell).",
        request=AffiliationEndSerializer,
        responses={200: AffiliationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        row = self.visible(Affiliation.objects.select_related("person", "unit"))
        if not policies.may_end_affiliation(request.user, row):
            raise PermissionDenied
        data = self.parse_body(AffiliationEndSerializer)
        row = people.affiliation_end(affiliation=row, actor=request.user, **data)
        return Response(AffiliationSerializer(row).data)
