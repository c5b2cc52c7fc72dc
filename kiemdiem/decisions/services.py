"""Writes about decisions: propose, decide, decide again, re-open (docs/decisions.md).

Every write is keyword-only, checks ``decisions.policies`` for its ``actor``, locks in the
documented order — cycle (``FOR KEY SHARE``, ``cycles.services.hold_open``), then the quota
pool rows it consumes (``FOR UPDATE``, by id), then the subject (``FOR NO KEY UPDATE``), then
its decision — validates, writes the decision, a ``DecisionEvent`` and the subject's copy of
the tier, and the audit line, in one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles import hooks
from kiemdiem.cycles.models import Subject, SubjectStatus, TierChoice
from kiemdiem.cycles.selectors import prerequisites
from kiemdiem.cycles.services import hold_open
from kiemdiem.decisions import policies, quotas
from kiemdiem.decisions.models import Decision, DecisionEvent, DecisionState

MAX_REASON = 5_000
OUT_OF_RATING = (SubjectStatus.NOT_RATED, SubjectStatus.CARRIED_OVER)
# What may re-open a rating of a closed cycle: a complaint upheld against it, a finding in the
# register for its year (regulations.md §6 step 10, §9). A decider's own correction may not.
REOPENED_AFTER_CLOSE = ("complaint", "register")


def clean_tier(tier: str, field: str = "tier") -> str:
    if tier not in TierChoice.values:
        raise ValidationError({field: _("Choose one of the four tiers.")})
    return tier


def clean_reason(reason: str, *, required: bool, field: str = "reason") -> str:
    text = nfc_text(reason or "").strip()
    if required and not text:
        raise ValidationError({field: _("Write the reason.")})
    if len(text) > MAX_REASON:
        raise ValidationError(
            {field: _("At most %(limit)s characters.") % {"limit": f"{MAX_REASON:,}"}}
        )
    return text


def _locked(subject: Subject) -> tuple[Subject, Decision]:
    """The subject and its decision, locked (after the cycle: ``hold_open`` first)."""
    subject = (
        Subject.objects.select_for_update(no_key=True, of=("self",))
        .select_related("unit", "cycle", "person")
        .get(pk=subject.pk)
    )
    decision, _created = Decision.objects.select_for_update().get_or_create(
        subject=subject, defaults=_legacy_defaults(subject)
    )
    return subject, decision


def _legacy_defaults(subject: Subject) -> dict:
    """A new decision row. A subject rated before decisions existed gets its decision as it
    stands (decided, its tier, who and when), so it can be re-opened and decided again."""
    if subject.status != SubjectStatus.RATED:
        return {"state": DecisionState.PROPOSED}
    return {
        "state": DecisionState.DECIDED,
        "tier": subject.tier,
        "reason": subject.rating_note,
        "decided_at": subject.rated_at,
        "decided_by": subject.rated_by,
    }


class StaleDecision(ValidationError):
    """The page (or API client) sent an older ``revision``: someone changed the decision since
    (the API answers 409)."""


def _check_revision(decision: Decision, revision: int | None) -> None:
    if revision is not None and revision != decision.revision:
        raise StaleDecision(
            _("Someone changed this decision after your page was opened; reload the page.")
        )


def _event(decision: Decision, state: str, *, actor, tier: str = "", reason: str = "", **data):
    decision.revision += 1
    return DecisionEvent.objects.create(
        decision=decision,
        state=state,
        tier=tier,
        reason=reason,
        data=data,
        actor=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
    )


def not_in_rating() -> ValidationError:
    return ValidationError(_("This subject is not rated in this cycle."))


def already_decided() -> ValidationError:
    return ValidationError(
        _(
            "This subject has already been decided; a correction is a new decision with "
            "its reason (Decide again)."
        )
    )


def wait_for(pks) -> ValidationError:
    """The refusal naming the subjects still to be decided first (in pk order)."""
    waiting = Subject.objects.filter(pk__in=pks).select_related("person", "unit").order_by("pk")
    names = "; ".join(
        f"{s.person.full_name + ' — ' if s.person_id else ''}{s.get_kind_display()}, {s.unit.name}"
        for s in waiting
    )
    return ValidationError(
        _("Rate these first, as the rules require: %(names)s.") % {"names": names}
    )


def _check_order(subject: Subject) -> None:
    """Everything this subject waits for is decided (or out of the rating), and the checks
    the apps register hold (a self-review with a form is submitted)."""
    waiting = list(
        prerequisites(subject).filter(status=SubjectStatus.PENDING).values_list("pk", flat=True)
    )
    if waiting:
        raise wait_for(waiting)
    hooks.check_rating(subject)


def _copy_to_subject(subject: Subject, decision: Decision, actor) -> None:
    """The subject's tier is a copy of the latest decided tier (board, counts, reports)."""
    subject.tier = decision.tier
    subject.status = SubjectStatus.RATED
    subject.rating_note = decision.reason
    subject.rated_at = decision.decided_at
    subject.rated_by = actor if getattr(actor, "pk", None) else None
    subject.save(update_fields=["tier", "status", "rating_note", "rated_at", "rated_by"])


@transaction.atomic
def propose(*, subject: Subject, tier: str, reason: str = "", actor, revision=None) -> Decision:
    """The advisory body's proposed tier for a subject not yet decided."""
    policies.check(policies.DecisionPolicy(actor, subject).may_propose)
    tier = clean_tier(tier, "proposed_tier")
    reason = clean_reason(reason, required=False, field="proposed_reason")
    hold_open(subject_id=subject.pk)
    subject, decision = _locked(subject)
    _check_revision(decision, revision)
    if subject.status in OUT_OF_RATING:
        raise not_in_rating()
    if decision.holds_tier or (
        subject.status == SubjectStatus.RATED and decision.state != DecisionState.CONTESTED
    ):
        raise ValidationError(_("This subject has already been decided."))
    before = decision.proposed_tier
    decision.proposed_tier, decision.proposed_reason = tier, reason
    decision.proposed_at, decision.proposed_by = (
        timezone.now(),
        actor if getattr(actor, "pk", None) else None,
    )
    if decision.state != DecisionState.CONTESTED:
        decision.state = DecisionState.PROPOSED
    _event(decision, DecisionState.PROPOSED, actor=actor, tier=tier, reason=reason)
    decision.save()
    log_action(
        "decision.proposed",
        actor=actor,
        target=subject,
        unit=subject.unit,
        data={"proposed_tier": [before, tier], "reason": reason},
    )
    return decision


def decide_locked(
    subject: Subject,
    decision: Decision,
    *,
    tier: str,
    reason: str,
    actor,
    override_reason: str = "",
    overrides: list | None = None,
) -> Decision:
    """Record a decision on a subject already locked with its decision (``_locked``), the
    order checked. For the screen's finalize, which locks its pools first."""
    if subject.status in OUT_OF_RATING:
        raise not_in_rating()
    again = decision.state == DecisionState.CONTESTED
    # A subject rated before decisions existed holds its tier without a decision row.
    if decision.holds_tier or (subject.status == SubjectStatus.RATED and not again):
        raise already_decided()
    if not again:
        _check_order(subject)
    state = DecisionState.REDECIDED if again else DecisionState.DECIDED
    before = decision.tier
    decision.tier, decision.reason = tier, reason
    decision.decided_at = timezone.now()
    decision.decided_by = actor if getattr(actor, "pk", None) else None
    decision.override_reason = override_reason
    decision.overrides = list(overrides or [])
    decision.state = state
    _event(
        decision,
        state,
        actor=actor,
        tier=tier,
        reason=reason,
        override_reason=override_reason,
        overrides=decision.overrides,
    )
    decision.save()
    _copy_to_subject(subject, decision, actor)
    data = {"tier": [before, tier], "reason": reason}
    if override_reason:
        data["override_reason"] = override_reason
    if again:
        log_action("decision.redecided", actor=actor, target=subject, unit=subject.unit, data=data)
    else:
        log_action("decision.decided", actor=actor, target=subject, unit=subject.unit, data=data)
    return decision


@transaction.atomic
def decide(
    *,
    subject: Subject,
    tier: str,
    reason: str = "",
    actor,
    revision=None,
) -> Decision:
    """The competent level's decision on one subject, in the order the rules require, within
    its quota pools and caps (``quotas.check_single``; an override with its reason is written
    on the decision screen, ``finalizing``). A subject re-opened by a complaint or a later
    finding is decided again, with a reason, even in a closed cycle."""
    policies.check(policies.DecisionPolicy(actor, subject).may_decide)
    tier = clean_tier(tier)
    reason = clean_reason(reason, required=False)
    # A read to choose the lock path only (a re-opened rating is decided again even in a
    # closed cycle); what the row is decides, under its lock, below.
    contested = Decision.objects.filter(subject=subject, state=DecisionState.CONTESTED).exists()
    if not contested:
        hold_open(subject_id=subject.pk)
    if not quotas.decided_already(subject):
        if not contested:
            _check_order(subject)  # a read: the clearer refusal comes first
        # The pool rows before the subject, then the quota and the caps counted with this
        # tier (decision-screen.md) — a decision again after a re-opening too, so a
        # correction can never take a place the quota does not give or break a cap.
        quotas.check_single(subject=subject, tier=tier)
    subject, decision = _locked(subject)
    _check_revision(decision, revision)
    if decision.state == DecisionState.CONTESTED:
        # Decided under the lock: a rating re-opened after the read above still needs its
        # reason (one the read saw re-opened but since decided is refused as decided).
        reason = clean_reason(reason, required=True)
    return decide_locked(subject, decision, tier=tier, reason=reason, actor=actor)


@transaction.atomic
def reopen(*, subject: Subject, reason: str, actor, source: str = "", revision=None) -> Decision:
    """Re-open a decided rating (a correction, a complaint taken up, a register entry found
    for its year): the tier stays in force until it is decided again, with the reason shown.
    Needs the competent level, or the system (``actor=None``) for a later finding."""
    policies.check(policies.DecisionPolicy(actor, subject).may_decide)
    reason = clean_reason(reason, required=True)
    if source not in REOPENED_AFTER_CLOSE:
        hold_open(subject_id=subject.pk)  # a decider's own correction: only while open
    subject, decision = _locked(subject)
    _check_revision(decision, revision)
    if not decision.holds_tier:
        raise ValidationError(_("Only a decided rating can be re-opened."))
    decision.state = DecisionState.CONTESTED
    decision.reopened_reason = reason
    _event(
        decision,
        DecisionState.CONTESTED,
        actor=actor,
        tier=decision.tier,
        reason=reason,
        source=source,
    )
    decision.save()
    log_action(
        "decision.reopened",
        actor=actor,
        target=subject,
        unit=subject.unit,
        data={"reason": reason, "source": source},
    )
    return decision
