"""The API of decisions: a subject's decision and its history, a proposal, a decision, a
re-opening, a carry-over (``/subjects/{id}/decision/…``), a part of ``api.cycles.
SubjectViewSet`` as the self-review's routes are.

Each write asks ``decisions.policies.DecisionPolicy`` first (403 for a visible subject the user
may not propose or decide on, 404 for one they cannot see; nobody decides for themself) and
calls one service. Send ``revision`` (the decision's, as read): a decision changed since is
409 and nothing changes.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kiemdiem.api.base import E400, READ_ERRORS, WRITE_ERRORS, require, require_open
from kiemdiem.api.enums import EnumField
from kiemdiem.api.exceptions import DETAIL_SCHEMA
from kiemdiem.api.fields import MAX_COMMENT, ChoiceLabel, Text, WholeNumber
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles.models import Subject, TierChoice
from kiemdiem.decisions import selectors, services
from kiemdiem.decisions.models import Decision, DecisionEvent, DecisionState
from kiemdiem.decisions.policies import DecisionPolicy
from kiemdiem.orgtree.selectors import unit_visible


class DecisionEventSerializer(serializers.ModelSerializer):
    state = EnumField(DecisionState, name="DecisionState", read_only=True)
    state_label = ChoiceLabel(DecisionState, source="state")
    tier = Text(read_only=True)
    actor_username = Text(source="actor.username", read_only=True, default=None, allow_null=True)
    override_reason = serializers.SerializerMethodField()

    class Meta:
        model = DecisionEvent
        fields = [
            "at",
            "state",
            "state_label",
            "tier",
            "reason",
            "override_reason",
            "actor_username",
        ]

    def get_override_reason(self, event) -> str:
        return (event.data or {}).get("override_reason", "")


class DecisionSerializer(serializers.ModelSerializer):
    subject = serializers.IntegerField(source="subject_id", read_only=True)
    # Blank before anything is proposed or decided.
    state = EnumField(DecisionState, name="DecisionState", read_only=True, allow_blank=True)
    state_label = ChoiceLabel(DecisionState, source="state")
    proposed_tier = Text(read_only=True)
    tier = Text(read_only=True)
    events = DecisionEventSerializer(many=True, read_only=True)

    class Meta:
        model = Decision
        fields = [
            "subject",
            "state",
            "state_label",
            "proposed_tier",
            "proposed_reason",
            "proposed_at",
            "tier",
            "reason",
            "decided_at",
            "override_reason",
            "complaint_until",
            "reopened_reason",
            "revision",
            "events",
        ]
        read_only_fields = fields


class RevisionField(WholeNumber):
    """Required on every write that changes a decision: missing is 400 naming the field,
    older than the decision's is 409."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("The decision's revision as read (0 before any); required; a newer one is 409."),
        )
        super().__init__(min_value=0, max_value=2**31 - 1, **kwargs)


class ProposeSerializer(serializers.Serializer):
    tier = EnumField(TierChoice, name="Tier")
    reason = Text(max_length=MAX_COMMENT, required=False, allow_blank=True, default="")
    revision = RevisionField()


class DecideSerializer(serializers.Serializer):
    tier = EnumField(TierChoice, name="Tier")
    reason = Text(
        max_length=MAX_COMMENT,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when the rating was re-opened."),
    )
    revision = RevisionField()


class ReopenSerializer(serializers.Serializer):
    reason = Text(max_length=MAX_COMMENT)
    revision = RevisionField()


class ProposalQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("A unit id: its subjects, and the units directly under it."),
    )


class ProposalRowSerializer(serializers.Serializer):
    subject = serializers.IntegerField(source="subject.pk")
    name = serializers.SerializerMethodField()
    kind = serializers.CharField(source="subject.kind")
    unit = serializers.IntegerField(source="subject.unit_id")
    status = serializers.CharField(source="subject.status")
    self_proposed_tier = serializers.CharField(source="self_proposed", allow_blank=True)
    engine_tier = serializers.CharField(allow_blank=True)
    engine_lines = serializers.ListField(child=serializers.CharField())
    state_tier = serializers.SerializerMethodField()
    meeting_vote = serializers.CharField(
        allow_null=True,
        allow_blank=True,
        help_text=_("The meeting's vote and opinions: not recorded yet."),
    )
    proposed_tier = serializers.SerializerMethodField()
    proposed_reason = serializers.SerializerMethodField()
    tier = serializers.CharField(source="subject.tier", allow_blank=True)
    revision = serializers.IntegerField()
    may_propose = serializers.BooleanField()

    def get_name(self, row) -> str:
        subject = row.subject
        return subject.person.full_name if subject.person_id else subject.unit.name

    def get_state_tier(self, row) -> str:
        return row.state_subject.tier if row.state_subject else ""

    def get_proposed_tier(self, row) -> str:
        return row.decision.proposed_tier if row.decision else ""

    def get_proposed_reason(self, row) -> str:
        return row.decision.proposed_reason if row.decision else ""


class CarryOverSerializer(serializers.Serializer):
    reason = Text(max_length=255)


E409 = OpenApiResponse(
    DETAIL_SCHEMA, description=_("The decision changed after `revision`; nothing changed.")
)
DECISION_WRITE = {200: DecisionSerializer, 409: E409, **WRITE_ERRORS}


# The proposals of a unit, ``/cycles/{id}/proposals/?unit=``: a part of ``api.cycles.
# CycleViewSet`` (``_cycle()``: the cycle in the URL, through the door). (No docstring.)
class ProposalRoutes:
    @extend_schema(
        summary="The proposals page of a unit",
        description="For the advisory body: one row per subject reviewed in the unit (and per "
        "unit directly under it): the self-proposed tier, the rules' tier and why, the same "
        "person's state tier, the meeting's vote (null until recorded), the proposal, and "
        "whether the caller may propose (`POST /subjects/{id}/decision/propose/`).",
        parameters=[ProposalQuerySerializer],
        responses={200: ProposalRowSerializer(many=True), 400: E400, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def proposals(self, request, pk=None):
        cycle = self._cycle()
        params = self.parse_query(ProposalQuerySerializer)
        unit = unit_visible(request.user, params["unit"])
        if unit is None:
            raise Http404
        rows = selectors.proposal_rows(request.user, cycle, unit)
        return self.paginated(rows, ProposalRowSerializer)


# The routes of a subject's decision, ``/subjects/{id}/decision/…``: a part of
# ``api.cycles.SubjectViewSet``, which gives ``_subject()`` (the subject in the URL, through the
# door). (No docstring: the schema would print it.)
class DecisionRoutes:
    def _decision_response(self, subject: Subject) -> Response:
        decision = (
            Decision.objects.filter(subject=subject).prefetch_related("events__actor").first()
        )
        if decision is None:  # nothing proposed or decided yet
            empty = {
                **dict.fromkeys(DecisionSerializer.Meta.fields),
                **dict.fromkeys(
                    ["state", "state_label", "proposed_tier", "proposed_reason", "tier"], ""
                ),
                **dict.fromkeys(["reason", "override_reason", "reopened_reason"], ""),
                "subject": subject.pk,
                "revision": 0,
                "events": [],
            }
            return Response(empty)
        return Response(DecisionSerializer(decision).data)

    def _stale(self) -> Response:
        return Response(
            {
                "detail": str(
                    _("The decision was changed after the revision you sent; read it again.")
                )
            },
            status=status.HTTP_409_CONFLICT,
        )

    @extend_schema(
        summary="The subject's decision and its history",
        description="Whoever sees the subject sees its decision: the proposal, the decided "
        "tier, the override's reason, and every move (`events`: who, when, state, tier, "
        "reason). Before anything is proposed or decided: `state` is empty, `revision` 0.",
        responses={200: DecisionSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="decision")
    def decision(self, request, pk=None):
        return self._decision_response(self._subject())

    @extend_schema(
        summary="Propose a tier",
        description="For the advisory body (staff with `change` on the subject's unit, the "
        "chi ủy for a cell) or the deciding level; nobody proposes for themself. Only while "
        "the subject is undecided.",
        request=ProposeSerializer,
        responses=DECISION_WRITE,
    )
    @action(detail=True, methods=["post"], url_path="decision/propose")
    def decision_propose(self, request, pk=None):
        subject = self._subject()
        require(DecisionPolicy(request.user, subject).may_propose)
        data = self.parse_body(ProposeSerializer)
        require_open(subject.cycle)
        try:
            services.propose(subject=subject, actor=request.user, **data)
        except services.StaleDecision:
            return self._stale()
        return self._decision_response(subject)

    @extend_schema(
        summary="Decide the tier",
        description="For the competent level (who decides for whom: `Unit.managed_by`, "
        "`CadreAuthority`, the agency's head on the state track); nobody decides for "
        "themself. In the order the rules require (400 naming what is still pending). A "
        "re-opened rating is decided again with a reason, even in a closed cycle.",
        request=DecideSerializer,
        responses=DECISION_WRITE,
    )
    @action(detail=True, methods=["post"], url_path="decision/decide")
    def decision_decide(self, request, pk=None):
        subject = self._subject()
        require(DecisionPolicy(request.user, subject).may_decide)
        data = self.parse_body(DecideSerializer)
        try:
            services.decide(subject=subject, actor=request.user, **data)
        except services.StaleDecision:
            return self._stale()
        return self._decision_response(subject)

    @extend_schema(
        summary="Re-open a decided rating",
        description="For the competent level: a correction, a complaint taken up, a later "
        "finding. The tier stays in force until it is decided again, with a reason.",
        request=ReopenSerializer,
        responses=DECISION_WRITE,
    )
    @action(detail=True, methods=["post"], url_path="decision/reopen")
    def decision_reopen(self, request, pk=None):
        subject = self._subject()
        require(DecisionPolicy(request.user, subject).may_decide)
        data = self.parse_body(ReopenSerializer)
        try:
            services.reopen(subject=subject, actor=request.user, source="correction", **data)
        except services.StaleDecision:
            return self._stale()
        return self._decision_response(subject)

    @extend_schema(
        summary="Carry the subject over, undecided this cycle",
        description="For the competent level, with the reason: the subject is out of the "
        "rating this cycle and the cycle may close with it.",
        request=CarryOverSerializer,
        responses={200: DecisionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="decision/carry-over")
    def decision_carry_over(self, request, pk=None):
        subject = self._subject()
        require(DecisionPolicy(request.user, subject).may_decide)
        data = self.parse_body(CarryOverSerializer)
        require_open(subject.cycle)
        cycles.subject_carry_over(subject=subject, actor=request.user, **data)
        return self._decision_response(subject)
