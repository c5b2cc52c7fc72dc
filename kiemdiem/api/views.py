"""The REST API: units, people, affiliations, the audit log, the current user, tokens.

Reads go through the permission door (``restrict`` / ``get_or_404``): what a user cannot
see does not exist for them (404, or an empty list). Writes call one service (or, to create a
person with their first affiliation, three services in one transaction) after checking the
``change`` action on the unit the write lands in; a visible object the user may not change
answers 403. A service's ``ValidationError`` becomes 400 and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from kiemdiem.accounts.permissions import ALL, can, get_or_404, restrict, scope_prefixes
from kiemdiem.accounts.services import user_set_language
from kiemdiem.api import serializers as s
from kiemdiem.api.exceptions import DETAIL_SCHEMA, VALIDATION_ERROR_SCHEMA, api_exception_handler
from kiemdiem.api.pagination import Pagination
from kiemdiem.audit.models import LogEntry
from kiemdiem.common.dates import valid_on
from kiemdiem.common.vietnamese import fold_diacritics
from kiemdiem.orgtree import restructure
from kiemdiem.orgtree import services as tree
from kiemdiem.orgtree.models import Unit, UnitPlacement
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation, AffiliationKind, Occupation, PartyMember, Person

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


def require(user, action_name: str, obj) -> None:
    """403 unless ``user`` may do ``action_name`` on ``obj`` (which they can already see)."""
    if not can(user, action_name, obj):
        raise PermissionDenied


def require_everywhere(user, action_name: str) -> None:
    """403 unless ``user`` may do ``action_name`` on the whole tree (e.g. add a root unit)."""
    if scope_prefixes(user, action_name) != ALL:
        raise PermissionDenied


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
        serializer = serializer_class(data=self.request.query_params.dict())
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

    def visible(self, queryset, action_name: str = "view"):
        """The object named in the URL, through the door; missing and forbidden are 404."""
        pk = self.kwargs["pk"]
        # Ids are positive 64-bit integers; anything else cannot name an object.
        if not (pk.isascii() and pk.isdigit() and 0 < int(pk) <= s.MAX_ID):
            raise Http404
        return get_or_404(queryset, self.request.user, action_name, pk=int(pk))


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
        units = restrict(Unit.objects.all(), request.user, "view")
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
            root = restrict(Unit.objects.all(), request.user, "view").filter(
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
        data = self.parse_body(s.UnitCreateSerializer)
        if data["parent"] is None:
            require_everywhere(request.user, "change")
        else:
            require(request.user, "change", data["parent"])
        unit = tree.unit_create(actor=request.user, **data)
        return Response(s.UnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        unit = self.visible(Unit.objects.all())
        require(request.user, "change", unit)
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
        require(request.user, "change", unit)
        data = self.parse_body(s.UnitMoveSerializer)
        if data["new_parent"] is None:
            require_everywhere(request.user, "change")
        else:
            require(request.user, "change", data["new_parent"])
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
        require(request.user, "change", target)
        data = self.parse_body(s.UnitMergeSerializer)
        sources = list({u.pk: u for u in data["sources"]}.values())
        for source in sources:
            require(request.user, "change", source)
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
        require(request.user, "change", unit)
        data = self.parse_body(s.UnitCloseSerializer)
        unit = restructure.unit_close(unit=unit, effective=data["effective"], actor=request.user)
        return Response(s.UnitSerializer(unit).data)

    @extend_schema(
        summary="Active sub-units",
        responses={200: s.UnitSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def children(self, request, pk=None):
        unit = self.visible(Unit.objects.all())
        children = restrict(unit.children.filter(valid_to__isnull=True), request.user, "view")
        return self.paginated(children.order_by("name_sort_key", "pk"), s.UnitSerializer)

    @extend_schema(
        summary="Current affiliations in a unit",
        description="Members, posts, staff and residents now in this unit, in Vietnamese name "
        "order.",
        parameters=[s.UnitMembersQuerySerializer],
        responses={200: s.AffiliationSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        unit = self.visible(Unit.objects.all())
        params = self.parse_query(s.UnitMembersQuerySerializer)
        rows = restrict(Affiliation.objects.current().filter(unit=unit), request.user, "view")
        if params.get("kind"):
            rows = rows.filter(kind=params["kind"])
        rows = rows.select_related("person", "unit").order_by("person__sort_key", "person_id", "pk")
        return self.paginated(rows, s.AffiliationSerializer)


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
        description="Needs `change` on a unit the person belongs to now.",
        request=s.PersonUpdateSerializer,
        responses={200: s.PersonDetailSerializer, **WRITE_ERRORS},
    ),
)
class PersonViewSet(ApiViewSet):
    queryset = Person.objects.none()
    serializer_class = s.PersonSerializer

    def _detail(self, person: Person) -> dict:
        person = _person_detail_queryset().get(pk=person.pk)
        return s.PersonDetailSerializer(person, context=self.get_serializer_context()).data

    def _changeable_person(self) -> Person:
        person = self.visible(Person.objects.all())
        require(self.request.user, "change", person)
        return person

    def list(self, request):
        params = self.parse_query(s.PersonListQuerySerializer)
        persons = restrict(Person.objects.all(), request.user, "view")
        if "unit" in params:
            unit_path = (
                restrict(Unit.objects.all(), request.user, "view")
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
            persons.select_related("membership")
            .prefetch_related(_current_cells())
            .order_by("sort_key", "pk")
        )
        return self.paginated(persons, s.PersonSerializer)

    def retrieve(self, request, pk=None):
        person = self.visible(_person_detail_queryset())
        return Response(s.PersonDetailSerializer(person).data)

    def create(self, request):
        data = self.parse_body(s.PersonCreateSerializer)
        unit = data["unit"]
        require(request.user, "change", unit)
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
        description="Needs `change` on a unit the person belongs to now.",
        request=s.MemberAdmitSerializer,
        responses={201: s.PersonDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def admit(self, request, pk=None):
        person = self._changeable_person()
        data = self.parse_body(s.MemberAdmitSerializer)
        data.setdefault("occupation", Occupation.CIVIL_SERVICE)
        people.member_admit(person=person, actor=request.user, **data)
        return Response(self._detail(person), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Transfer a member to another party cell",
        description="Needs `change` on a unit the member belongs to now and on `to_cell`.",
        request=s.TransferSerializer,
        responses={201: s.AffiliationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        person = self._changeable_person()
        data = self.parse_body(s.TransferSerializer)
        require(request.user, "change", data["to_cell"])
        affiliation = people.member_transfer(person=person, actor=request.user, **data)
        return Response(s.AffiliationSerializer(affiliation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a member's activity status",
        description="Active, exempt from party work, or suspended, from `effective` on. Needs "
        "`change` on a unit the member belongs to now.",
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
        rows = restrict(Affiliation.objects.all(), request.user, "view")
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
        data = self.parse_body(s.AffiliationCreateSerializer)
        require(request.user, "change", data["unit"])
        affiliation = people.affiliation_start(actor=request.user, **data)
        return Response(s.AffiliationSerializer(affiliation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="End an affiliation",
        description="Needs `change` on the affiliation's unit.",
        request=s.AffiliationEndSerializer,
        responses={200: s.AffiliationSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        row = self.visible(Affiliation.objects.select_related("person", "unit"))
        require(request.user, "change", row)
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
        entries = restrict(LogEntry.objects.all(), request.user, "view_audit")
        if "unit" in params:
            unit_path = (
                restrict(Unit.objects.all(), request.user, "view")
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
        user_set_language(user=request.user, actor=request.user, **serializer.validated_data)
        return Response(self._me(request.user))


@extend_schema(
    summary="Get an API token",
    description="Exchange a user name and password for the user's token. Send it as "
    "`Authorization: Token <token>`. Repeated failures lock the user name out for a while "
    "from that address (429), as on the login page.",
    request=s.TokenRequestSerializer,
    responses={
        200: s.TokenSerializer,
        400: E400,
        429: OpenApiResponse(
            DETAIL_SCHEMA, description=gettext_lazy("Locked out after failed attempts.")
        ),
    },
    auth=[],
)
class TokenView(ObtainAuthToken):
    def get_exception_handler(self):
        return api_exception_handler

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes marks the request it was given (DRF's) when the login is locked out.
            if getattr(request, "axes_locked_out", False):
                raise Throttled(detail=_("Too many failed attempts; try again later.")) from None
            raise
