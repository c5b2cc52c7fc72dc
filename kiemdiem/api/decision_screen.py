"""The decision screen over the API (docs/decision-screen.md): GET a scope's rows, its quota
pools and the caps broken; POST finalize to decide many subjects at once, with the reason for
an override when a pool is over its quota or a cap is broken.

The same selector and service as the page: ``decisions.screen.screen`` (a 404 when the user
decides nobody in the scope) and ``decisions.finalizing.finalize`` (403 when the user may not
decide a row, 400 when a quota or cap would be broken without an override reason, or a
revision is stale).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404
from kiemdiem.api.base import E400, E403, READ_ERRORS, WRITE_ERRORS, ApiView, require
from kiemdiem.api.decisions import E409
from kiemdiem.api.fields import MAX_COMMENT, MAX_ID, QueryYesNo, Text, WholeNumber
from kiemdiem.cycles.models import ReviewCycle, SubjectKind, TierChoice
from kiemdiem.decisions import finalizing, policies
from kiemdiem.decisions import screen as screens
from kiemdiem.decisions.services import StaleDecision
from kiemdiem.orgtree.models import Unit

GROUP_CHOICES = list(screens.GROUPS)
SORT_CHOICES = list(screens.SORTS)
MAX_ROWS = 2_000


class ScreenQuery(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    group = serializers.ChoiceField(choices=GROUP_CHOICES, default="members")
    kind = serializers.ChoiceField(choices=SubjectKind.choices, required=False)
    tier = serializers.ChoiceField(choices=TierChoice.choices, required=False)
    reviewed_in = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    problems = QueryYesNo(required=False, default=False)
    sort = serializers.ChoiceField(choices=SORT_CHOICES, default="unit")


class BrokenSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="`quota` or `cap`")
    code = serializers.CharField(help_text="The pool's name or the cap rule's id.")
    text = serializers.CharField(allow_blank=True)


class RowSerializer(serializers.Serializer):
    subject = serializers.IntegerField(source="subject.pk")
    name = serializers.SerializerMethodField()
    unit = serializers.IntegerField(source="subject.unit_id")
    unit_name = serializers.CharField(source="subject.unit.name")
    kind = serializers.CharField(source="subject.kind")
    self_tier = serializers.CharField(
        help_text="The tier the subject proposed for itself.", allow_blank=True
    )
    engine_status = serializers.CharField(allow_blank=True)
    engine_tier = serializers.CharField(allow_blank=True)
    engine_why = serializers.CharField(help_text="The engine's reason in words.", allow_blank=True)
    engine_flags = serializers.ListField(child=serializers.CharField(allow_blank=True))
    state_tier = serializers.CharField(
        help_text="The same person's state-track tier.", allow_blank=True
    )
    proposed_tier = serializers.CharField(allow_blank=True)
    proposed_reason = serializers.CharField(allow_blank=True)
    decided_tier = serializers.CharField(allow_blank=True)
    state = serializers.CharField(
        help_text="The decision's state; empty before any.", allow_blank=True
    )
    revision = serializers.IntegerField(help_text="Send it back with finalize (stale page).")
    vote = serializers.CharField(
        help_text="The meeting's vote; a dash until meetings exist.", allow_blank=True
    )
    pool = serializers.IntegerField(source="pool_index", allow_null=True)
    engine_rank = serializers.IntegerField(allow_null=True)
    beyond_quota = serializers.BooleanField()
    caps = BrokenSerializer(many=True)
    override_reason = serializers.CharField(allow_blank=True)
    overrides = BrokenSerializer(many=True)

    def get_name(self, row) -> str:
        return screens._name(row.subject)


class PoolSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    pool = serializers.CharField()
    pool_key = serializers.CharField()
    kind = serializers.CharField()
    label = serializers.CharField(allow_blank=True)
    share = serializers.CharField(allow_blank=True)
    reading = serializers.CharField(
        help_text="The reading of the quota in force, in words.", allow_blank=True
    )
    reading_note = serializers.CharField(
        help_text="Why it is uncertain (regulations §15.2).", allow_blank=True
    )
    rounding = serializers.CharField(allow_blank=True)
    members = serializers.IntegerField(help_text="Subjects of the pool in the whole cycle.")
    httnv = serializers.IntegerField()
    candidates = serializers.IntegerField(help_text="Proposed or decided HTXSNV.")
    decided_htxsnv = serializers.IntegerField()
    allowed = serializers.IntegerField()
    excess = serializers.IntegerField()
    ranking = serializers.ListField(child=serializers.IntegerField())
    keep = serializers.ListField(child=serializers.IntegerField())
    flags = serializers.ListField(child=serializers.CharField(allow_blank=True))
    codes = serializers.ListField(child=serializers.CharField(allow_blank=True))
    cross_track = serializers.BooleanField()
    party_share = serializers.SerializerMethodField()

    def get_party_share(self, pool) -> str | None:
        return None if pool.party_share is None else str(pool.party_share)


class ScreenSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(source="cycle.pk")
    unit = serializers.IntegerField(source="unit.pk")
    scope = serializers.IntegerField(source="scope.pk")
    scope_name = serializers.CharField(source="scope.name")
    group = serializers.CharField()
    total = serializers.IntegerField(help_text="Subjects of the scope in the cycle.")
    problems = serializers.BooleanField()
    pools = PoolSerializer(many=True)
    rows = RowSerializer(many=True)


class FinalizeRow(serializers.Serializer):
    subject = WholeNumber(min_value=1, max_value=MAX_ID)
    tier = serializers.ChoiceField(choices=TierChoice.choices)
    revision = WholeNumber(
        min_value=0,
        max_value=MAX_ID,
        help_text="The row's revision as read on the screen (required); a newer one is 409.",
    )


class FinalizeBody(serializers.Serializer):
    rows = FinalizeRow(many=True, allow_empty=False, max_length=MAX_ROWS)
    reason = Text(required=False, default="", allow_blank=True, max_length=MAX_COMMENT)
    override_reason = Text(required=False, default="", allow_blank=True, max_length=MAX_COMMENT)


class FinalizeAnswer(serializers.Serializer):
    decided = serializers.ListField(child=serializers.IntegerField())
    overridden = serializers.ListField(child=serializers.IntegerField())


def _cycle(request, cycle_pk: int) -> ReviewCycle:
    if not 0 < cycle_pk <= MAX_ID:
        raise Http404
    return get_or_404(ReviewCycle.objects.all(), request.user, Action.VIEW, pk=cycle_pk)


class DecisionScreenView(ApiView):
    @extend_schema(
        summary="The decision screen of a scope: rows, quota pools, caps",
        parameters=[ScreenQuery],
        responses={200: ScreenSerializer, 400: E400, **READ_ERRORS},
    )
    def get(self, request, cycle_pk: int):
        query = ScreenQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        params = query.validated_data
        cycle = _cycle(request, cycle_pk)
        unit = Unit.objects.filter(pk=params["unit"]).first()
        if unit is None:
            raise Http404
        filters = {
            "kind": params.get("kind", ""),
            "tier": params.get("tier", ""),
            "unit": str(params.get("reviewed_in") or ""),
            "problems": "1" if params["problems"] else "",
        }
        view = screens.screen(
            cycle=cycle,
            unit=unit,
            group=params["group"],
            user=request.user,
            filters=filters,
            sort=params["sort"],
        )
        return Response(ScreenSerializer(view).data)


class DecisionScreenFinalizeView(ApiView):
    @extend_schema(
        summary="Decide many subjects at once (quota and caps checked; override with a reason)",
        request=FinalizeBody,
        responses={200: FinalizeAnswer, 403: E403, 409: E409, **WRITE_ERRORS},
    )
    def post(self, request, cycle_pk: int):
        cycle = _cycle(request, cycle_pk)
        require(policies.may_decide_in(request.user, cycle))  # before the body is read
        body = FinalizeBody(data=request.data)
        body.is_valid(raise_exception=True)
        rows = body.validated_data["rows"]
        tiers = {r["subject"]: r["tier"] for r in rows}
        if len(tiers) != len(rows):
            raise serializers.ValidationError({"rows": [_("Give each subject once.")]})
        try:
            decided = finalizing.finalize(
                cycle=cycle,
                rows=tiers,
                reason=body.validated_data["reason"],
                override_reason=body.validated_data["override_reason"],
                revisions={r["subject"]: r["revision"] for r in rows},
                actor=request.user,
            )
        except StaleDecision as error:
            return Response({"detail": " ".join(error.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(
            {
                "decided": [d.subject_id for d in decided],
                "overridden": [d.subject_id for d in decided if d.overrides],
            }
        )
