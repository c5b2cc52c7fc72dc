"""The API of review cycles: cycles with their pinned rule sets, the levels' plans and their
timetables, the subjects reviewed (listed from the registry, added, excluded, rated). A
subject's self-review hangs under it (``/subjects/{id}/review/…``, ``api/reviews.py``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
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
    require_open,
    require_somewhere,
)
from kiemdiem.api.decisions import DecisionRoutes, ProposalRoutes
from kiemdiem.api.enums import EnumField
from kiemdiem.api.fields import (
    MAX_COMMENT,
    MAX_ID,
    MAX_LONG_TEXT,
    ChoiceLabel,
    CommentSerializer,
    ReasonSerializer,
    ScopedPrimaryKeyField,
    Text,
    WholeNumber,
)
from kiemdiem.api.reviews import ReviewRefSerializer, SelfReviewRoutes
from kiemdiem.cycles import policies as cycle_policies
from kiemdiem.cycles import selectors
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects as subject_lists
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
from kiemdiem.cycles.selectors import prerequisites
from kiemdiem.cycles.services import StageWindow
from kiemdiem.decisions import services as decisions
from kiemdiem.decisions.models import Decision, DecisionState
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.selectors import unit_visible
from kiemdiem.people.models import Person

# --- Serializers ----------------------------------------------------------------------


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
    kind_label = ChoiceLabel(CycleKind, source="kind")
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


class SubjectSerializer(serializers.ModelSerializer):
    """One review held in a cycle: a person in one place, or a unit or collective."""

    kind = EnumField(SubjectKind, read_only=True)
    track = EnumField(Track, read_only=True)
    status = EnumField(SubjectStatus, read_only=True)
    tier = EnumField(TierChoice, name="Tier", read_only=True, allow_blank=True)
    kind_label = ChoiceLabel(SubjectKind, source="kind")
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


# --- Views ----------------------------------------------------------------------------


def _windows(stages: list[dict]) -> list[StageWindow]:
    return [StageWindow(s["kind"], s["starts_on"], s["due_on"]) for s in stages]


def _pinned_packs() -> Prefetch:
    return Prefetch("packs", queryset=PinnedPack.objects.order_by("track", "pack_id"))


def _cycle_queryset() -> QuerySet:
    return ReviewCycle.objects.select_related("root").prefetch_related(_pinned_packs())


@extend_schema_view(
    list=extend_schema(
        summary="List review cycles",
        description="Cycles that concern the caller: opened above or inside their subtrees "
        "(for a member, above the units they belong to). Newest first.",
        parameters=[CycleListQuerySerializer],
        responses={200: CycleSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One review cycle, with its pinned rule sets",
        responses={200: CycleSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Open a review cycle",
        description="Needs `change` on `root`. Pins the rule sets of the year (by hash, for "
        "good) and issues the opening level's plan with `stages` and `guidance`.",
        request=CycleOpenSerializer,
        responses={201: CycleSerializer, **WRITE_ERRORS},
    ),
)
class CycleViewSet(ProposalRoutes, ApiViewSet):
    queryset = ReviewCycle.objects.none()
    serializer_class = CycleSerializer

    def _cycle(self) -> ReviewCycle:
        return self.visible(_cycle_queryset())

    def _changeable_cycle(self) -> ReviewCycle:
        """A cycle-wide act (list the subjects, close) is the opening level's: `change` on
        the cycle's root unit."""
        cycle = self._cycle()
        require(cycle_policies.CyclePolicy(self.request.user, cycle).may_manage)
        return cycle

    def list(self, request):
        params = self.parse_query(CycleListQuerySerializer)
        rows = selectors.cycle_list(request.user).prefetch_related(_pinned_packs())
        for name in ("year", "kind", "status"):
            if name in params:
                rows = rows.filter(**{name: params[name]})
        return self.paginated(
            rows.order_by("-year", "-period_start", "code", "pk"), CycleSerializer
        )

    def retrieve(self, request, pk=None):
        return Response(CycleSerializer(self._cycle()).data)

    def create(self, request):
        require_somewhere(request.user)
        data = self.parse_body(CycleOpenSerializer)
        require(cycle_policies.may_open_cycle(request.user, data["root"]))
        stages = _windows(data.pop("stages"))
        cycle = cycles.cycle_open(stages=stages, actor=request.user, **data)
        cycle = _cycle_queryset().get(pk=cycle.pk)
        return Response(CycleSerializer(cycle).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Close a review cycle",
        description="Needs `change` on the cycle's root unit. Refused while any subject is "
        "still waiting for its rating.",
        request=None,
        responses={200: CycleSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        cycle = self._changeable_cycle()
        cycles.cycle_close(cycle=cycle, actor=request.user)
        return Response(CycleSerializer(_cycle_queryset().get(pk=cycle.pk)).data)

    @extend_schema(
        summary="Plans issued in a cycle",
        description="The plans of the levels the caller may see, in tree order.",
        parameters=[PlanListQuerySerializer],
        responses={200: PlanSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def plans(self, request, pk=None):
        cycle = self._cycle()
        params = self.parse_query(PlanListQuerySerializer)
        plans = selectors.plan_list(request.user, cycle)
        if "unit" in params:
            plans = plans.filter(unit_id=params["unit"])
        if "status" in params:
            plans = plans.filter(status=params["status"])
        return self.paginated(plans.order_by("unit__path", "pk"), PlanSerializer)

    @extend_schema(
        summary="Issue a level's plan",
        description="Needs `change` on `unit`. Every stage must fall inside the window of the "
        "nearest higher level that issued a plan; the refusal names that window.",
        request=PlanIssueSerializer,
        responses={201: PlanSerializer, **WRITE_ERRORS},
    )
    @plans.mapping.post
    def issue_plan(self, request, pk=None):
        cycle = self._cycle()
        require_somewhere(request.user)
        data = self.parse_body(PlanIssueSerializer)
        require(cycle_policies.may_issue_plan(request.user, data["unit"]))
        require_open(cycle)
        plan = cycles.plan_issue(
            cycle=cycle,
            unit=data["unit"],
            stages=_windows(data["stages"]),
            guidance=data["guidance"],
            actor=request.user,
        )
        return Response(PlanSerializer(_plan(plan.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Subjects of a cycle",
        description="Who is reviewed where, as far as the caller may see (a member: their "
        "own subjects and the reports of units they head). In tree order, people in "
        "Vietnamese name order.",
        parameters=[SubjectListQuerySerializer],
        responses={200: SubjectSerializer(many=True), **READ_ERRORS, 400: E400},
    )
    @action(detail=True, methods=["get"])
    def subjects(self, request, pk=None):
        cycle = self._cycle()
        params = self.parse_query(SubjectListQuerySerializer)
        rows = selectors.subject_list(request.user, cycle)
        for name in ("unit", "person"):
            if name in params:
                rows = rows.filter(**{f"{name}_id": params[name]})
        for name in ("kind", "status", "track"):
            if name in params:
                rows = rows.filter(**{name: params[name]})
        if "subtree_of" in params:
            unit = unit_visible(request.user, params["subtree_of"])
            rows = rows.none() if unit is None else rows.filter(unit__path__startswith=unit.path)
        rows = rows.order_by(
            "unit__path", F("person__sort_key").asc(nulls_first=True), "kind", "pk"
        )
        return self.paginated(rows, SubjectSerializer)

    @extend_schema(
        summary="Add a subject by hand",
        description="Needs `change` on `unit`. For someone or something the registry did not "
        "list; the reason is kept in the audit log.",
        request=SubjectAddSerializer,
        responses={201: SubjectSerializer, **WRITE_ERRORS},
    )
    @subjects.mapping.post
    def add_subject(self, request, pk=None):
        cycle = self._cycle()
        require_somewhere(request.user)
        data = self.parse_body(SubjectAddSerializer)
        require(cycle_policies.may_change_subjects(request.user, data["unit"]))
        require_open(cycle)
        subject = subject_lists.subject_add(cycle=cycle, actor=request.user, **data)
        return Response(SubjectSerializer(subject).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="List the subjects from the registry",
        description="Needs `change` on the cycle's root unit. Done once per cycle, from the "
        "registry as it stands at the end of the period (or today, if earlier); adjust the "
        "list afterwards by adding or excluding subjects.",
        request=None,
        responses={201: GeneratedSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="subjects/generate")
    def generate_subjects(self, request, pk=None):
        cycle = self._changeable_cycle()
        require_open(cycle)
        count = subject_lists.subjects_generate(cycle=cycle, actor=request.user)
        return Response({"count": count}, status=status.HTTP_201_CREATED)


def _plan_queryset() -> QuerySet:
    return Plan.objects.select_related("cycle", "unit", "parent__unit").prefetch_related("stages")


def _plan(pk: int) -> Plan:
    return _plan_queryset().get(pk=pk)


@extend_schema_view(
    retrieve=extend_schema(summary="One plan", responses={200: PlanSerializer, **READ_ERRORS}),
)
class PlanViewSet(ApiViewSet):
    queryset = Plan.objects.none()
    serializer_class = PlanSerializer

    def retrieve(self, request, pk=None):
        return Response(PlanSerializer(self.visible(_plan_queryset())).data)

    @extend_schema(
        summary="Revise and re-issue a plan",
        description="Needs `change` on the plan's unit. The new timetable replaces the old one "
        "and must still fit the higher plan's windows and hold the lower plans' windows.",
        request=PlanReviseSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        plan = self.visible(_plan_queryset())
        require(cycle_policies.PlanPolicy(request.user, plan).may_revise)
        data = self.parse_body(PlanReviseSerializer)
        require_open(plan.cycle)
        cycles.plan_revise(
            plan=plan,
            stages=_windows(data["stages"]),
            guidance=data["guidance"],
            actor=request.user,
        )
        return Response(PlanSerializer(_plan(plan.pk)).data)

    @extend_schema(
        summary="Send a plan back to its level",
        description="Needs `change` on the unit of the higher plan it fits into. The level "
        "revises it and issues it again.",
        request=CommentSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
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
        data = self.parse_body(CommentSerializer)
        require_open(plan.cycle)
        cycles.plan_return(plan=plan, comment=data["comment"], actor=request.user)
        return Response(PlanSerializer(_plan(plan.pk)).data)


@extend_schema_view(
    retrieve=extend_schema(
        summary="One subject, what it waits for and its self-review",
        responses={200: SubjectDetailSerializer, **READ_ERRORS},
    ),
)
class SubjectViewSet(SelfReviewRoutes, DecisionRoutes, ApiViewSet):
    queryset = Subject.objects.none()
    serializer_class = SubjectSerializer

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
        return SubjectDetailSerializer(subject).data

    def retrieve(self, request, pk=None):
        return Response(self._detail(self._subject()))

    @extend_schema(
        summary="Take a subject out of the rating",
        description="Needs `change` on the subject's unit. The reason is kept and audited.",
        request=ReasonSerializer,
        responses={200: SubjectDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def exclude(self, request, pk=None):
        subject = self._subject()
        require(cycle_policies.may_change_subjects(request.user, subject.unit))
        data = self.parse_body(ReasonSerializer)
        require_open(subject.cycle)
        subject_lists.subject_exclude(subject=subject, reason=data["reason"], actor=request.user)
        return Response(self._detail(subject))

    @extend_schema(
        summary="Record the tier the competent level decided",
        description="For those who decide ratings on the subject's unit (on the state track, "
        "also the agency's head for its staff). In the order the rules require: while a "
        "subject in `waits_for` is still pending, the rating is refused (400, naming them). "
        "Kept for existing clients: the same as `POST /subjects/{id}/decision/decide/` with "
        "`note` as the reason (the decision and its history: `GET /subjects/{id}/decision/`). "
        "A rating re-opened by a complaint or a later finding is refused here (400 on "
        "`revision`): decide it again there, with the decision's revision.",
        request=SubjectRateSerializer,
        responses={200: SubjectDetailSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def rate(self, request, pk=None):
        subject = self._subject()
        require(cycle_policies.may_rate(request.user, subject))
        data = self.parse_body(SubjectRateSerializer)
        require_open(subject.cycle)
        # A rating re-opened by a complaint or a later finding is decided again only where the
        # reader sends the decision's revision (POST /subjects/{id}/decision/decide/): this
        # older path carries none, so it cannot tell what changed since the client read it.
        if Decision.objects.filter(subject=subject, state=DecisionState.CONTESTED).exists():
            raise DjangoValidationError(
                {
                    "revision": _(
                        "This rating was re-opened: decide it again with the decision's "
                        "revision (POST /api/subjects/{id}/decision/decide/)."
                    )
                }
            )
        # Kept for existing clients: a decision (decisions.services.decide), the note its reason.
        decisions.decide(
            subject=subject, tier=data["tier"], reason=data["note"], actor=request.user
        )
        return Response(self._detail(subject))
