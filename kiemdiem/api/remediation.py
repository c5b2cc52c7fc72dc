"""The API of remediation: remedy items (``/remedies/``: a unit's shortcomings, their plan,
owner, due date and status; one a meeting or a decision named), the organizations to
consolidate and their actions (``/consolidations/``, ``/consolidation-actions/``), the lists
the regulations name (``/lists/``) and a person's tiers across the years
(``/tier-history/{person id}/``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.accounts.models import Action
from kiemdiem.api.base import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiViewSet,
    require,
    require_somewhere,
)
from kiemdiem.api.enums import EnumField
from kiemdiem.api.fields import MAX_ID, QueryYesNo, ScopedPrimaryKeyField, Text
from kiemdiem.api.schema import AutoSchema
from kiemdiem.cycles.models import ReviewCycle, Subject, TierChoice, Track
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.selectors import unit_get
from kiemdiem.people.models import Person
from kiemdiem.people.selectors import person_get
from kiemdiem.remediation import lists, policies, selectors, services
from kiemdiem.remediation.models import (
    ActionStatus,
    Consolidation,
    ConsolidationAction,
    ConsolidationReason,
)
from kiemdiem.reviews.models import Shortcoming, ShortcomingSource, ShortcomingStatus

NAMED = [(c, label) for c, label in ShortcomingSource.choices if c in ("meeting", "decision")]

# --- Serializers ----------------------------------------------------------------------


class RemedyItemSerializer(serializers.ModelSerializer):
    """A shortcoming of a person or a collective, as found (once), with the plan to remedy it
    and how far it is remedied. ``overdue``: its due date has passed and it is not remedied."""

    source = EnumField(ShortcomingSource, read_only=True)
    status = EnumField(ShortcomingStatus, read_only=True)
    year = serializers.IntegerField(read_only=True, allow_null=True)
    person_name = Text(source="person.full_name", read_only=True, allow_null=True, default=None)
    unit_name = Text(source="unit.name", read_only=True)
    owner_name = Text(source="owner.full_name", read_only=True, allow_null=True, default=None)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Shortcoming
        fields = [
            "id",
            "year",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "track",
            "source",
            "source_ref",
            "text",
            "remedy_plan",
            "owner",
            "owner_name",
            "due_date",
            "status",
            "remedy_report",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, row) -> bool:
        return selectors.is_overdue(row)


class RemedyItemQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The items of this unit's subtree.")
    )
    status = EnumField(ShortcomingStatus, required=False)
    source = EnumField(ShortcomingSource, required=False)
    year = serializers.IntegerField(min_value=1, max_value=9999, required=False)
    overdue = QueryYesNo(required=False)


class RemedyItemUpdateSerializer(serializers.Serializer):
    """The fields sent change; those left out stay as they are."""

    remedy_plan = Text(allow_blank=True, required=False, max_length=20_000)
    owner = ScopedPrimaryKeyField(Person, allow_null=True, required=False)
    due_date = serializers.DateField(allow_null=True, required=False)
    status = EnumField(
        ShortcomingStatus,
        required=False,
        help_text=_("Refused once a later self-review reports on it (it follows that report)."),
    )
    note = Text(allow_blank=True, required=False, default="", max_length=20_000)


class RemedyItemCreateSerializer(serializers.Serializer):
    subject = ScopedPrimaryKeyField(Subject, help_text=_("Whose shortcoming, in which cycle."))
    source = serializers.ChoiceField(choices=NAMED)
    source_ref = Text(max_length=40, help_text=_("The meeting's or decision's reference."))
    text = Text(max_length=20_000)
    remedy_plan = Text(allow_blank=True, required=False, default="", max_length=20_000)
    owner = ScopedPrimaryKeyField(Person, allow_null=True, required=False, default=None)
    due_date = serializers.DateField(allow_null=True, required=False, default=None)


class ConsolidationActionSerializer(serializers.ModelSerializer):
    status = EnumField(ActionStatus, read_only=True)
    owner_name = Text(source="owner.full_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ConsolidationAction
        fields = [
            "id",
            "consolidation",
            "text",
            "owner",
            "owner_name",
            "due_date",
            "status",
            "result",
        ]
        read_only_fields = fields


class ConsolidationSerializer(serializers.ModelSerializer):
    reason = EnumField(ConsolidationReason, read_only=True)
    unit_name = Text(source="unit.name", read_only=True)
    year = serializers.IntegerField(source="cycle.year", read_only=True)
    actions = ConsolidationActionSerializer(many=True, read_only=True)

    class Meta:
        model = Consolidation
        fields = [
            "id",
            "cycle",
            "year",
            "unit",
            "unit_name",
            "reason",
            "detail",
            "actions",
        ]
        read_only_fields = fields


class ConsolidationQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    cycle = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class ConsolidationBuildSerializer(serializers.Serializer):
    cycle = ScopedPrimaryKeyField(ReviewCycle)
    unit = ScopedPrimaryKeyField(Unit)


class ActionWriteSerializer(serializers.Serializer):
    text = Text(max_length=5_000)
    owner = ScopedPrimaryKeyField(Person, allow_null=True, required=False, default=None)
    due_date = serializers.DateField(allow_null=True, required=False, default=None)


class ActionUpdateSerializer(ActionWriteSerializer):
    status = EnumField(ActionStatus)
    result = Text(allow_blank=True, required=False, default="", max_length=5_000)


class ListQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    list = serializers.ChoiceField(choices=list(lists.LISTS))
    year = serializers.IntegerField(min_value=1900, max_value=2200)
    track = serializers.ChoiceField(
        choices=[Track.PARTY, Track.STATE], required=False, default=Track.PARTY
    )
    years = serializers.IntegerField(min_value=2, max_value=10, required=False)


class YearTierSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    tier = EnumField(TierChoice, name="Tier", allow_blank=True)


class ListRowSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id", allow_null=True)
    unit = serializers.IntegerField(source="unit_id")
    name = Text()
    unit_name = Text()
    tiers = YearTierSerializer(many=True)


class ListSerializer(serializers.Serializer):
    list = Text()
    title = Text()
    years = serializers.ListField(child=serializers.IntegerField())
    rows = ListRowSerializer(many=True)


class HistoryShortcomingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = Text()
    source = EnumField(ShortcomingSource)
    status = EnumField(ShortcomingStatus)


class HistoryRowSerializer(serializers.Serializer):
    subject = serializers.IntegerField(source="subject.pk")
    cycle = serializers.IntegerField(source="cycle.pk")
    year = serializers.IntegerField()
    track = EnumField(Track, source="subject.track")
    unit_name = Text(source="subject.unit.name")
    tier = EnumField(TierChoice, name="Tier", allow_blank=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    shortcomings = HistoryShortcomingSerializer(many=True)


# --- Views ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="A unit's remedy items",
        description="The shortcomings of the people and collectives of `unit`'s subtree, each "
        "once as found (self-reviews, meetings, decisions), newest year first; through the "
        "door (a member sees their own).",
        parameters=[RemedyItemQuerySerializer],
        responses={200: RemedyItemSerializer(many=True), **LIST_ERRORS, 404: READ_ERRORS[404]},
    ),
    retrieve=extend_schema(
        summary="One remedy item", responses={200: RemedyItemSerializer, **READ_ERRORS}
    ),
    partial_update=extend_schema(
        summary="Plan a remedy item and record how far it is remedied",
        description="For whoever may write the review of the subject it belongs to (the "
        "person, the head for a unit's report, staff of the unit). `status` only while no "
        "later self-review reports on it.",
        request=RemedyItemUpdateSerializer,
        responses={200: RemedyItemSerializer, **WRITE_ERRORS},
    ),
    create=extend_schema(
        summary="Add a shortcoming a meeting or a decision named",
        description="Needs `change` on the subject's unit (not one's own). It is carried into "
        "the subject's self-review of the next cycle like the review's own.",
        request=RemedyItemCreateSerializer,
        responses={201: RemedyItemSerializer, **WRITE_ERRORS},
    ),
)
class RemedyItemViewSet(ApiViewSet):
    queryset = Shortcoming.objects.none()
    serializer_class = RemedyItemSerializer

    def _one(self, pk: int) -> Shortcoming:
        row = selectors.remedy_item_get(self.request.user, pk)
        return selectors.remedy_items(self.request.user, row.unit).get(pk=row.pk)

    def list(self, request):
        params = self.parse_query(RemedyItemQuerySerializer)
        unit = unit_get(request.user, params.pop("unit"))
        rows = selectors.remedy_items(request.user, unit, **params)
        return self.paginated(rows, RemedyItemSerializer)

    def retrieve(self, request, pk=None):
        return Response(RemedyItemSerializer(self._one(self.url_pk())).data)

    def partial_update(self, request, pk=None):
        row = selectors.remedy_item_get(request.user, self.url_pk())
        require(policies.may_plan(request.user, row))
        data = self.parse_body(RemedyItemUpdateSerializer)
        kept = {"remedy_plan": row.remedy_plan, "owner": row.owner, "due_date": row.due_date}
        services.remedy_item_update(shortcoming=row, actor=request.user, **(kept | data))
        return Response(RemedyItemSerializer(self._one(row.pk)).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(RemedyItemCreateSerializer)
        row = services.remedy_item_add(actor=request.user, **data)
        return Response(
            RemedyItemSerializer(self._one(row.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(
        summary="Organizations to consolidate",
        description="Those of `unit`'s subtree on the list of a cycle (`cycle`, else every "
        "cycle), with their follow-up actions.",
        parameters=[ConsolidationQuerySerializer],
        responses={200: ConsolidationSerializer(many=True), **LIST_ERRORS, 404: READ_ERRORS[404]},
    ),
    retrieve=extend_schema(
        summary="One organization to consolidate",
        responses={200: ConsolidationSerializer, **READ_ERRORS},
    ),
)
class ConsolidationViewSet(ApiViewSet):
    queryset = Consolidation.objects.none()
    serializer_class = ConsolidationSerializer

    def list(self, request):
        params = self.parse_query(ConsolidationQuerySerializer)
        unit = unit_get(request.user, params["unit"])
        cycle = None
        if "cycle" in params:
            cycle = ReviewCycle.objects.filter(pk=params["cycle"]).first()
            if cycle is None:
                return self.paginated(Consolidation.objects.none(), ConsolidationSerializer)
        rows = selectors.consolidations(request.user, unit, cycle).order_by(
            "-cycle__year", "unit__path"
        )
        return self.paginated(rows, ConsolidationSerializer)

    def retrieve(self, request, pk=None):
        row = selectors.consolidation_get(request.user, self.url_pk())
        return Response(ConsolidationSerializer(row).data)

    @extend_schema(
        summary="Build the list from a decided cycle",
        description="Needs `change` on `unit`. Puts on the list the organizations of the "
        "subtree rated KHTNV and the cells where more than half of the members were; those "
        "already on it stay with their actions (idempotent). Refused while a subject of the "
        "subtree is not decided and the cycle is open.",
        request=ConsolidationBuildSerializer,
        responses={200: ConsolidationSerializer(many=True), **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"])
    def build(self, request):
        require_somewhere(request.user)
        data = self.parse_body(ConsolidationBuildSerializer)
        require(policies.may_build(request.user, data["unit"]))
        rows = services.consolidation_build(
            cycle=data["cycle"], unit=data["unit"], actor=request.user
        )
        return Response(ConsolidationSerializer(rows, many=True).data)

    @extend_schema(
        summary="Add a follow-up action",
        description="Needs `change` on the consolidated unit.",
        request=ActionWriteSerializer,
        responses={201: ConsolidationActionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request, pk=None):
        row = selectors.consolidation_get(request.user, self.url_pk())
        require(policies.may_change_consolidation(request.user, row))
        data = self.parse_body(ActionWriteSerializer)
        made = services.consolidation_action_add(consolidation=row, actor=request.user, **data)
        return Response(ConsolidationActionSerializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="One follow-up action",
        responses={200: ConsolidationActionSerializer, **READ_ERRORS},
    ),
    update=extend_schema(
        summary="Change a follow-up action",
        description="Needs `change` on the consolidated unit.",
        request=ActionUpdateSerializer,
        responses={200: ConsolidationActionSerializer, **WRITE_ERRORS},
    ),
)
class ConsolidationActionViewSet(ApiViewSet):
    queryset = ConsolidationAction.objects.none()
    serializer_class = ConsolidationActionSerializer

    def retrieve(self, request, pk=None):
        return Response(
            ConsolidationActionSerializer(selectors.action_get(request.user, self.url_pk())).data
        )

    def update(self, request, pk=None):
        row = selectors.action_get(request.user, self.url_pk())
        require(policies.may_change_consolidation(request.user, row.consolidation))
        data = self.parse_body(ActionUpdateSerializer)
        row = services.consolidation_action_update(action=row, actor=request.user, **data)
        return Response(ConsolidationActionSerializer(row).data)


class _OneObject(AutoSchema):
    """``GET /lists/`` answers one object (the list with its years and rows), not an array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


@extend_schema_view(
    list=extend_schema(
        summary="A list the regulations name",
        description="`khtnv`: members rated KHTNV in `year` (to help); `khtnv_twice`: KHTNV in "
        "`year` and the year before (for the cell's consideration); `htxsnv_running`: members "
        "HTXSNV in each of the last `years` years (5 by default), `orgs_running`: party "
        "organizations (state agencies on the state track) likewise — for commendation. A "
        "year's tier is the lowest of the person's tiers that year on the track. Through the "
        "door; not paginated (the lists are short).",
        parameters=[ListQuerySerializer],
        responses={200: ListSerializer, **LIST_ERRORS, 404: READ_ERRORS[404]},
    ),
)
class TierListViewSet(ApiViewSet):
    queryset = Subject.objects.none()
    serializer_class = ListSerializer
    pagination_class = None
    schema = _OneObject()

    def list(self, request):
        params = self.parse_query(ListQuerySerializer)
        unit = unit_get(request.user, params["unit"])
        years, rows = lists.build(
            request.user,
            unit,
            params["list"],
            params["year"],
            params["track"],
            n=params.get("years"),
        )
        data = {
            "list": params["list"],
            "title": str(lists.title_of(params["list"], params["track"])),
            "years": years,
            "rows": [
                {
                    "person_id": r.person_id,
                    "unit_id": r.unit_id,
                    "name": r.name,
                    "unit_name": r.unit_name,
                    "tiers": [{"year": y, "tier": t} for y, t in r.tier_list(years)],
                }
                for r in rows
            ],
        }
        return Response(ListSerializer(data).data)


@extend_schema_view(
    retrieve=extend_schema(
        summary="A person's tiers across the years",
        description="Each cycle and place the person was rated in (party and state tracks), "
        "newest first, when it was decided, and that year's shortcomings with their status. "
        "Only what the caller may see of the person (a member their own).",
        responses={200: HistoryRowSerializer(many=True), **READ_ERRORS},
    ),
)
class TierHistoryViewSet(ApiViewSet):
    queryset = Person.objects.none()
    serializer_class = HistoryRowSerializer
    pagination_class = None

    def retrieve(self, request, pk=None):
        person = person_get(request.user, self.url_pk(), Action.VIEW)
        return Response(HistoryRowSerializer(lists.history(request.user, person), many=True).data)
