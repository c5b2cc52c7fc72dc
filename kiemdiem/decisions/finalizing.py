"""Deciding one subject or a whole decision screen at once, with its quotas and caps
(docs/decision-screen.md).

``finalize`` decides many subjects through ``services.decide_locked``. It is refused while a
pool would be over its quota or a cap would be broken, unless the decider writes an override
reason: then each affected decision keeps the reason and what was broken
(``overrides=[{"kind": "quota"|"cap", "code", "text"}]``), the override is audited, and the
screen shows it.

**Lock order (PostgreSQL)** — the same in every decision write, so two deciders never
deadlock and never both take the last HTXSNV place of a pool:

1. the cycle, ``FOR KEY SHARE`` (``cycles.services.hold_open``: a close waits for us);
2. the ``QuotaPool`` row of every pool instance the rows touch — created if missing
   (``get_or_create``; the unique constraint serialises two creators), then
   ``SELECT … FOR UPDATE`` ordered by id;
3. the subjects, ``FOR NO KEY UPDATE`` ordered by id;
4. their decisions, ``FOR UPDATE`` ordered by id (created when missing).

The HTXSNV places of a pool are counted *after* its row is locked, so a second decider on the
same pool waits at step 2 and then counts the first one's committed decision. A place is
taken only by a decision: a subject proposed HTXSNV but not yet decided counts as HTTNV in the
check (the tier it would have if not kept).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.cycles.models import ReviewCycle, Subject, SubjectKind
from kiemdiem.cycles.policies import subjects_to_rate
from kiemdiem.cycles.services import hold_open
from kiemdiem.decisions import policies
from kiemdiem.decisions import screen as screens
from kiemdiem.decisions.models import Decision, DecisionState
from kiemdiem.decisions.quotas import broken_rules, lock_pools
from kiemdiem.decisions.services import _check_revision, clean_reason, clean_tier, decide_locked


def _decision_order(subject: Subject) -> tuple:
    """The order rows are decided in (locks stay in id order): what the rules rate first comes
    first — state ratings, then people, then units deepest first, then heads after their unit
    (``cycles.selectors.prerequisites``)."""
    if subject.track == "state" and subject.person_id:
        return (0, 0, subject.pk)
    if subject.person_id and subject.kind != SubjectKind.HEAD:
        return (1, 0, subject.pk)
    if subject.person_id is None:
        return (2, -subject.unit.depth, subject.pk)
    return (3, 0, subject.pk)


@transaction.atomic
def finalize(
    *,
    cycle: ReviewCycle,
    rows: dict[int, str],
    reason: str = "",
    override_reason: str = "",
    actor,
    revisions: dict[int, int] | None = None,
) -> list[Decision]:
    """Decide every subject of ``rows`` ({subject id: tier}) at once, in the lock order of the
    module docstring. Refused — nothing written — when the actor may not decide one of them,
    a page was stale, a pool would be over quota or a cap broken; with ``override_reason``
    the quota and cap breaks are recorded on the affected decisions and audited instead."""
    if not rows:
        raise ValidationError({"rows": _("Choose a tier for at least one subject.")})
    tiers = {int(pk): clean_tier(tier, "rows") for pk, tier in rows.items()}
    reason = clean_reason(reason, required=False)
    override_reason = clean_reason(override_reason, required=False, field="override_reason")
    subjects = list(
        Subject.objects.filter(cycle=cycle, pk__in=tiers).select_related(
            "unit", "unit__managed_by", "unit__parent", "person"
        )
    )
    if len(subjects) != len(tiers):
        raise ValidationError({"rows": _("Some of these subjects are not in this cycle.")})
    if actor is not None:
        allowed = set(subjects_to_rate(actor).filter(pk__in=tiers).values_list("pk", flat=True))
        policies.check(allowed == set(tiers))
    # 1. The cycle — unless every row is a re-opened rating, which is decided again even in a
    # closed cycle (as ``services.decide`` does).
    contested = Decision.objects.filter(subject_id__in=tiers, state=DecisionState.CONTESTED)
    if set(contested.values_list("subject_id", flat=True)) != set(tiers):
        hold_open(cycle.pk)
    # 2. The pool rows of every instance the rows touch.
    packs = screens.Packs(cycle.pk)
    scopes = lock_pools(cycle, subjects, packs)
    # 3. The subjects, 4. their decisions.
    locked = list(
        Subject.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=tiers)
        .select_related("unit", "cycle", "person")
        .order_by("pk")
    )
    decisions = {
        d.subject_id: d
        for d in Decision.objects.select_for_update().filter(subject_id__in=tiers).order_by("pk")
    }
    for s in locked:
        if s.pk not in decisions:
            decisions[s.pk] = Decision.objects.select_for_update().get_or_create(
                subject=s, defaults={"state": DecisionState.PROPOSED}
            )[0]
        _check_revision(decisions[s.pk], (revisions or {}).get(s.pk))
        if decisions[s.pk].holds_tier:
            raise ValidationError(
                {
                    "rows": _(
                        "%(name)s has already been decided; a correction is a new decision "
                        "with its reason (Decide again)."
                    )
                    % {"name": screens._name(s)}
                }
            )
        if decisions[s.pk].state == DecisionState.CONTESTED and not reason:
            raise ValidationError({"reason": _("Write the reason.")})
    # The recount, after the pool rows are locked.
    affected, messages = broken_rules(cycle, scopes, tiers, packs)
    if messages and not override_reason:
        raise ValidationError(
            {
                "override_reason": [
                    _(
                        "Not decided: the quota or a cap would be broken. Correct the tiers, "
                        "or write the reason for deciding over them."
                    ),
                    *messages,
                ]
            }
        )
    out = []
    for s in sorted(locked, key=_decision_order):
        overrides = affected.get(s.pk, [])
        decision = decide_locked(
            s,
            decisions[s.pk],
            tier=tiers[s.pk],
            reason=reason,
            actor=actor,
            override_reason=override_reason if overrides else "",
            overrides=overrides,
        )
        if overrides:
            log_action(
                "decision.overridden",
                actor=actor,
                target=s,
                unit=s.unit,
                data={
                    "override_reason": override_reason,
                    "overrides": "; ".join(o["text"] for o in overrides),
                },
            )
        out.append(decision)
    return out
