"""The REST API: units, people, affiliations, the audit log, review cycles, plans, subjects
and self-reviews, the current user, tokens.

Reads go through the permission door (``restrict`` / ``get_or_404``): what a user cannot
see does not exist for them (404, or an empty list). Writes call one service (or, to create a
person with their first affiliation, three services in one transaction) after checking the
``change`` action on the unit the write lands in; a visible object the user may not change
answers 403. A user who may change nothing anywhere gets 403 from a write before its body is
read. A service's ``ValidationError`` becomes 400 and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.accounts.services import user_set_language
from kiemdiem.api import serializers as s
from kiemdiem.api.exceptions import DETAIL_SCHEMA, VALIDATION_ERROR_SCHEMA, api_exception_handler
from kiemdiem.api.pagination import Pagination
from kiemdiem.audit.models import LogEntry
from kiemdiem.audit.policies import readable_entries
from kiemdiem.common.dates import valid_on
from kiemdiem.common.vietnamese import fold_diacritics
from kiemdiem.cycles import policies as cycle_policies
from kiemdiem.cycles import selectors
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects as subject_lists
from kiemdiem.cycles.models import CycleStatus, PinnedPack, Plan, ReviewCycle, Subject
from kiemdiem.cycles.selectors import prerequisites
from kiemdiem.cycles.services import StageWindow
from kiemdiem.orgtree import policies as tree_policies
from kiemdiem.orgtree import restructure
from kiemdiem.orgtree import services as tree
from kiemdiem.orgtree.models import Unit, UnitPlacement
from kiemdiem.people import policies
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation, AffiliationKind, Occupation, PartyMember, Person
from kiemdiem.people.selectors import unit_members
from kiemdiem.reviews import catalogue
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import SelfReview
from kiemdiem.reviews.policies import ReviewPolicy

# --- Shared ----------------------------------------------------------------------------

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


def require(allowed: bool) -> None:
    """403 unless the app's policy allows it (on an object the user can already see). The
    services ask the same policy again; this only answers early, before the body is read."""
    if not allowed:
        raise PermissionDenied


def require_somewhere(user) -> None:
    """403 unless ``user`` may change something somewhere: checked before the body of a write
    that names its target in the body is read, so that a reader learns nothing from it."""
    require(tree_policies.may_change_somewhere(user))


def search_words(queryset: QuerySet, q: str) -> QuerySet:
    for word in fold_diacritics(q).split():
        queryset = queryset.filter(search_text__contains=word)
    return queryset


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
        if not (pk.isascii() and pk.isdigit() and 0 < int(pk) <= s.MAX_ID):
            raise Http404
        return int(pk)

    def visible(self, queryset, action_name: Action = Action.VIEW):
        """The object named in the URL, through the door; missing and forbidden are 404."""
        return get_or_404(queryset, self.request.user, action_name, pk=self.url_pk())


# --- Units -----------------------------------------------------------------------------


def _as_of(units: QuerySet, day) -> QuerySet:
    """Units that existed on ``day``, annotated with their place in the tree on that day."""
    span = UnitPlacement.objects.filter(valid_on(day), unit=OuterRef("pk")).order_by("-valid_from")
    return units.annotate(
        tree_path=Subquery(span.values("path")[:1]),
        tree_parent=Subquery(span.values("parent_id")[:1]),
        tree_depth=Subquery(span.values("depth")[:1]),
        tree_name=Subquery(span.values("name")[:1]),
    ).filter(tree_path__isnull=False)


@extend_schema_view(
    list=extend_schema(
        summary="List units",
        description="Units the caller may see, in tree order. With `as_of`, the tree as it "
        "stood on that date: only units that existed then, with their parent and path then.",
        parameters=[s.UnitListQuerySerializer],
        responses={200: s.UnitSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(summary="One unit", responses={200: s.UnitSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Create a unit",
        description="Needs `change` on the parent (on the whole tree for a root unit).",
        request=s.UnitCreateSerializer,
        responses={201: s.UnitSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a unit's names, kind, code or rating authority",
        description="Needs `change` on the unit. Moving is a separate call (`move`).",
        request=s.UnitUpdateSerializer,
        responses={200: s.UnitSerializer, **WRITE_ERRORS},
    ),
)
class UnitViewSet(ApiViewSet):
    queryset = Unit.objects.none()
    serializer_class = s.UnitSerializer

    def list(self, request):
        params = self.parse_query(s.UnitListQuerySerializer)
        units = restrict(Unit.objects.all(), request.user, Action.VIEW)
        day = params.get("as_of")
        path, parent = ("tree_path", "tree_parent") if day else ("path", "parent_id")
        if day:
            units = _as_of(units, day)
        if "parent" in params:
            units = units.filter(**{parent: params["parent"]})
        if params.get("kind"):
            units = units.filter(kind=params["kind"])
        if params.get("active") is not None:
            units = units.filter(valid_to__isnull=params["active"])
        units = search_words(units, params.get("q", ""))
        if "subtree_of" in params:
            root = restrict(Unit.objects.all(), request.user, Action.VIEW).filter(
                pk=params["subtree_of"]
            )
            if day:
                root = UnitPlacement.objects.filter(valid_on(day), unit__in=root)
            root_path = root.values_list("path", flat=True).first()
            if root_path is None:
                units = units.none()
            else:
                units = units.filter(**{f"{path}__startswith": root_path})
        return self.paginated(units.order_by(path, "pk"), s.UnitSerializer)

    def retrieve(self, request, pk=None):
        return Response(s.UnitSerializer(self.visible(Unit.objects.all())).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(s.UnitCreateSerializer)
        require(tree_policies.may_add_under(request.user, data["parent"]))
        unit = tree.unit_create(actor=request.user, **data)
        return Response(s.UnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        unit = self.visible(Unit.objects.all())
        require(tree_policies.may_change_unit(request.user, unit))
        data = self.parse_body(s.UnitUpdateSerializer)
        unit = tree.unit_update(
            unit=unit,
            name=data.get("name", unit.name),
            short_name=data.get("short_name", unit.short_name),
            kind=data.get("kind", unit.kind),
            managed_by=data["managed_by"] if "managed_by" in data else unit.managed_by,
            code=data.get("code"),
            actor=request.user,
        )
        return Response(s.UnitSerializer(unit).data)

    @extend_schema(
        summary="Move a unit and its subtree under another parent",
        description="Needs `change` on the unit and on the new parent (on the whole tree to "
        "make it a root). Its history keeps the old place until `effective`.",
        request=s.UnitMoveSerializer,
        responses={200: s.UnitSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        unit = self.visible(Unit.objects.all())
        require(tree_policies.may_change_unit(request.user, unit))
        data = self.parse_body(s.UnitMoveSerializer)
        require(tree_policies.may_move(request.user, unit, data["new_parent"]))
        unit = tree.unit_move(unit=unit, actor=request.user, **data)
        return Response(s.UnitSerializer(unit).data)

    @extend_schema(
        summary="Merge other units into this one",
        description="Needs `change` on this unit and on every source. The sources' sub-units "
        "and people move here, then the sources close on `effective`.",
        request=s.UnitMergeSerializer,
        responses={200: s.UnitSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        target = self.visible(Unit.objects.all())
        require(tree_policies.may_change_unit(request.user, target))
        data = self.parse_body(s.UnitMergeSerializer)
        sources = list({u.pk: u for u in data["sources"]}.values())
        require(tree_policies.may_merge(request.user, sources, target))
        restructure.units_merge(
            sources=sources, target=target, effective=data["effective"], actor=request.user
        )
        target.refresh_from_db()
        return Response(s.UnitSerializer(target).data)

    @extend_schema(
        summary="Close (dissolve) a unit",
        description="Needs `change` on the unit. It must have no members, staff or active "
        "sub-units left; its posts end on `effective`.",
        request=s.UnitCloseSerializer,
        responses={200: s.UnitSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        unit = self.visible(Unit.objects.all())
        require(tree_policies.may_change_unit(request.user, unit))
        data = self.parse_body(s.UnitCloseSerializer)
        unit = restructure.unit_close(unit=unit, effective=data["effective"], actor=request.user)
        return Response(s.UnitSerializer(unit).data)

    @extend_schema(
        summary="Active sub-units",
        responses={200: s.UnitSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def children(self, request, pk=None):
        unit = self.visible(Unit.objects.all())
        children = restrict(unit.children.filter(valid_to__isnull=True), request.user, Action.VIEW)
        return self.paginated(children.order_by("name_sort_key", "pk"), s.UnitSerializer)

    @extend_schema(
        summary="Current affiliations in a unit",
        description="Members, posts, staff and residents now in this unit, in Vietnamese name "
        "order: the unit page's roster, to anyone who may see the unit. `birth_date` is null "
        "unless the caller's grant covers one of the person's homes (cell, post, employment) "
        "or it is their own record.",
        parameters=[s.UnitMembersQuerySerializer],
        responses={200: s.UnitMemberSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        unit = self.visible(Unit.objects.all())
        params = self.parse_query(s.UnitMembersQuerySerializer)
        rows = unit_members(request.user, unit, kind=params.get("kind", ""))
        return self.paginated(rows, s.UnitMemberSerializer)


# --- People ----------------------------------------------------------------------------


def _current_cells() -> Prefetch:
    return Prefetch(
        "affiliations",
        queryset=Affiliation.objects.current()
        .filter(kind=AffiliationKind.CELL)
        .select_related("unit"),
        to_attr="current_cells",
    )


def _person_detail_queryset() -> QuerySet:
    return Person.objects.select_related("membership").prefetch_related(
        "membership__statuses",
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.select_related("unit", "person").order_by(
                "valid_from", "pk"
            ),
        ),
    )


@extend_schema_view(
    list=extend_schema(
        summary="List people",
        description="People the caller may see, in Vietnamese order (given name, middle name, "
        "family name).",
        parameters=[s.PersonListQuerySerializer],
        responses={200: s.PersonSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One person, with membership, statuses and affiliations",
        responses={200: s.PersonDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Create a person with their first affiliation",
        description="Needs `change` on `unit`. The person, their party membership (when "
        "`admitted_on` is given; required for a party cell) and their affiliation to `unit` "
        "are created in one transaction: all or nothing.",
        request=s.PersonCreateSerializer,
        responses={201: s.PersonDetailSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a person's details",
        description="Needs `change` where the person's party membership is (their current party cell); "
        "for a non-member, where they are employed (else where they hold a post). A residence "
        "registration gives no right to change the person.",
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonDetailSerializer, **WRITE_ERRORS},
    ),
)
class PersonViewSet(ApiViewSet):
    queryset = Person.objects.none()
    serializer_class = s.PersonSerializer

    def _detail(self, person: Person) -> dict:
        person = _person_detail_queryset().get(pk=person.pk)
        person.personal = policies.may_view_personal(self.request.user, person)
        return s.PersonDetailSerializer(person, context=self.get_serializer_context()).data

    def _changeable_person(self) -> Person:
        """A visible person whose details, membership and cell the caller may change: where
        their membership is (their cell), else their employment (403 otherwise)."""
        person = self.visible(Person.objects.all())
        if not policies.may_change_person(self.request.user, person):
            raise PermissionDenied
        return person

    def list(self, request):
        params = self.parse_query(s.PersonListQuerySerializer)
        persons = restrict(Person.objects.all(), request.user, Action.VIEW)
        if "unit" in params:
            unit_path = (
                restrict(Unit.objects.all(), request.user, Action.VIEW)
                .filter(pk=params["unit"])
                .values_list("path", flat=True)
                .first()
            )
            if unit_path is None:
                persons = persons.none()
            else:
                persons = persons.filter(
                    pk__in=Affiliation.objects.current()
                    .filter(unit__path__startswith=unit_path)
                    .values("person_id")
                )
        persons = search_words(persons, params.get("q", ""))
        persons = (
            policies.with_personal(persons, request.user)
            .select_related("membership")
            .prefetch_related(_current_cells())
            .order_by("sort_key", "pk")
        )
        return self.paginated(persons, s.PersonSerializer)

    def retrieve(self, request, pk=None):
        person = self.visible(_person_detail_queryset())
        person.personal = policies.may_view_personal(request.user, person)
        return Response(s.PersonDetailSerializer(person).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(s.PersonCreateSerializer)
        unit = data["unit"]
        require(policies.may_create_person(request.user, unit))
        person_fields = {k: data[k] for k in s.PERSON_WRITE_FIELDS if k in data}
        extra = {k: data[k] for k in s.AFFILIATION_OPTIONAL_FIELDS if k in data}
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
        data = self.parse_body(s.PersonUpdateSerializer)
        person = people.person_update(person=person, actor=request.user, **data)
        return Response(self._detail(person))

    @extend_schema(
        summary="Record a person's party membership",
        description="Needs `change` where the person is employed (else where they hold a post).",
        request=s.MemberAdmitSerializer,
        responses={201: s.PersonDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def admit(self, request, pk=None):
        person = self.visible(Person.objects.all())
        if not policies.may_admit(request.user, person):
            raise PermissionDenied
        data = self.parse_body(s.MemberAdmitSerializer)
        data.setdefault("occupation", Occupation.CIVIL_SERVICE)
        people.member_admit(person=person, actor=request.user, **data)
        return Response(self._detail(person), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Transfer a member to another party cell",
        description="Needs `change` on the member's current party cell and on `to_cell`.",
        request=s.TransferSerializer,
        responses={201: s.AffiliationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        person = self._changeable_person()
        data = self.parse_body(s.TransferSerializer)
        require(tree_policies.may_change_unit(request.user, data["to_cell"]))
        affiliation = people.member_transfer(person=person, actor=request.user, **data)
        return Response(s.AffiliationSerializer(affiliation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a member's activity status",
        description="Active, exempt from party work, or suspended, from `effective` on. Needs "
        "`change` on the member's current party cell.",
        request=s.StatusChangeSerializer,
        responses={201: s.MemberStatusSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        person = self._changeable_person()
        data = self.parse_body(s.StatusChangeSerializer)
        member = PartyMember.objects.filter(person=person).first()
        if member is None:
            raise DjangoValidationError(_("This person is not a party member."))
        new = people.member_status_change(member=member, actor=request.user, **data)
        return Response(s.MemberStatusSerializer(new).data, status=status.HTTP_201_CREATED)


# --- Affiliations ----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List affiliations",
        parameters=[s.AffiliationListQuerySerializer],
        responses={200: s.AffiliationSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One affiliation", responses={200: s.AffiliationSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Start an affiliation",
        description="A person joins a unit: party cell, residence cell, post or employment. "
        "Needs `change` on `unit`; the person must be visible to the caller.",
        request=s.AffiliationCreateSerializer,
        responses={201: s.AffiliationSerializer, **WRITE_ERRORS},
    ),
)
class AffiliationViewSet(ApiViewSet):
    queryset = Affiliation.objects.none()
    serializer_class = s.AffiliationSerializer

    def list(self, request):
        params = self.parse_query(s.AffiliationListQuerySerializer)
        rows = restrict(Affiliation.objects.all(), request.user, Action.VIEW)
        for name in ("person", "unit", "kind"):
            if params.get(name):
                rows = rows.filter(**{name: params[name]})
        if params.get("current") is not None:
            rows = rows.filter(valid_to__isnull=params["current"])
        rows = rows.select_related("person", "unit").order_by("valid_from", "pk")
        return self.paginated(rows, s.AffiliationSerializer)

    def retrieve(self, request, pk=None):
        row = self.visible(Affiliation.objects.select_related("person", "unit"))
        return Response(s.AffiliationSerializer(row).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(s.AffiliationCreateSerializer)
        require(policies.may_start_affiliation(request.user, data["person"], data["unit"]))
        affiliation = people.affiliation_start(actor=request.user, **data)
        return Response(s.AffiliationSerializer(affiliation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End an affiliation",
        description="Needs `change` on the affiliation's unit (for a party cell, that is "
        "the member's current cell).",
        request=s.AffiliationEndSerializer,
        responses={200: s.AffiliationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        row = self.visible(Affiliation.objects.select_related("person", "unit"))
        if not policies.may_end_affiliation(request.user, row):
            raise PermissionDenied
        data = self.parse_body(s.AffiliationEndSerializer)
        row = people.affiliation_end(affiliation=row, actor=request.user, **data)
        return Response(s.AffiliationSerializer(row).data)


# --- Audit -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The audit log",
        description="Entries filed under units where the caller may `view_audit`, newest first.",
        parameters=[s.AuditQuerySerializer],
        responses={200: s.LogEntrySerializer(many=True), **LIST_ERRORS},
    ),
)
class AuditViewSet(ApiViewSet):
    queryset = LogEntry.objects.none()
    serializer_class = s.LogEntrySerializer

    def list(self, request):
        params = self.parse_query(s.AuditQuerySerializer)
        entries = readable_entries(request.user)
        if "unit" in params:
            unit_path = (
                restrict(Unit.objects.all(), request.user, Action.VIEW)
                .filter(pk=params["unit"])
                .values_list("path", flat=True)
                .first()
            )
            if unit_path is None:
                entries = entries.none()
            else:
                entries = entries.filter(unit__path__startswith=unit_path)
        if params.get("action"):
            entries = entries.filter(action__startswith=params["action"])
        if params.get("actor"):
            entries = entries.filter(actor__username__icontains=params["actor"])
        entries = entries.select_related("actor", "content_type").order_by("-created_at", "-id")
        return self.paginated(entries, s.LogEntrySerializer)


# --- Review cycles ---------------------------------------------------------------------


def _windows(stages: list[dict]) -> list[StageWindow]:
    return [StageWindow(s["kind"], s["starts_on"], s["due_on"]) for s in stages]


def require_open(cycle: ReviewCycle) -> None:
    """Nothing in a closed cycle changes any more (400)."""
    if cycle.status != CycleStatus.OPEN:
        raise DjangoValidationError(_("This cycle is closed; nothing in it can change any more."))


def _pinned_packs() -> Prefetch:
    return Prefetch("packs", queryset=PinnedPack.objects.order_by("track", "pack_id"))


def _cycle_queryset() -> QuerySet:
    return ReviewCycle.objects.select_related("root").prefetch_related(_pinned_packs())


def _unit_path(user, unit_id: int) -> str | None:
    """The path of a unit the user may see (None when missing or out of scope)."""
    return (
        restrict(Unit.objects.all(), user, Action.VIEW)
        .filter(pk=unit_id)
        .values_list("path", flat=True)
        .first()
    )


@extend_schema_view(
    list=extend_schema(
        summary="List review cycles",
        description="Cycles that concern the caller: opened above or inside their subtrees "
        "(for a member, above the units they belong to). Newest first.",
        parameters=[s.CycleListQuerySerializer],
        responses={200: s.CycleSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One review cycle, with its pinned rule sets",
        responses={200: s.CycleSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Open a review cycle",
        description="Needs `change` on `root`. Pins the rule sets of the year (by hash, for "
        "good) and issues the opening level's plan with `stages` and `guidance`.",
        request=s.CycleOpenSerializer,
        responses={201: s.CycleSerializer, **WRITE_ERRORS},
    ),
)
class CycleViewSet(ApiViewSet):
    queryset = ReviewCycle.objects.none()
    serializer_class = s.CycleSerializer

    def _cycle(self) -> ReviewCycle:
        return self.visible(_cycle_queryset())

    def _changeable_cycle(self) -> ReviewCycle:
        """A cycle-wide act (list the subjects, close) is the opening level's: `change` on
        the cycle's root unit."""
        cycle = self._cycle()
        require(cycle_policies.CyclePolicy(self.request.user, cycle).may_manage)
        return cycle

    def list(self, request):
        params = self.parse_query(s.CycleListQuerySerializer)
        rows = selectors.cycle_list(request.user).prefetch_related(_pinned_packs())
        for name in ("year", "kind", "status"):
            if name in params:
                rows = rows.filter(**{name: params[name]})
        return self.paginated(
            rows.order_by("-year", "-period_start", "code", "pk"), s.CycleSerializer
        )

    def retrieve(self, request, pk=None):
        return Response(s.CycleSerializer(self._cycle()).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(s.CycleOpenSerializer)
        require(cycle_policies.may_open_cycle(request.user, data["root"]))
        stages = _windows(data.pop("stages"))
        cycle = cycles.cycle_open(stages=stages, actor=request.user, **data)
        cycle = _cycle_queryset().get(pk=cycle.pk)
        return Response(s.CycleSerializer(cycle).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Close a review cycle",
        description="Needs `change` on the cycle's root unit. Refused while any subject is "
        "still waiting for its rating.",
        request=None,
        responses={200: s.CycleSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        cycle = self._changeable_cycle()
        cycles.cycle_close(cycle=cycle, actor=request.user)
        return Response(s.CycleSerializer(_cycle_queryset().get(pk=cycle.pk)).data)

    @extend_schema(
        summary="Plans issued in a cycle",
        description="The plans of the levels the caller may see, in tree order.",
        parameters=[s.PlanListQuerySerializer],
        responses={200: s.PlanSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def plans(self, request, pk=None):
        cycle = self._cycle()
        params = self.parse_query(s.PlanListQuerySerializer)
        plans = selectors.plan_list(request.user, cycle)
        if "unit" in params:
            plans = plans.filter(unit_id=params["unit"])
        if "status" in params:
            plans = plans.filter(status=params["status"])
        return self.paginated(plans.order_by("unit__path", "pk"), s.PlanSerializer)

    @extend_schema(
        summary="Issue a level's plan",
        description="Needs `change` on `unit`. Every stage must fall inside the window of the "
        "nearest higher level that issued a plan; the refusal names that window.",
        request=s.PlanIssueSerializer,
        responses={201: s.PlanSerializer, **WRITE_ERRORS},
    )
    @plans.mapping.post
    def issue_plan(self, request, pk=None):
        cycle = self._cycle()
        require_somewhere(request.user)
        data = self.parse_body(s.PlanIssueSerializer)
        require(cycle_policies.may_issue_plan(request.user, data["unit"]))
        require_open(cycle)
        plan = cycles.plan_issue(
            cycle=cycle,
            unit=data["unit"],
            stages=_windows(data["stages"]),
            guidance=data["guidance"],
            actor=request.user,
        )
        return Response(s.PlanSerializer(_plan(plan.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Subjects of a cycle",
        description="Who is reviewed where, as far as the caller may see (a member: their "
        "own subjects and the reports of units they head). In tree order, people in "
        "Vietnamese name order.",
        parameters=[s.SubjectListQuerySerializer],
        responses={200: s.SubjectSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def subjects(self, request, pk=None):
        cycle = self._cycle()
        params = self.parse_query(s.SubjectListQuerySerializer)
        rows = selectors.subject_list(request.user, cycle)
        for name in ("unit", "person"):
            if name in params:
                rows = rows.filter(**{f"{name}_id": params[name]})
        for name in ("kind", "status", "track"):
            if name in params:
                rows = rows.filter(**{name: params[name]})
        if "subtree_of" in params:
            path = _unit_path(request.user, params["subtree_of"])
            rows = rows.none() if path is None else rows.filter(unit__path__startswith=path)
        rows = rows.order_by(
            "unit__path", F("person__sort_key").asc(nulls_first=True), "kind", "pk"
        )
        return self.paginated(rows, s.SubjectSerializer)

    @extend_schema(
        summary="Add a subject by hand",
        description="Needs `change` on `unit`. For someone or something the registry did not "
        "list; the reason is kept in the audit log.",
        request=s.SubjectAddSerializer,
        responses={201: s.SubjectSerializer, **WRITE_ERRORS},
    )
    @subjects.mapping.post
    def add_subject(self, request, pk=None):
        cycle = self._cycle()
        require_somewhere(request.user)
        data = self.parse_body(s.SubjectAddSerializer)
        require(cycle_policies.may_change_subjects(request.user, data["unit"]))
        require_open(cycle)
        subject = subject_lists.subject_add(cycle=cycle, actor=request.user, **data)
        return Response(s.SubjectSerializer(subject).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="List the subjects from the registry",
        description="Needs `change` on the cycle's root unit. Done once per cycle, from the "
        "registry as it stands at the end of the period (or today, if earlier); adjust the "
        "list afterwards by adding or excluding subjects.",
        request=None,
        responses={201: s.GeneratedSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="subjects/generate")
    def generate_subjects(self, request, pk=None):
        cycle = self._changeable_cycle()
        require_open(cycle)
        count = subject_lists.subjects_generate(cycle=cycle, actor=request.user)
        return Response({"count": count}, status=status.HTTP_201_CREATED)


# --- Plans -----------------------------------------------------------------------------


def _plan_queryset() -> QuerySet:
    return Plan.objects.select_related("cycle", "unit", "parent__unit").prefetch_related("stages")


def _plan(pk: int) -> Plan:
    return _plan_queryset().get(pk=pk)


@extend_schema_view(
    retrieve=extend_schema(summary="One plan", responses={200: s.PlanSerializer, **READ_ERRORS}),
)
class PlanViewSet(ApiViewSet):
    queryset = Plan.objects.none()
    serializer_class = s.PlanSerializer

    def retrieve(self, request, pk=None):
        return Response(s.PlanSerializer(self.visible(_plan_queryset())).data)

    @extend_schema(
        summary="Revise and re-issue a plan",
        description="Needs `change` on the plan's unit. The new timetable replaces the old one "
        "and must still fit the higher plan's windows and hold the lower plans' windows.",
        request=s.PlanReviseSerializer,
        responses={200: s.PlanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        plan = self.visible(_plan_queryset())
        require(cycle_policies.PlanPolicy(request.user, plan).may_revise)
        data = self.parse_body(s.PlanReviseSerializer)
        require_open(plan.cycle)
        cycles.plan_revise(
            plan=plan,
            stages=_windows(data["stages"]),
            guidance=data["guidance"],
            actor=request.user,
        )
        return Response(s.PlanSerializer(_plan(plan.pk)).data)

    @extend_schema(
        summary="Send a plan back to its level",
        description="Needs `change` on the unit of the higher plan it fits into. The level "
        "revises it and issues it again.",
        request=s.CommentSerializer,
        responses={200: s.PlanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        plan = self.visible(_plan_queryset())
        policy = cycle_policies.PlanPolicy(request.user, plan)
        if plan.parent is None:
            require(policy.may_revise)  # its own level is told why, others only "no"
            raise DjangoValidationError(
                _("The plan of the level that opened the cycle has no higher level to go back to.")
            )
        require(policy.may_return)
        data = self.parse_body(s.CommentSerializer)
        require_open(plan.cycle)
        cycles.plan_return(plan=plan, comment=data["comment"], actor=request.user)
        return Response(s.PlanSerializer(_plan(plan.pk)).data)


# --- Subjects and their self-reviews ---------------------------------------------------


def _review_queryset() -> QuerySet:
    return SelfReview.objects.select_related("subject__cycle", "subject__unit").prefetch_related(
        Prefetch("linked_reviews", queryset=SelfReview.objects.only("pk"))
    )


@extend_schema_view(
    retrieve=extend_schema(
        summary="One subject, what it waits for and its self-review",
        responses={200: s.SubjectDetailSerializer, **READ_ERRORS},
    ),
)
class SubjectViewSet(ApiViewSet):
    queryset = Subject.objects.none()
    serializer_class = s.SubjectSerializer

    def _subject(self) -> Subject:
        return self.visible(Subject.objects.select_related("cycle", "unit", "person"))

    def _detail(self, subject: Subject) -> dict:
        subject = (
            Subject.objects.select_related("cycle", "unit", "person", "review")
            .filter(pk=subject.pk)
            .get()
        )
        subject.prerequisite_rows = list(
            prerequisites(subject)
            .select_related("person", "unit")
            .order_by("unit__path", F("person__sort_key").asc(nulls_first=True), "kind", "pk")
        )
        return s.SubjectDetailSerializer(subject).data

    def _review(self, subject: Subject) -> SelfReview:
        review = _review_queryset().filter(subject=subject).first()
        if review is None:
            raise Http404
        return review

    def _writable_review(self) -> SelfReview:
        """The review of the subject in the URL, for its writer (``ReviewPolicy.may_write``);
        no change once the cycle is closed."""
        subject = self._subject()
        review = self._review(subject)
        require(ReviewPolicy(self.request.user, subject).may_write)
        require_open(subject.cycle)
        return review

    def _review_response(self, review: SelfReview, code=status.HTTP_200_OK) -> Response:
        review = _review_queryset().get(pk=review.pk)
        return Response(s.ReviewSerializer(review).data, status=code)

    def retrieve(self, request, pk=None):
        return Response(self._detail(self._subject()))

    @extend_schema(
        summary="Take a subject out of the rating",
        description="Needs `change` on the subject's unit. The reason is kept and audited.",
        request=s.ReasonSerializer,
        responses={200: s.SubjectDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def exclude(self, request, pk=None):
        subject = self._subject()
        require(cycle_policies.may_change_subjects(request.user, subject.unit))
        data = self.parse_body(s.ReasonSerializer)
        require_open(subject.cycle)
        subject_lists.subject_exclude(subject=subject, reason=data["reason"], actor=request.user)
        return Response(self._detail(subject))

    @extend_schema(
        summary="Record the tier the competent level decided",
        description="For those who decide ratings on the subject's unit (on the state track, "
        "also the agency's head for its staff). In the order the rules require: while a "
        "subject in `waits_for` is still pending, the rating is refused (400, naming them).",
        request=s.SubjectRateSerializer,
        responses={200: s.SubjectDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        subject = self._subject()
        require(ReviewPolicy(request.user, subject).may_rate)
        data = self.parse_body(s.SubjectRateSerializer)
        require_open(subject.cycle)
        cycles.subject_rate(subject=subject, actor=request.user, **data)
        return Response(self._detail(subject))

    @extend_schema(
        summary="The subject's self-review",
        description="Whoever sees the subject sees its review; a member of a leadership "
        "collective also sees the collective's submitted report. 404 until it is started.",
        responses={200: s.ReviewSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="review")
    def review(self, request, pk=None):
        return Response(s.ReviewSerializer(self._readable_review()).data)

    def _readable_review(self) -> SelfReview:
        """Through the door of subjects or, for a collective's submitted report read by its
        members, through the door of reviews."""
        pk, user = self.url_pk(), self.request.user
        subject = restrict(Subject.objects.all(), user, Action.VIEW).filter(pk=pk)
        review = _review_queryset().filter(subject__in=subject).first()
        if review is None:
            review = restrict(_review_queryset(), user, Action.VIEW).filter(subject_id=pk).first()
        if review is None:
            raise Http404
        return review

    @extend_schema(
        summary="Start the subject's self-review",
        description="For its writer: the person reviewed, the head of the unit whose report it "
        "is, or staff with `change` on the subject's unit (on someone's behalf). Creates the "
        "draft on the form of the cycle's rule set, last cycle's shortcomings filled in; if "
        "it already exists, answers it unchanged (200).",
        request=None,
        responses={200: s.ReviewSerializer, 201: s.ReviewSerializer, **WRITE_ERRORS},
    )
    @review.mapping.post
    def start_review(self, request, pk=None):
        subject = self._subject()
        require(ReviewPolicy(request.user, subject).may_write)
        require_open(subject.cycle)
        existed = SelfReview.objects.filter(subject=subject).exists()
        review = reviews.review_start(subject=subject, actor=request.user)
        return self._review_response(
            review, status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Save the draft",
        description="For its writer. `content` replaces the saved draft as a whole, section by "
        "section as `form.sections` describes them; a section of the wrong shape, an unknown "
        "section, checklist item or rating input is a 400 naming the section, and nothing is "
        "saved. The answer carries the rule engine's result for the rating (`engine_result`). "
        "Send `revision` (the `updated_at` you read): if the review changed since, the answer "
        "is 409 and the newer text stays.",
        request=s.ReviewSaveSerializer,
        responses={
            200: s.ReviewSerializer,
            409: OpenApiResponse(
                DETAIL_SCHEMA,
                description=gettext_lazy("The review changed after `revision`; nothing saved."),
            ),
            **WRITE_ERRORS,
        },
    )
    @review.mapping.put
    def save_review(self, request, pk=None):
        review = self._writable_review()
        data = self.parse_body(s.ReviewSaveSerializer)
        form = catalogue.forms()[review.form_key]
        content = s.check_content(form, s.rating_inputs(review.subject), data["content"])
        try:
            review = reviews.review_save(
                review=review,
                content=content,
                proposed_tier=data["proposed_tier"],
                actor=request.user,
                revision=data["revision"],
            )
        except reviews.StaleRevision as error:
            message = _(
                "The review was changed at %(time)s, after the revision you sent; nothing was "
                "saved. Read it again and send its updated_at as the revision."
            ) % {"time": error.changed_at}
            return Response({"detail": message}, status=status.HTTP_409_CONFLICT)
        return self._review_response(review)

    @extend_schema(
        summary="Submit the review",
        description="For its writer. Locks it and records it as the next version. A member of "
        "a leadership collective submits after the collective's report.",
        request=None,
        responses={200: s.ReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review/submit")
    def submit_review(self, request, pk=None):
        review = reviews.review_submit(review=self._writable_review(), actor=request.user)
        return self._review_response(review)

    @extend_schema(
        summary="Amend a submitted review",
        description="For its writer. Re-opens the review as a draft with the reason; the "
        "submitted versions stay on record and the next submission is the next version.",
        request=s.ReasonSerializer,
        responses={200: s.ReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review/amend")
    def amend_review(self, request, pk=None):
        review = self._writable_review()
        data = self.parse_body(s.ReasonSerializer)
        review = reviews.review_amend(review=review, reason=data["reason"], actor=request.user)
        return self._review_response(review)

    @extend_schema(
        summary="Send a submitted review back to its writer",
        description="Needs `change` on the subject's unit, and not being its writer. The writer "
        "is notified with the comment.",
        request=s.CommentSerializer,
        responses={200: s.ReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review/return")
    def return_review(self, request, pk=None):
        subject = self._subject()
        review = self._review(subject)
        require(ReviewPolicy(request.user, subject).may_return)
        data = self.parse_body(s.CommentSerializer)
        require_open(subject.cycle)
        review = reviews.review_return(review=review, comment=data["comment"], actor=request.user)
        return self._review_response(review)

    @extend_schema(
        summary="Link members' reviews into a collective's report",
        description="For the report's writer. `reviews` replaces the linked reviews; only "
        "reviews written in the same collective can be linked.",
        request=s.ReviewLinkSerializer,
        responses={200: s.ReviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="review/link")
    def link_reviews(self, request, pk=None):
        review = self._writable_review()
        subject = review.subject
        linkable = SelfReview.objects.filter(
            subject__cycle_id=subject.cycle_id,
            subject__unit_id=subject.unit_id,
            subject__person__isnull=False,
        )
        context = {**self.get_serializer_context(), "linkable": linkable}
        serializer = s.ReviewLinkSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        chosen = {r.pk for r in serializer.validated_data["reviews"]}
        members = list(SelfReview.objects.select_related("subject").filter(pk__in=chosen))
        reviews.review_link(review=review, members=members, actor=request.user)
        return self._review_response(review)

    @extend_schema(
        summary="The review's recorded versions",
        description="Each submission, amendment and sending back, oldest first; never changed.",
        responses={200: s.ReviewVersionSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"], url_path="review/versions")
    def review_versions(self, request, pk=None):
        review = self._readable_review()
        rows = review.versions.select_related("created_by").order_by("number", "created_at", "pk")
        return self.paginated(rows, s.ReviewVersionSerializer)


# --- The current user and tokens -------------------------------------------------------


class MeView(APIView):
    parser_classes = [JSONParser]

    def get_exception_handler(self):
        return api_exception_handler

    def _me(self, user) -> dict:
        return s.MeSerializer(user).data

    @extend_schema(
        summary="The current user, their grants and language",
        responses={200: s.MeSerializer, 401: E401},
    )
    def get(self, request):
        return Response(self._me(request.user))

    @extend_schema(
        summary="Change the current user's language",
        request=s.MeUpdateSerializer,
        responses={200: s.MeSerializer, 400: E400, 401: E401},
    )
    def patch(self, request):
        serializer = s.MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if "language" in serializer.validated_data:  # {} changes nothing
            user_set_language(user=request.user, actor=request.user, **serializer.validated_data)
        return Response(self._me(request.user))
