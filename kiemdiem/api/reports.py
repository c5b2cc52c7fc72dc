"""Reports over the API (docs/reports.md): a subtree's roll-up in a cycle, with its units below
and their submissions; submitting and withdrawing a level's report.

The same selector and services as the page: ``reports.selectors.report`` (404 unless the caller
may read the whole subtree: ``reports.policies.may_view``) and ``reports.services`` (403 when
the caller may not submit for the unit, 400 when the cycle is closed, the report already
submitted, the reason missing or the revision stale).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404
from kiemdiem.api.base import E400, E403, READ_ERRORS, WRITE_ERRORS, ApiView, require_somewhere
from kiemdiem.api.fields import MAX_COMMENT, MAX_ID, Text, WholeNumber
from kiemdiem.cycles.models import ReviewCycle, TierChoice
from kiemdiem.orgtree.models import Unit
from kiemdiem.reports import policies, selectors, services
from kiemdiem.reports.models import ReportSubmission


class ReportQuery(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class TiersSerializer(serializers.Serializer):
    HTXSNV = serializers.IntegerField()
    HTTNV = serializers.IntegerField()
    HTNV = serializers.IntegerField()
    KHTNV = serializers.IntegerField()


class LineSerializer(serializers.Serializer):
    category = serializers.CharField(source="code", help_text="`total` for the total line.")
    label = serializers.CharField()
    total = serializers.IntegerField(help_text="Subjects of the cycle.")
    not_rated = serializers.IntegerField(source="out", help_text="Not rated, carried over.")
    rated = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="In the rating, not yet rated.")
    tiers = TiersSerializer()
    shares = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Each tier's share of those rated, in per cent.",
    )


class TableSerializer(serializers.Serializer):
    lines = LineSerializer(many=True)
    total = LineSerializer()


class SubmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportSubmission
        fields = [
            "id",
            "status",
            "submitted_at",
            "withdrawn_at",
            "withdraw_reason",
            "note",
            "revision",
        ]


class ChildSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    table = TableSerializer()
    submission = SubmissionSerializer(allow_null=True)
    stale = serializers.BooleanField(help_text="Submitted, and the figures changed since.")


class EarlierSerializer(serializers.Serializer):
    cycle = serializers.IntegerField()
    cycle_name = serializers.CharField()
    table = TableSerializer()


class ReportSerializer(serializers.Serializer):
    cycle = serializers.IntegerField(source="cycle.pk")
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    table = TableSerializer()
    here = TableSerializer(help_text="The subjects reviewed at the unit itself.")
    children = ChildSerializer(many=True)
    earlier = EarlierSerializer(many=True)
    submission = SubmissionSerializer(allow_null=True)
    stale = serializers.BooleanField()


class SubmitBody(serializers.Serializer):
    unit = WholeNumber(min_value=1, max_value=MAX_ID)
    note = Text(required=False, default="", allow_blank=True, max_length=MAX_COMMENT)
    revision = WholeNumber(min_value=0, max_value=MAX_ID, required=False)


class WithdrawBody(serializers.Serializer):
    unit = WholeNumber(min_value=1, max_value=MAX_ID)
    reason = Text(max_length=MAX_COMMENT)
    revision = WholeNumber(min_value=0, max_value=MAX_ID, required=False)


def _cycle(request, cycle_pk: int) -> ReviewCycle:
    if not 0 < cycle_pk <= MAX_ID:
        raise Http404
    return get_or_404(ReviewCycle.objects.all(), request.user, Action.VIEW, pk=cycle_pk)


def _unit(request, pk: int) -> Unit:
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None or not policies.may_view(request.user, unit):
        raise Http404
    return unit


def _data(report: selectors.Report) -> dict:
    return {
        "cycle": report.cycle,
        "unit": report.unit,
        "table": report.table,
        "here": report.here,
        "children": report.children,
        "earlier": [{"cycle": c.pk, "cycle_name": c.name, "table": t} for c, t in report.earlier],
        "submission": report.submission,
        "stale": report.stale,
    }


class ReportView(ApiView):
    @extend_schema(
        summary="A subtree's results in a cycle: summary table, units below, earlier years",
        description="Counts by category (the kinds of subject grouped as the summary tables "
        "group them) and tier, read from the result summaries, for `unit`'s whole subtree and "
        "each unit directly below, with each one's report submission; the same unit in the "
        "two earlier cycles of the same kind. 404 unless the caller's grant covers the whole "
        "subtree. Tiers: " + ", ".join(TierChoice.values) + ".",
        parameters=[ReportQuery],
        responses={200: ReportSerializer, 400: E400, **READ_ERRORS},
    )
    def get(self, request, cycle_pk: int):
        query = ReportQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        cycle = _cycle(request, cycle_pk)
        unit = _unit(request, query.validated_data["unit"])
        return Response(ReportSerializer(_data(selectors.report(request.user, cycle, unit))).data)


class ReportSubmitView(ApiView):
    @extend_schema(
        summary="Mark a level's report submitted to the level above",
        request=SubmitBody,
        responses={200: SubmissionSerializer, 403: E403, **WRITE_ERRORS},
    )
    def post(self, request, cycle_pk: int):
        cycle = _cycle(request, cycle_pk)
        require_somewhere(request.user)  # before the body is read
        body = SubmitBody(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        submission = services.report_submit(
            cycle=cycle,
            unit=_unit(request, data["unit"]),
            note=data["note"],
            revision=data.get("revision"),
            actor=request.user,
        )
        return Response(SubmissionSerializer(submission).data)


class ReportWithdrawView(ApiView):
    @extend_schema(
        summary="Withdraw a submitted report, with the reason (while the cycle is open)",
        request=WithdrawBody,
        responses={200: SubmissionSerializer, 403: E403, **WRITE_ERRORS},
    )
    def post(self, request, cycle_pk: int):
        cycle = _cycle(request, cycle_pk)
        require_somewhere(request.user)  # before the body is read
        body = WithdrawBody(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unit = _unit(request, data["unit"])
        submission = ReportSubmission.objects.filter(cycle=cycle, unit=unit).first()
        if submission is None:
            raise Http404
        submission = services.report_withdraw(
            submission=submission,
            reason=data["reason"],
            revision=data.get("revision"),
            actor=request.user,
        )
        return Response(SubmissionSerializer(submission).data)
