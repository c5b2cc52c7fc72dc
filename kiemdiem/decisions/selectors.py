"""Reads about decisions: a subject's history, the proposals page's rows, the decider's queue.

Every read is bounded: a fixed number of queries whatever the number of rows (the tests count
them), never one per subject.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.board import DECISION, Dues
from kiemdiem.cycles.models import CycleStatus, ReviewCycle, Subject, SubjectStatus, Track
from kiemdiem.cycles.policies import rates_anyone, subjects_to_rate
from kiemdiem.cycles.selectors import waiting_q
from kiemdiem.decisions.models import Decision, DecisionEvent
from kiemdiem.decisions.policies import proposable_ids, state_tier_ids
from kiemdiem.meetings.selectors import vote_label
from kiemdiem.meetings.selectors import votes_for as meeting_votes
from kiemdiem.opinions import selectors as opinions
from kiemdiem.orgtree.models import Unit


def history(subject: Subject) -> QuerySet:
    """The moves of the subject's decision, oldest first, with who made them."""
    return (
        DecisionEvent.objects.filter(decision__subject=subject)
        .select_related("actor__person")
        .order_by("at", "id")
    )


def decision_of(subject: Subject) -> Decision | None:
    return Decision.objects.filter(subject=subject).first()


def decided_tiers(person) -> QuerySet:
    """The person's decided tiers, newest cycle first (their page; the multi-year history
    with its lists is the remediation app's)."""
    return (
        Subject.objects.filter(person=person, status=SubjectStatus.RATED)
        .select_related("cycle", "unit", "decision")
        .order_by("-cycle__year", "-cycle__period_start", "track", "kind")
    )


# --- the proposals page ----------------------------------------------------------------------


@dataclass
class ProposalRow:
    subject: Subject
    decision: Decision | None
    self_proposed: str  # the tier the subject proposed on their self-review
    engine_tier: str
    engine_lines: list[str]
    state_subject: Subject | None  # the same person's state-track rating in the cycle
    may_propose: bool
    # The meeting's vote (meetings.selectors.vote_label); the opinions: issue #13 (opinions).
    meeting_vote: str | None = None
    errors: list[str] = field(default_factory=list)
    # The opinions asked about the subject (``opinions.selectors.RequestView``), and the state
    # tier the employing agency gave in its answer.
    opinions: list = field(default_factory=list)
    opinions_state_tier: str = ""

    @property
    def revision(self) -> int:
        return self.decision.revision if self.decision else 0


def proposal_subjects(user, cycle: ReviewCycle, unit: Unit) -> QuerySet:
    """What the advisory body of ``unit`` proposes on: the subjects reviewed in the unit, and
    the ratings of the units directly under it (a party committee's organization section
    proposes its cells' tiers)."""
    return (
        restrict(Subject.objects.filter(cycle=cycle), user, Action.VIEW)
        .filter(Q(unit=unit) | Q(unit__parent=unit, person__isnull=True))
        .select_related("unit", "person", "review", "decision")
        .order_by("unit__path", "person__sort_key", "kind", "pk")
    )


def proposal_rows(
    user, cycle: ReviewCycle, unit: Unit, only: int | None = None
) -> list[ProposalRow]:
    """One row per subject (``only``: the one row the htmx form re-renders)."""
    subjects = proposal_subjects(user, cycle, unit)
    if only is not None:
        subjects = subjects.filter(pk=only)
    subjects = list(subjects)
    persons = {s.person_id for s in subjects if s.person_id and s.track == Track.PARTY}
    may = proposable_ids(user, subjects, unit)
    # The same person's state rating, as far as ``user`` may see it (``state_tier_ids``: the
    # door, or the decided tier for the advisory body of the party rating).
    found = list(
        Subject.objects.filter(cycle=cycle, track=Track.STATE, person_id__in=persons).order_by("pk")
    )
    advised = {s.person_id for s in subjects if s.pk in may and s.track == Track.PARTY}
    shown = state_tier_ids(user, found, advised)
    state = {}
    for s in found:
        if s.pk in shown:
            state.setdefault(s.person_id, s)
    asked = opinions.summaries(user, subjects)
    votes = meeting_votes(s.pk for s in subjects)
    rows = []
    for s in subjects:
        review = getattr(s, "review", None)
        result = (review.engine_result or {}) if review else {}
        rows.append(
            ProposalRow(
                subject=s,
                decision=getattr(s, "decision", None),
                self_proposed=review.proposed_tier if review else "",
                engine_tier=result.get("tier") or "",
                engine_lines=list(result.get("lines") or []),
                state_subject=state.get(s.person_id) if s.track == Track.PARTY else None,
                may_propose=s.pk in may and s.status == SubjectStatus.PENDING,
                opinions=asked.get(s.pk, []),
                opinions_state_tier=opinions.agency_state_tier(asked.get(s.pk, [])),
                meeting_vote=vote_label(votes.get(s.pk)),
            )
        )
    return rows


# --- the decider's queue ---------------------------------------------------------------------


@dataclass
class QueueGroup:
    cycle: ReviewCycle
    unit: Unit
    count: int
    due: datetime.date | None


def queue(user) -> list[QueueGroup]:
    """What waits for ``user`` to decide, by cycle and unit: the subjects they may decide
    (``subjects_to_rate``), still pending in an open cycle, with everything they wait for
    decided or out of the rating (``cycles.selectors.waiting_q``: the rules of
    ``prerequisites`` as one condition), counted in one query; the deadlines from the governing
    plans (``Dues``: the ``decision`` stage of the nearest plan at or above the unit, one query
    per cycle). Soonest deadline first."""
    if not rates_anyone(user):
        return []
    counts = list(
        subjects_to_rate(user)
        .filter(status=SubjectStatus.PENDING, cycle__status=CycleStatus.OPEN)
        .exclude(waiting_q())
        .values_list("cycle_id", "unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    if not counts:
        return []
    cycles = ReviewCycle.objects.in_bulk({c for c, _u, _n in counts})
    units = Unit.objects.in_bulk({u for _c, u, _n in counts})
    dues = {pk: Dues(cycle) for pk, cycle in cycles.items()}
    groups = [
        QueueGroup(
            cycle=cycles[c],
            unit=units[u],
            count=n,
            due=dues[c].due(units[u].path, DECISION),
        )
        for c, u, n in counts
    ]
    far = datetime.date.max
    groups.sort(key=lambda g: (g.due or far, g.unit.path, g.cycle.pk))
    return groups
