"""The bulk path of ``decisions.services.decide``: many subjects of one cycle decided at once,
as the system (the demo, management commands).

Through the service one subject costs several milliseconds (the cycle and subject locks, the
prerequisites query, the rating checks, one decision, one event, one audit entry). This writes
exactly the rows ``decide`` writes — the ``Decision`` (created, or the proposal's row moved on),
its ``DecisionEvent``, the subject's copy of the tier and the ``decision.decided`` audit
entry — after the same checks, with the order of the ratings read once
(``cycles.selectors.CycleIndex``) and the rows inserted in bulk.
``decisions/tests/test_bulk.py`` compares both paths row for row; the demo's
(``demo/tests/test_review_cycles.py``) does it for a whole province.

Quota pools are not checked here: this is the system's path, and what it decides is the
demo's plan. A decider's HTXSNV goes through ``decide`` or the decision screen, which lock
the pool rows and refuse a place over the quota (``quotas``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_actions_bulk, log_row
from kiemdiem.cycles.models import Subject, SubjectStatus
from kiemdiem.cycles.selectors import CycleIndex
from kiemdiem.decisions.models import Decision, DecisionEvent, DecisionState
from kiemdiem.decisions.services import (
    already_decided,
    clean_reason,
    clean_tier,
    not_in_rating,
    wait_for,
)
from kiemdiem.reviews.bulk import BATCH, Packs, chunks, lock_subjects
from kiemdiem.reviews.models import ReviewStatus, SelfReview

UPDATED = [
    "state",
    "tier",
    "reason",
    "decided_at",
    "decided_by",
    "override_reason",
    "overrides",
    "revision",
    "updated_at",
]


def _not_submitted() -> ValidationError:
    return ValidationError(
        _("The self-review has not been submitted yet (or is being amended or sent back).")
    )


@transaction.atomic
def decide_bulk(ratings: Sequence[tuple[Subject, str, str]]) -> list[Subject]:
    """``decide`` for many (subject, tier, reason) of one cycle, in the order given (a subject
    may wait on one decided earlier in the list), as the system. A re-opened rating is decided
    again through the service, one at a time, with its reason: refused here."""
    if not ratings:
        return []
    cycle_id = lock_subjects([s for s, _t, _r in ratings])  # cycle, then subjects
    pks = [s.pk for s, _t, _r in ratings]
    existing: dict[int, Decision] = {}
    submitted: set[int] = set()
    for chunk in chunks(pks):
        existing.update(
            (d.subject_id, d)
            for d in Decision.objects.select_for_update().filter(subject_id__in=chunk)
        )
        reviewed = SelfReview.objects.filter(subject_id__in=chunk, status=ReviewStatus.SUBMITTED)
        submitted.update(reviewed.values_list("subject_id", flat=True))
    index, packs = CycleIndex(cycle_id), Packs()
    now = timezone.now()
    decided: list[tuple[Subject, Decision, str, bool]] = []
    for subject, tier, reason in ratings:
        tier, reason = clean_tier(tier), clean_reason(reason, required=False)
        status = index.status[subject.pk]
        decision = existing.get(subject.pk)
        if status in (SubjectStatus.NOT_RATED, SubjectStatus.CARRIED_OVER):
            raise not_in_rating()
        if status == SubjectStatus.RATED or (decision and decision.state != DecisionState.PROPOSED):
            raise already_decided()
        waiting = index.waiting(subject.pk)
        if waiting:
            raise wait_for(waiting)
        try:
            packs.form(subject)
        except ValidationError:
            pass  # no form for this kind under the pinned rule set: decided on the record
        else:
            if subject.pk not in submitted:
                raise _not_submitted()
        created = decision is None
        if created:
            decision = Decision(subject=subject, state=DecisionState.PROPOSED)
        before = decision.tier
        decision.state, decision.tier, decision.reason = DecisionState.DECIDED, tier, reason
        decision.decided_at, decision.decided_by = now, None
        decision.override_reason, decision.overrides = "", []
        decision.revision += 1
        subject.tier, subject.status, subject.rating_note = tier, SubjectStatus.RATED, reason
        subject.rated_at, subject.rated_by = now, None
        index.rated(subject.pk, tier)
        decided.append((subject, decision, before, created))
    Decision.objects.bulk_create([d for _s, d, _b, new in decided if new], batch_size=BATCH)
    moved = [d for _s, d, _b, new in decided if not new]  # proposed before: moved on
    for d in moved:
        d.updated_at = now  # bulk_update does not touch auto_now fields
    if moved:
        Decision.objects.bulk_update(moved, UPDATED, batch_size=BATCH)
    DecisionEvent.objects.bulk_create(
        [
            DecisionEvent(
                decision=d,
                state=DecisionState.DECIDED,
                tier=d.tier,
                reason=d.reason,
                data={"override_reason": "", "overrides": []},
                actor=None,
                at=now,
            )
            for _s, d, _b, _new in decided
        ],
        batch_size=BATCH,
    )
    groups = defaultdict(list)  # one UPDATE per (tier, reason) and batch
    for subject, _d, _b, _new in decided:
        groups[(subject.tier, subject.rating_note)].append(subject.pk)
    for (tier, reason), group in groups.items():
        for chunk in chunks(group, BATCH):
            Subject.objects.filter(pk__in=chunk).update(
                tier=tier,
                status=SubjectStatus.RATED,
                rating_note=reason,
                rated_at=now,
                rated_by=None,
            )
    log_actions_bulk(
        (
            log_row(
                "decision.decided",
                s,
                unit=s.unit,
                data={"tier": [before, s.tier], "reason": s.rating_note},
            )
            for s, _d, before, _new in decided
        ),
        actor=None,
    )
    return [s for s, _d, _b, _new in decided]
