"""Reads about cycles. Everything passes the permission door."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import Plan, ReviewCycle, Subject, SubjectKind, SubjectStatus, Track
from kiemdiem.orgtree.models import KIND_GROUP, SEGMENT_LENGTH, Unit, UnitGroup


def cycle_list(user) -> QuerySet:
    """Cycles that concern the user's subtrees (opened above or inside them)."""
    return restrict(ReviewCycle.objects.select_related("root"), user, Action.VIEW)


def cycle_list_with_plan_counts(user) -> QuerySet:
    """``cycle_list`` with ``plan_count``: how many of each cycle's plans ``plan_list`` shows
    the user (not every plan of the cycle)."""
    visible = restrict(Plan.objects.filter(cycle=OuterRef("pk")), user, Action.VIEW)
    counted = visible.order_by().values("cycle").annotate(n=Count("pk")).values("n")
    return cycle_list(user).annotate(plan_count=Coalesce(Subquery(counted), 0))


def plan_list(user, cycle: ReviewCycle) -> QuerySet:
    return restrict(
        cycle.plans.select_related("unit", "parent__unit").prefetch_related("stages"),
        user,
        Action.VIEW,
    ).order_by("unit__path")


def subject_list(user, cycle: ReviewCycle) -> QuerySet:
    return restrict(cycle.subjects.select_related("person", "unit"), user, Action.VIEW)


def subject_counts(user, cycle: ReviewCycle) -> dict:
    """Visible subjects by kind, and how many of them are not rated."""
    rows = subject_list(user, cycle).values("kind").annotate(n=Count("id")).order_by("kind")
    return {
        "by_kind": [(SubjectKind(r["kind"]).label, r["n"]) for r in rows],
        "not_rated": subject_list(user, cycle).filter(status=SubjectStatus.NOT_RATED).count(),
    }


def prerequisites(subject: Subject) -> QuerySet:
    """The subjects that must be rated before this one, as the rules order them:

    * the state rating of a person before their party-member rating (HD 21, NĐ 90 Art. 20);
    * a leadership collective before its members (HD 21 §3.7);
    * a unit before its head;
    * lower party organizations before higher ones.
    """
    cycle_subjects = Subject.objects.filter(cycle_id=subject.cycle_id)
    wanted = Q(pk__in=[])
    if subject.person_id and subject.track == Track.PARTY:
        wanted |= Q(person_id=subject.person_id, track=Track.STATE)
    if subject.person_id and subject.unit.group == UnitGroup.COLLECTIVE:
        wanted |= Q(unit_id=subject.unit_id, kind=SubjectKind.COLLECTIVE)
    if subject.kind == SubjectKind.HEAD:
        wanted |= Q(unit_id=subject.unit_id, person__isnull=True)
    if subject.kind == SubjectKind.PARTY_ORG:
        depth = len(subject.unit.path) // SEGMENT_LENGTH
        wanted |= Q(
            kind=SubjectKind.PARTY_ORG,
            unit__path__startswith=subject.unit.path,
            unit__depth=depth + 1,
        )
    return cycle_subjects.filter(wanted).exclude(pk=subject.pk)


@dataclass
class SubjectRow:
    subject: Subject
    waits_for: list[Subject]


def subjects_with_prerequisites(user, cycle: ReviewCycle, unit: Unit) -> list[SubjectRow]:
    """The subjects reviewed in ``unit``, each with what it waits for (the same rules as
    ``prerequisites``, answered for the whole unit in at most four queries, not one per subject)."""
    subjects = list(
        subject_list(user, cycle).filter(unit=unit).order_by("person__sort_key", "kind", "pk")
    )
    persons = {s.person_id for s in subjects if s.person_id and s.track == Track.PARTY}
    in_collective = unit.group == UnitGroup.COLLECTIVE and any(s.person_id for s in subjects)
    heads = any(s.kind == SubjectKind.HEAD for s in subjects)
    party_org = any(s.kind == SubjectKind.PARTY_ORG for s in subjects)
    # One query per rule that applies (at most three, whatever the number of subjects), each
    # served by an index of its own.
    cycle_subjects = Subject.objects.filter(cycle_id=cycle.pk).select_related("person", "unit")
    candidates: list[Subject] = []
    if persons:
        candidates += cycle_subjects.filter(person_id__in=persons, track=Track.STATE)
    if in_collective or heads:
        candidates += cycle_subjects.filter(unit_id=unit.pk, person__isnull=True)
    if party_org:
        candidates += cycle_subjects.filter(
            kind=SubjectKind.PARTY_ORG,
            unit__path__startswith=unit.path,
            unit__depth=len(unit.path) // SEGMENT_LENGTH + 1,
        )
    state_of: dict[int, list[Subject]] = {}
    collective, unit_level, lower_orgs = [], [], []
    for other in candidates:
        if other.person_id and other.track == Track.STATE:
            state_of.setdefault(other.person_id, []).append(other)
        if other.unit_id == unit.pk and other.kind == SubjectKind.COLLECTIVE:
            collective.append(other)
        if other.unit_id == unit.pk and other.person_id is None:
            unit_level.append(other)
        if other.kind == SubjectKind.PARTY_ORG and other.unit_id != unit.pk:
            lower_orgs.append(other)
    rows = []
    for subject in subjects:
        waits_for: dict[int, Subject] = {}
        if subject.person_id and subject.track == Track.PARTY:
            waits_for.update((o.pk, o) for o in state_of.get(subject.person_id, []))
        if subject.person_id and in_collective:
            waits_for.update((o.pk, o) for o in collective)
        if subject.kind == SubjectKind.HEAD:
            waits_for.update((o.pk, o) for o in unit_level)
        if subject.kind == SubjectKind.PARTY_ORG:
            waits_for.update((o.pk, o) for o in lower_orgs)
        waits_for.pop(subject.pk, None)
        rows.append(SubjectRow(subject, sorted(waits_for.values(), key=lambda o: o.pk)))
    return rows


@dataclass
class ChildRow:
    unit: Unit
    plan: Plan | None
    subjects: int


def child_progress(user, cycle: ReviewCycle, unit: Unit) -> list[ChildRow]:
    """For each visible sub-unit: whether it issued its plan, and how many subjects it has."""
    children = list(
        restrict(unit.children.filter(valid_to__isnull=True), user, Action.VIEW).order_by(
            "name_sort_key"
        )
    )
    plans = {p.unit_id: p for p in Plan.objects.filter(cycle=cycle, unit__in=children)}
    counts = dict(
        Subject.objects.filter(cycle=cycle, unit__in=children)
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    return [ChildRow(c, plans.get(c.pk), counts.get(c.pk, 0)) for c in children]


class CycleIndex:
    """``prerequisites`` for a whole cycle at once, in memory, with each subject's status and
    tier: what a bulk path (``reviews.bulk``) asks for each of thousands of subjects, read in one
    query. ``rated`` keeps it current as the bulk path rates."""

    def __init__(self, cycle_id: int):
        rows = Subject.objects.filter(cycle_id=cycle_id).order_by("pk")
        self.status: dict[int, str] = {}
        self.tier: dict[int, str] = {}
        self.rows: dict[int, tuple] = {}
        self.state_of: dict[int, list[int]] = defaultdict(list)  # person -> state subjects
        self.collective_of: dict[int, list[int]] = defaultdict(list)  # unit -> its collective
        self.unit_subjects: dict[int, list[int]] = defaultdict(list)  # unit -> the unit's own
        self.orgs_below: dict[str, list[int]] = defaultdict(list)  # path -> orgs one level down
        values = rows.values_list(
            "pk",
            "kind",
            "track",
            "person_id",
            "unit_id",
            "unit__path",
            "unit__kind",
            "status",
            "tier",
        )
        for pk, kind, track, person, unit, path, unit_kind, status, tier in values:
            self.status[pk] = status
            self.tier[pk] = tier
            self.rows[pk] = (kind, track, person, unit, path, unit_kind)
            if person is not None and track == Track.STATE:
                self.state_of[person].append(pk)
            if kind == SubjectKind.COLLECTIVE:
                self.collective_of[unit].append(pk)
            if person is None:
                self.unit_subjects[unit].append(pk)
            if kind == SubjectKind.PARTY_ORG:
                self.orgs_below[path[:-SEGMENT_LENGTH]].append(pk)

    def prerequisites(self, pk: int) -> set[int]:
        """The pks ``prerequisites(subject)`` selects (same rules, same order of thought)."""
        kind, track, person, unit, path, unit_kind = self.rows[pk]
        wanted: set[int] = set()
        if person is not None and track == Track.PARTY:
            wanted.update(self.state_of[person])
        if person is not None and KIND_GROUP[unit_kind] == UnitGroup.COLLECTIVE:
            wanted.update(self.collective_of[unit])
        if kind == SubjectKind.HEAD:
            wanted.update(self.unit_subjects[unit])
        if kind == SubjectKind.PARTY_ORG:
            wanted.update(self.orgs_below[path])
        wanted.discard(pk)
        return wanted

    def waiting(self, pk: int) -> list[int]:
        """The prerequisites still pending, in pk order."""
        return sorted(p for p in self.prerequisites(pk) if self.status[p] == SubjectStatus.PENDING)

    def rated(self, pk: int, tier: str) -> None:
        self.status[pk], self.tier[pk] = SubjectStatus.RATED, tier
