"""A person rated in several places of one cycle (a leader in their cell and in the leadership
collective, a member with posts in two units): the ratings are found with the engine's
``reconcile_places`` and the competent level chooses the final tier (§16.9 C4, HD 21
procedure note 4). Nothing here takes the lowest or the highest rating: until the choice is
recorded, the person has no final tier (``final_tier`` answers ``None``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

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


def conflicts(
    cycle: ReviewCycle, user=None, *, person_id: int | None = None, ask_policy: bool = True
) -> list[Conflict]:
    """The persons rated differently in several places of ``cycle``, with the recorded choice
    and whether ``user`` may make it (not asked with ``ask_policy=False``: a count). With a
    ``user``, only the conflicts with at least one place they may view (the door)."""
    rated = _rated(cycle.pk)
    if person_id is not None:
        rated = rated.filter(person_id=person_id)
    several = (
        rated.values("person_id", "track")
        .annotate(n=Count("id"), kinds=Count("tier", distinct=True))
        .filter(n__gt=1, kinds__gt=1)
    )
    keys = {(row["person_id"], row["track"]) for row in several}
    if not keys:
        return []
    subjects = {
        s.pk: s
        for s in rated.filter(person_id__in={k[0] for k in keys}).select_related("person", "unit")
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
            )
        )
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
