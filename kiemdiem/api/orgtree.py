"""The API of units: the tree (as it stands, or as it stood on a date), creating, changing,
moving, merging and closing units, and a unit's current roster."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.api.base import (
    E400,
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewSet,
    require,
    require_somewhere,
)
from kiemdiem.api.fields import (
    MAX_ID,
    ChoiceLabel,
    QueryYesNo,
    ScopedPrimaryKeyField,
    Text,
)
from kiemdiem.api.people import UnitMemberSerializer
from kiemdiem.orgtree import policies as tree_policies
from kiemdiem.orgtree import selectors
from kiemdiem.orgtree import services as tree
from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup, UnitKind
from kiemdiem.people import restructure
from kiemdiem.people.models import AffiliationKind
from kiemdiem.people.selectors import unit_members

# --- Serializers ----------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    """A unit. With ``as_of`` in a list, ``parent``, ``path``, ``depth`` and ``name`` are as
    they stood on that date."""

    kind_label = ChoiceLabel(UnitKind, source="kind")
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


class UnitMembersQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AffiliationKind.choices, required=False)


# --- Views ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List units",
        description="Units the caller may see, in tree order. With `as_of`, the tree as it "
        "stood on that date: only units that existed then, with their parent and path then.",
        parameters=[UnitListQuerySerializer],
        responses={200: UnitSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(summary="One unit", responses={200: UnitSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Create a unit",
        description="Needs `change` on the parent (on the whole tree for a root unit).",
        request=UnitCreateSerializer,
        responses={201: UnitSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a unit's names, kind, code or rating authority",
        description="Needs `change` on the unit. Moving is a separate call (`move`).",
        request=UnitUpdateSerializer,
        responses={200: UnitSerializer, **WRITE_ERRORS},
    ),
)
class UnitViewSet(ApiViewSet):
    queryset = Unit.objects.none()
    serializer_class = UnitSerializer

    def _unit(self) -> Unit:
        """The unit in the URL, as its page reads it (404 when missing or out of sight)."""
        return selectors.unit_get(self.request.user, self.url_pk())

    def list(self, request):
        params = self.parse_query(UnitListQuerySerializer)
        units = selectors.unit_list(
            request.user,
            q=params.get("q", ""),
            kind=params.get("kind", ""),
            active=params.get("active"),
            parent=params.get("parent"),
            subtree_of=params.get("subtree_of"),
            as_of=params.get("as_of"),
        )
        return self.paginated(units, UnitSerializer)

    def retrieve(self, request, pk=None):
        return Response(UnitSerializer(self._unit()).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(UnitCreateSerializer)
        require(tree_policies.may_add_under(request.user, data["parent"]))
        unit = tree.unit_create(actor=request.user, **data)
        return Response(UnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        unit = self._unit()
        require(tree_policies.may_change_unit(request.user, unit))
        data = self.parse_body(UnitUpdateSerializer)
        unit = tree.unit_update(
            unit=unit,
            name=data.get("name", unit.name),
            short_name=data.get("short_name", unit.short_name),
            kind=data.get("kind", unit.kind),
            managed_by=data["managed_by"] if "managed_by" in data else unit.managed_by,
            code=data.get("code"),
            actor=request.user,
        )
        return Response(UnitSerializer(unit).data)

    @extend_schema(
        summary="Move a unit and its subtree under another parent",
        description="Needs `change` on the unit and on the new parent (on the whole tree to "
        "make it a root). Its history keeps the old place until `effective`.",
        request=UnitMoveSerializer,
        responses={200: UnitSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        unit = self._unit()
        require(tree_policies.may_change_unit(request.user, unit))
        data = self.parse_body(UnitMoveSerializer)
        require(tree_policies.may_move(request.user, unit, data["new_parent"]))
        unit = tree.unit_move(unit=unit, actor=request.user, **data)
        return Response(UnitSerializer(unit).data)

    @extend_schema(
        summary="Merge other units into this one",
        description="Needs `change` on this unit and on every source. The sources' sub-units "
        "and people move here, then the sources close on `effective`.",
        request=UnitMergeSerializer,
        responses={200: UnitSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        target = self._unit()
        require(tree_policies.may_change_unit(request.user, target))
        data = self.parse_body(UnitMergeSerializer)
        sources = list({u.pk: u for u in data["sources"]}.values())
        require(tree_policies.may_merge(request.user, sources, target))
        restructure.units_merge(
            sources=sources, target=target, effective=data["effective"], actor=request.user
        )
        target.refresh_from_db()
        return Response(UnitSerializer(target).data)

    @extend_schema(
        summary="Close (dissolve) a unit",
        description="Needs `change` on the unit. It must have no members, staff or active "
        "sub-units left; its posts end on `effective`.",
        request=UnitCloseSerializer,
        responses={200: UnitSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        unit = self._unit()
        require(tree_policies.may_change_unit(request.user, unit))
        data = self.parse_body(UnitCloseSerializer)
        unit = restructure.unit_close(unit=unit, effective=data["effective"], actor=request.user)
        return Response(UnitSerializer(unit).data)

    @extend_schema(
        summary="Active sub-units",
        responses={200: UnitSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def children(self, request, pk=None):
        unit = self._unit()
        return self.paginated(selectors.children_of(request.user, unit), UnitSerializer)

    @extend_schema(
        summary="Current affiliations in a unit",
        description="Members, posts, staff and residents now in this unit, in Vietnamese name "
        "order: the unit page's roster, to anyone who may see the unit. `birth_date` is null "
        "unless the caller's grant covers one of the person's homes (cell, post, employment) "
        "or it is their own record.",
        parameters=[UnitMembersQuerySerializer],
        responses={200: UnitMemberSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def members(self, request, pk=None):
        unit = self._unit()
        params = self.parse_query(UnitMembersQuerySerializer)
        rows = unit_members(request.user, unit, kind=params.get("kind", ""))
        return self.paginated(rows, UnitMemberSerializer)
