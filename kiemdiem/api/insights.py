"""The API of insights: the comparison of equivalent positions
(``/insights/comparison/``), the stored signals of formalism of a cycle
(``/insights/signals/``, each with its words and numbers and "as of" when it was computed) and
the caller's to-dos (``/insights/todos/``: what the start page leads with)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from kiemdiem.api.base import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ApiViewSet, require
from kiemdiem.api.enums import EnumField
from kiemdiem.api.fields import MAX_ID, QueryYesNo, Text
from kiemdiem.api.schema import AutoSchema
from kiemdiem.common import todos
from kiemdiem.common.dates import today
from kiemdiem.cycles.models import ReviewCycle, TierChoice
from kiemdiem.insights import comparison, policies, selectors
from kiemdiem.insights.explain import explain
from kiemdiem.insights.models import Signal, SignalKind
from kiemdiem.orgtree.selectors import unit_get

# --- Serializers ----------------------------------------------------------------------


class ComparisonQuerySerializer(serializers.Serializer):
    cycle = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(
        choices=[code for code, _label in comparison.position_kinds()],
        help_text="The post's role and the unit's kind, e.g. `head.dang_bo_xa` (a commune "
        "party secretary), `head.co_quan_hanh_chinh` (the head of a state agency).",
    )
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    direct = QueryYesNo(required=False, default=False)
    tier = serializers.ChoiceField(choices=TierChoice.values, required=False)
    sort = serializers.ChoiceField(choices=comparison.SORTS, required=False, default="percentile")


class HolderSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    name = Text()
    title = Text()
    unit = serializers.IntegerField(source="unit_id")
    unit_name = Text()
    subject = serializers.IntegerField(source="subject_id", allow_null=True)
    tier = EnumField(TierChoice, name="Tier", allow_blank=True)
    decided = serializers.BooleanField()
    points = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    pct_tasks_done = serializers.DecimalField(
        source="pct_done", max_digits=7, decimal_places=2, allow_null=True
    )
    pct_tasks_exceeded = serializers.DecimalField(
        source="pct_exceeded", max_digits=7, decimal_places=2, allow_null=True
    )
    unit_tier = EnumField(TierChoice, name="Tier", allow_blank=True)
    led_unit = serializers.IntegerField(source="led_unit_id", allow_null=True)
    percentile = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)


class ComparisonSerializer(serializers.Serializer):
    kind = Text()
    cycle = serializers.IntegerField(source="cycle.pk")
    group_size = serializers.IntegerField()
    rated = serializers.IntegerField()
    rows = HolderSerializer(many=True)


class SignalQuerySerializer(serializers.Serializer):
    cycle = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    kind = serializers.ChoiceField(choices=SignalKind.values, required=False)
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)


class SignalSerializer(serializers.ModelSerializer):
    kind = EnumField(SignalKind)
    explanation = serializers.SerializerMethodField()
    numbers = serializers.DictField()
    as_of = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        fields = [
            "id",
            "kind",
            "unit",
            "subject",
            "person",
            "strength",
            "numbers",
            "explanation",
            "as_of",
        ]

    def get_explanation(self, row) -> str:
        return explain(row)

    def get_as_of(self, row) -> str | None:
        run = self.context.get("run")
        return run.computed_at.isoformat() if run else None


class TodoSerializer(serializers.Serializer):
    code = Text()
    title = Text()
    detail = Text()
    due = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    url = Text()
    action = Text()
    items = serializers.ListField(child=Text())
    more = serializers.IntegerField()
    pinned = serializers.BooleanField()


def _cycle(user, pk: int) -> ReviewCycle:
    cycle = selectors.pick_cycle(user, pk)
    if cycle is None:
        raise Http404
    return cycle


class _OneObject(AutoSchema):
    """``GET /insights/comparison/`` answers one object (the group and its rows)."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


@extend_schema_view(
    list=extend_schema(
        summary="Comparison of equivalent positions",
        description="Every current holder of one kind of post (`kind`: role and unit kind) in "
        "the units the caller may see — or within `unit` (`direct`: only units directly under "
        "it) — side by side for the cycle: the tier (decided, else proposed), points (R2025: "
        "general + task score), the share of tasks done and exceeded as the review records "
        "them, the tier of the unit they lead, the percentile rank in the group "
        "(100 × (below + ½ × equal) / holders with a tier) and the rank. `tier` filters after "
        "the percentiles are computed. Not paginated: one group.",
        parameters=[ComparisonQuerySerializer],
        responses={
            200: ComparisonSerializer,
            **LIST_ERRORS,
            403: WRITE_ERRORS[403],
            404: READ_ERRORS[404],
        },
    ),
)
class ComparisonViewSet(ApiViewSet):
    queryset = Signal.objects.none()
    serializer_class = ComparisonSerializer
    pagination_class = None
    schema = _OneObject()

    def list(self, request):
        params = self.parse_query(ComparisonQuerySerializer)
        cycle = _cycle(request.user, params["cycle"])
        within = unit_get(request.user, params["unit"]) if params.get("unit") else None
        require(policies.may_read(request.user))
        result = comparison.compare(
            request.user,
            cycle,
            params["kind"],
            within=within,
            directly_under=bool(params.get("direct")) and within is not None,
            tier=params.get("tier", ""),
            sort=params["sort"],
        )
        return Response(ComparisonSerializer(result).data)


@extend_schema_view(
    list=extend_schema(
        summary="Signals of formalism of a cycle",
        description="The stored signals of the cycle that name a unit the caller may see, "
        "strongest first within each kind, with their numbers and their explanation in the "
        "caller's language; `as_of` is when they were computed (after decisions are recorded, "
        "nightly, or on demand). Nothing is computed by this call.",
        parameters=[SignalQuerySerializer],
        responses={200: SignalSerializer(many=True), **LIST_ERRORS, 404: READ_ERRORS[404]},
    ),
)
class SignalViewSet(ApiViewSet):
    queryset = Signal.objects.none()
    serializer_class = SignalSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "run": getattr(self, "_run", None)}

    def list(self, request):
        params = self.parse_query(SignalQuerySerializer)
        cycle = _cycle(request.user, params["cycle"])
        within = unit_get(request.user, params["unit"]) if params.get("unit") else None
        self._run = selectors.run_of(cycle)
        rows = selectors.signal_list(
            request.user, cycle, kind=params.get("kind", ""), within=within
        )
        return self.paginated(rows, SignalSerializer)


@extend_schema_view(
    list=extend_schema(
        summary="My to-dos",
        description="What the caller has to do next, pinned first, then soonest deadline "
        "first: their self-reviews, their cell's members who have not started, stages past due "
        "in their subtree, the subjects waiting for their decision, and what other apps add "
        "(`common.todos`). Not paginated.",
        responses={200: TodoSerializer(many=True), 401: READ_ERRORS[401]},
    ),
)
class TodoViewSet(ApiViewSet):
    queryset = Signal.objects.none()
    serializer_class = TodoSerializer
    pagination_class = None

    def list(self, request):
        day = today()
        rows = [
            {
                "code": t.code,
                "title": t.title,
                "detail": t.detail,
                "due": t.due,
                "overdue": t.overdue_on(day),
                "url": t.url,
                "action": t.action,
                "items": list(t.items),
                "more": t.more,
                "pinned": t.pinned,
            }
            for t in todos.todos_for(request.user)
        ]
        return Response(TodoSerializer(rows, many=True).data)
