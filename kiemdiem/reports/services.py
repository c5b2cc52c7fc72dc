"""Reports' writes: a level marks its summary report submitted to the level above, or withdraws
it with a reason while the cycle is open. One transaction each, audited; refused with
PermissionDenied or ValidationError, nothing changed. Lock order: the cycle row, then the
submission row (a submission racing the cycle's closing waits for it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles.models import CycleStatus, ReviewCycle
from kiemdiem.reports import policies, selectors
from kiemdiem.reports.models import ReportSubmission, SubmissionStatus

MAX_TEXT = 2_000


def _text(value: str, field: str, *, required: bool) -> str:
    text = nfc_text(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("Write the reason.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    return text


def _open_cycle(cycle: ReviewCycle) -> ReviewCycle:
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(_("The cycle is closed: its reports can no longer change."))
    return cycle


def _check_revision(submission: ReportSubmission | None, revision) -> None:
    if revision is None:
        return
    current = submission.revision if submission else 0
    if str(revision) != str(current):
        raise ValidationError(
            _("Someone changed this report while you had the page open. Reload the page.")
        )


@transaction.atomic
def report_submit(*, cycle: ReviewCycle, unit, actor, note: str = "", revision=None):
    """Mark ``unit``'s report of ``cycle`` submitted, with its figures as they are now."""
    policies.check(policies.may_submit(actor, unit))
    note = _text(note, "note", required=False)
    cycle = _open_cycle(cycle)
    submission = ReportSubmission.objects.select_for_update().filter(cycle=cycle, unit=unit).first()
    _check_revision(submission, revision)
    if submission is not None and submission.is_submitted:
        raise ValidationError(_("This report has already been submitted."))
    figures = selectors.unit_table(cycle, unit).figures()
    now = timezone.now()
    if submission is None:
        submission = ReportSubmission(cycle=cycle, unit=unit)
    submission.status = SubmissionStatus.SUBMITTED
    submission.figures = figures
    submission.note = note
    submission.submitted_at = now
    submission.submitted_by = actor if getattr(actor, "pk", None) else None
    submission.withdrawn_at = None
    submission.withdrawn_by = None
    submission.withdraw_reason = ""
    submission.revision += 1
    submission.save()
    log_action(
        "reports.submitted",
        actor=actor,
        target=submission,
        unit=unit,
        data={"cycle": cycle.name, "unit": unit.name, "figures": _totals(figures), "note": note},
    )
    return submission


@transaction.atomic
def report_withdraw(*, submission: ReportSubmission, reason: str, actor, revision=None):
    """Withdraw a submitted report (to correct and submit it again), with the reason."""
    policies.check(policies.may_submit(actor, submission.unit))
    reason = _text(reason, "reason", required=True)
    cycle = _open_cycle(submission.cycle)
    submission = ReportSubmission.objects.select_for_update().get(pk=submission.pk)
    _check_revision(submission, revision)
    if not submission.is_submitted:
        raise ValidationError(_("This report is not submitted."))
    submission.status = SubmissionStatus.WITHDRAWN
    submission.withdrawn_at = timezone.now()
    submission.withdrawn_by = actor if getattr(actor, "pk", None) else None
    submission.withdraw_reason = reason
    submission.revision += 1
    submission.save()
    log_action(
        "reports.withdrawn",
        actor=actor,
        target=submission,
        unit=submission.unit,
        data={
            "cycle": cycle.name,
            "unit": submission.unit.name,
            "figures": _totals(submission.figures),
            "note": submission.note,
            "reason": reason,
        },
    )
    return submission


def _totals(figures: dict) -> str:
    total = figures.get("total", {})
    tiers = total.get("tiers", {})
    parts = [f"{tier} {tiers.get(tier, 0)}" for tier in selectors.TIERS]
    return f"{total.get('rated', 0)}/{total.get('in_rating', 0)}: " + ", ".join(parts)
