"""Complaints about a decided rating (regulations.md §6 step 10, QĐ 124 Art. 11: "if there
are complaints … the superior committee directly directs verification and re-rating").

* ``file_complaint``: the subject in person (for a unit's subject, its head) files a complaint,
  with text and attachments, until ``Decision.complaint_until`` (set by the notice); after that
  day it is refused with the date named. One open complaint per decision at a time. It goes to
  the level above the one that decided (``complaint_level``).
* ``handle_complaint``: that level decides it — ``upheld`` (the tier stays, with the reason, a
  ``DecisionEvent`` records it) or ``changed`` (the rating is re-opened and decided again with
  the new tier and the reason: ``decisions.services.reopen`` + ``decide``, state
  ``redecided``, then notified again). The complainant is told the outcome. Every complaint
  stays on record with its outcome.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.common.attachments import check_attachment, check_count
from kiemdiem.common.dates import today
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles.models import TierChoice
from kiemdiem.decisions import notices, policies, services
from kiemdiem.decisions.models import (
    HOLDS_TIER,
    Complaint,
    ComplaintFile,
    ComplaintStatus,
    Decision,
    DecisionEvent,
    DecisionState,
)
from kiemdiem.orgtree.models import Unit

MAX_TEXT = 10_000


def complaint_level(subject) -> Unit:
    """The level above the one that decided (``notices.deciding_unit``): its managing level,
    else its parent; the top of the tree decides its own."""
    level = notices.deciding_unit(subject)
    return level.managed_by or level.parent or level


def _clean_text(text: str, field: str, limit: int = MAX_TEXT) -> str:
    text = nfc_text(text or "").strip()
    if not text:
        raise ValidationError({field: _("Write the reason.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(limit)s characters.") % {"limit": limit}})
    return text


def window_refusal(decision: Decision, day: datetime.date) -> str | None:
    """Why a complaint cannot be filed on ``day`` (None: it can)."""
    if decision.state not in HOLDS_TIER and decision.state != DecisionState.CONTESTED:
        return _("This rating has not been decided yet.")
    if decision.complaint_until is None:
        return _("Complaints can be filed once the result has been notified.")
    if day > decision.complaint_until:
        return _("The time for complaints ended on %(day)s.") % {
            "day": notices.fmt(decision.complaint_until)
        }
    return None


@transaction.atomic
def file_complaint(
    *, decision: Decision, text: str, files=(), actor, day: datetime.date | None = None
) -> Complaint:
    """File the subject's complaint with its documents. Lock order: the decision."""
    subject = decision.subject
    policies.check(
        policies.may_file_complaint(actor, subject),
        _("Only the person rated (for a unit, its head) may complain about a rating."),
    )
    text = _clean_text(text, "text")
    files = list(files or [])
    check_count(0, len(files))
    checked = [check_attachment(f) for f in files]  # refused by name before anything is kept
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    refusal = window_refusal(decision, day or today())
    if refusal:
        raise ValidationError(refusal)
    if decision.complaints.filter(status=ComplaintStatus.FILED).exists():
        raise ValidationError(_("A complaint about this rating is already waiting to be decided."))
    complaint = Complaint.objects.create(
        decision=decision,
        text=text,
        filed_at=timezone.now(),
        filed_by=actor if getattr(actor, "pk", None) else None,
        handled_at_unit=complaint_level(subject),
    )
    ComplaintFile.objects.bulk_create(
        ComplaintFile.from_checked(
            c, complaint=complaint, uploaded_by=actor if getattr(actor, "pk", None) else None
        )
        for c in checked
    )
    for user in notices.deciders_at(complaint.handled_at_unit):

        def compose(complaint=complaint):
            values = {"what": notices.subject_label(subject), "cycle": subject.cycle.name}
            return (
                _("A complaint to decide: %(what)s") % values,
                _(
                    "A complaint about the rating of %(what)s in %(cycle)s was filed; your level"
                    " decides it."
                )
                % values,
                reverse("complaint-detail", args=[complaint.pk]),
            )

        notices.tell(user, key=f"complaint-filed:{complaint.pk}", compose=compose)
    log_action(
        "complaint.filed",
        actor=actor,
        target=complaint,
        unit=subject.unit,
        data={
            "text": text,
            "files": [c.name for c in checked],
            "handled_at": complaint.handled_at_unit.name,
        },
    )
    return complaint


@transaction.atomic
def handle_complaint(
    *,
    complaint: Complaint,
    outcome: str,
    reason: str,
    new_tier: str = "",
    actor,
    revision: int | None = None,
) -> Complaint:
    """Decide a complaint: ``upheld`` keeps the tier, ``changed`` decides it again with
    ``new_tier``. ``revision`` is the decision's revision on the page the decider read: a
    decision changed since (re-decided, re-opened, notified…) is refused
    (``services.StaleDecision``), and so is a complaint someone already decided. Lock order:
    the complaint, then (through ``services``) the cycle, the subject and its decision."""
    policies.check(policies.may_handle_complaint(actor, complaint))
    reason = _clean_text(reason, "outcome_reason", services.MAX_REASON)
    if outcome not in (ComplaintStatus.UPHELD, ComplaintStatus.CHANGED):
        raise ValidationError({"outcome": _("Choose: keep the rating, or change it.")})
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("handled_by")
        .get(pk=complaint.pk)
    )
    if complaint.status != ComplaintStatus.FILED:
        raise ValidationError(
            _(
                "This complaint was already decided (%(outcome)s, %(when)s, by %(who)s) after "
                "your page was opened; reload the page."
            )
            % {
                "outcome": complaint.get_status_display(),
                "when": f"{timezone.localtime(complaint.handled_at):%d/%m/%Y %H:%M}"
                if complaint.handled_at
                else "—",
                "who": complaint.handled_by.username if complaint.handled_by_id else "—",
            }
        )
    decision = complaint.decision
    # A first read for the clearer refusal; the writes below check it again under the lock.
    services._check_revision(decision, revision)
    subject = decision.subject
    before = decision.tier
    if outcome == ComplaintStatus.CHANGED:
        if new_tier not in TierChoice.values:
            raise ValidationError({"new_tier": _("Choose one of the four tiers.")})
        if new_tier == decision.tier:
            raise ValidationError(
                {"new_tier": _("That is the tier already decided; to keep it, uphold it.")}
            )
        if decision.state != DecisionState.CONTESTED:
            decision = services.reopen(
                subject=subject,
                reason=_("Complaint of %(day)s: %(text)s")
                % {"day": f"{complaint.filed_at:%d/%m/%Y}", "text": complaint.text[:500]},
                actor=actor,
                source="complaint",
                revision=revision,
            )
            revision = None if revision is None else decision.revision
        decision = services.decide(
            subject=subject, tier=new_tier, reason=reason, actor=actor, revision=revision
        )
    else:
        new_tier = ""
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        services._check_revision(decision, revision)
        decision.revision += 1
        DecisionEvent.objects.create(
            decision=decision,
            state=decision.state,
            tier=decision.tier,
            reason=reason,
            data={"complaint": complaint.pk, "outcome": ComplaintStatus.UPHELD},
            actor=actor if getattr(actor, "pk", None) else None,
            at=timezone.now(),
        )
        decision.save(update_fields=["revision", "updated_at"])
    complaint.status = outcome
    complaint.outcome_reason = reason
    complaint.new_tier = new_tier
    complaint.handled_at = timezone.now()
    complaint.handled_by = actor if getattr(actor, "pk", None) else None
    complaint.save()
    log_action(
        "complaint.handled",
        actor=actor,
        target=complaint,
        unit=subject.unit,
        data={"outcome": outcome, "tier": [before, decision.tier], "reason": reason},
    )
    _tell_outcome(complaint, decision)
    if outcome == ComplaintStatus.CHANGED:
        # The new tier is notified like any decision (a new window for the new tier).
        notices.notify_decisions([decision.pk], actor=actor)
    complaint.decision.refresh_from_db()  # the caller reads the tier now in force
    return complaint


def _tell_outcome(complaint: Complaint, decision: Decision) -> None:
    subject = decision.subject
    for user in notices.subject_users(subject):

        def compose(user=user):
            values = {
                "what": notices.subject_label(subject),
                "cycle": subject.cycle.name,
                "day": f"{complaint.filed_at:%d/%m/%Y}",
                "level": complaint.handled_at_unit.name,
                "tier": notices.tier_label(decision.tier),
                "reason": complaint.outcome_reason,
            }
            if complaint.status == ComplaintStatus.UPHELD:
                text = _(
                    "%(level)s has decided your complaint of %(day)s about %(what)s"
                    " (%(cycle)s): the rating %(tier)s is kept. Reason: %(reason)s."
                )
            else:
                text = _(
                    "%(level)s has decided your complaint of %(day)s about %(what)s"
                    " (%(cycle)s): the rating is changed to %(tier)s. Reason: %(reason)s."
                )
            return (
                _("Your complaint has been decided"),
                text % values,
                reverse("decision-result", args=[decision.pk]),
            )

        notices.tell(user, key=f"complaint-outcome:{complaint.pk}", compose=compose)


# --- Reading -----------------------------------------------------------------------------


def queue(user, *, open_only: bool = True) -> QuerySet:
    """The complaints the user's level decides (``decide`` right over ``handled_at_unit``)."""
    qs = Complaint.objects.select_related(
        "decision__subject__person",
        "decision__subject__unit",
        "decision__subject__cycle",
        "handled_at_unit",
    ).order_by("filed_at", "pk")
    if open_only:
        qs = qs.filter(status=ComplaintStatus.FILED)
    return qs.filter(policies.complaints_to_handle_q(user))


def mine(user) -> QuerySet:
    """The complaints ``user`` filed."""
    if user is None or not user.is_authenticated:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(filed_by=user)
        .select_related("decision__subject__cycle", "handled_at_unit")
        .order_by("-filed_at")
    )
