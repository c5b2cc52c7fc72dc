"""A person rated in several places of one cycle (a leader in their cell and in the leadership
collective, a member with posts in two units): the ratings are found with the engine's
``reconcile_places`` and the competent level chooses the final tier (§16.9 C4, HD 21
procedure note 4). Nothing here takes the lowest or the highest rating: until the choice is
recorded, the person has no final tier (``final_tier`` answers ``None``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, QuerySet

from kiemdiem import rules_engine
from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles import policies
from kiemdiem.cycles.models import PlaceDecision, ReviewCycle, Subject, SubjectStatus


@dataclass
class Conflict:
    """One person, one track: rated differently in ``subjects`` (lowest tier first — an
    order for reading, not a proposal)."""

    cycle: ReviewCycle
    person_id: int
    track: str
    subjects: list[Subject]
    decision: PlaceDecision | None = None
    may_choose: bool = False
    tiers: list[str] = field(default_factory=list)
    shown: list[Subject] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        """How many of the places the user may not view (listed to them as a number only)."""
        return len(self.subjects) - len(self.shown)

    @property
    def decision_token(self) -> str:
        return decision_token(self.decision)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.subjects)

    @property
    def person(self):
        return self.subjects[0].person

    @property
    def settled(self) -> bool:
        """A choice was recorded on exactly these ratings."""
        return self.decision is not None and self.decision.ratings == ratings_of(self.subjects)


def ratings_of(subjects) -> dict[str, str]:
    """What a choice is made on: {subject id: tier} of the rated places."""
    return {str(s.pk): s.tier for s in subjects}


def fingerprint(subjects) -> str:
    """A short digest of the ratings a page showed: the choice is refused when the places
    were rated again since (a stale page never writes over newer ratings)."""
    text = json.dumps(ratings_of(subjects), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def decision_token(decision: PlaceDecision | None) -> str:
    """The recorded choice a page showed: ``none``, or its id and when it was made (the row
    is updated in place by a new choice, so the id alone would not tell two choices apart)."""
    if decision is None:
        return "none"
    return f"{decision.pk}-{decision.decided_at:%Y%m%d%H%M%S%f}"


def _rated(cycle_id: int) -> QuerySet:
    return Subject.objects.filter(
        cycle_id=cycle_id, person__isnull=False, status=SubjectStatus.RATED
    ).exclude(tier="")


def _result(subject: Subject) -> rules_engine.Result:
    """A recorded rating as the engine's result, for ``reconcile_places``: the person and the
    track make one key (a state and a party rating are not two places of one rating)."""
    tier = rules_engine.Tier.parse(subject.tier)
    return rules_engine.Result(
        subject_id=str(subject.pk),
        kind=subject.kind,
        period="year",
        pack_id="",
        pack_version="",
        pack_hash="",
        status=rules_engine.RATED,
        tier=tier,
        raw_tier=tier,
        decided_by=None,
        trace=(),
        person_id=f"{subject.person_id}:{subject.track}",
        place=str(subject.pk),
    )


def conflict_keys(
    cycle: ReviewCycle, user=None, *, unit=None, person_id: int | None = None
) -> QuerySet:
    """The (person, track) rows rated differently in several places of ``cycle``, in one
    grouped query. Scoped *before* grouping: only the persons with a rated place that ``user``
    may view (the door) — and under ``unit`` when given (a board) — are grouped, never the
    whole cycle for a cell's clerk. The places outside the scope still count in the group (the
    difference may lie there)."""
    rated = _rated(cycle.pk)
    if person_id is not None:
        rated = rated.filter(person_id=person_id)
    if user is not None or unit is not None:
        seen = _rated(cycle.pk)
        if unit is not None:
            seen = seen.filter(unit__path__startswith=unit.path)
        if user is not None:
            seen = restrict(seen, user, Action.VIEW)
        rated = rated.filter(
            Exists(seen.filter(person_id=OuterRef("person_id"), track=OuterRef("track")))
        )
    return (
        rated.values("person_id", "track")
        .annotate(n=Count("id"), kinds=Count("tier", distinct=True))
        .filter(n__gt=1, kinds__gt=1)
        .order_by("person_id", "track")
    )


def open_count(cycle: ReviewCycle, user, *, unit=None) -> int:
    """How many conflicts ``user`` can see (under ``unit``) wait for a choice: a count in a
    constant number of queries, for the cycle page and the board (the list is on the places
    page, a page at a time). The settled ones are found among the recorded choices, which
    people make one by one."""
    total = conflict_keys(cycle, user, unit=unit).count()
    if not total:
        return 0
    decisions = PlaceDecision.objects.filter(cycle=cycle)
    seen = _rated(cycle.pk)
    if unit is not None:
        seen = seen.filter(unit__path__startswith=unit.path)
    if user is not None:
        seen = restrict(seen, user, Action.VIEW)
    decisions = list(
        decisions.filter(
            Exists(seen.filter(person_id=OuterRef("person_id"), track=OuterRef("track")))
        )
    )
    if not decisions:
        return total
    current: dict[tuple[int, str], list[Subject]] = {}
    for s in _rated(cycle.pk).filter(person_id__in={d.person_id for d in decisions}):
        current.setdefault((s.person_id, s.track), []).append(s)
    settled = sum(
        1 for d in decisions if d.ratings == ratings_of(current.get((d.person_id, d.track), []))
    )
    return total - settled


def conflicts(
    cycle: ReviewCycle,
    user=None,
    *,
    person_id: int | None = None,
    keys=None,
    ask_policy: bool = True,
) -> list[Conflict]:
    """The persons rated differently in several places of ``cycle`` — those of ``keys`` (rows
    of ``conflict_keys``: a page of them) or else all ``user`` can see — with the recorded
    choice and whether ``user`` may make it (not asked with ``ask_policy=False``). With a
    ``user``, only the conflicts with at least one place they may view (the door), and
    ``shown`` holds only those places: who may choose sees them all by definition, the others
    never read the tiers decided at other levels."""
    if keys is None:
        keys = conflict_keys(cycle, user, person_id=person_id)
    keys = {(row["person_id"], row["track"]) for row in keys}
    if not keys:
        return []
    subjects = {
        s.pk: s
        for s in _rated(cycle.pk)
        .filter(person_id__in={k[0] for k in keys})
        .select_related("person", "unit")
        .order_by("pk")
        if (s.person_id, s.track) in keys
    }
    visible = set(subjects)
    if user is not None:
        visible = set(
            restrict(Subject.objects.filter(pk__in=subjects), user, Action.VIEW).values_list(
                "pk", flat=True
            )
        )
    decisions = {
        (d.person_id, d.track): d
        for d in PlaceDecision.objects.filter(cycle=cycle, person_id__in={k[0] for k in keys})
    }
    out = []
    for found in rules_engine.reconcile_places(_result(s) for s in subjects.values()):
        places = [subjects[int(r.place or 0)] for r in found.results]
        if not visible & {s.pk for s in places}:
            continue
        person, track = places[0].person_id, places[0].track
        out.append(
            Conflict(
                cycle=cycle,
                person_id=person,
                track=track,
                subjects=places,
                decision=decisions.get((person, track)),
                may_choose=ask_policy and policies.may_choose_place(user, places),
                tiers=sorted({s.tier for s in places}, key=rules_engine.Tier.parse, reverse=True),
                shown=[s for s in places if s.pk in visible],
            )
        )
    out.sort(key=lambda c: (c.person_id, c.track))  # the order of ``conflict_keys``
    return out


def final_tier(cycle_id: int, person_id: int, track: str) -> str | None:
    """The person's final tier on ``track`` in the cycle: the one rating, the ratings when
    they agree, else the competent level's choice recorded on these ratings. ``None`` while
    the places disagree and nobody has chosen — never the lowest or the highest by itself."""
    rated = list(_rated(cycle_id).filter(person_id=person_id, track=track).order_by("pk"))
    tiers = {s.tier for s in rated}
    if not tiers:
        return None
    if len(tiers) == 1:
        return tiers.pop()
    decision = PlaceDecision.objects.filter(
        cycle_id=cycle_id, person_id=person_id, track=track
    ).first()
    if decision is not None and decision.ratings == ratings_of(rated):
        return decision.tier
    return None
