"""Reads about cycles. Everything passes the permission door."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import Plan, ReviewCycle, Subject, SubjectKind, SubjectStatus, Track
from kiemdiem.orgtree.models import SEGMENT_LENGTH, Unit, UnitGroup


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
