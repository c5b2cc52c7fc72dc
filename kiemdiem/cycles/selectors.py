"""Reads about cycles. Everything passes the permission door."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles import readings
from kiemdiem.cycles.models import (
    OUT_OF_RATING,
    STATE_LEADER_KINDS,
    Plan,
    ReviewCycle,
    Subject,
    SubjectKind,
    SubjectStatus,
    Track,
)
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
        "not_rated": subject_list(user, cycle).filter(status__in=OUT_OF_RATING).count(),
    }


# What a unit's own rating waits for one level down: a party organization for the party
# organizations, state agencies and mass organizations under it (its lower organizations and
# the same-level government, Front and organizations, §3.4, §6); a state agency for the state
# units under it; a Front committee for the organizations under it (lower before higher, §16.9).
LOWER_KINDS = {
    SubjectKind.PARTY_ORG: (SubjectKind.PARTY_ORG, SubjectKind.STATE_AGENCY, SubjectKind.MASS_ORG),
    SubjectKind.STATE_AGENCY: (SubjectKind.STATE_AGENCY,),
    SubjectKind.MASS_ORG: (SubjectKind.MASS_ORG,),
}


def _waits_for_its_unit(subject: Subject) -> bool:
    """A head, and a state leader or manager, after the unit they are reviewed in (the agency
    whose results the leader formula reads)."""
    return subject.kind == SubjectKind.HEAD or subject.kind in STATE_LEADER_KINDS


def prerequisites(subject: Subject) -> QuerySet:
    """The subjects that must be rated before this one, as the rules order them
    (regulations.md §5.5, §6, §16.9 C1; docs/cycles.md):

    * the state rating of a person before their party-member rating (HD 21, NĐ 90 Art. 20);
    * a leadership collective before its members (HD 21 §3.7);
    * a unit before its head, and a state agency before its state leaders and managers;
    * lower units before higher ones: a party organization after the party organizations,
      state agencies and mass organizations one level under it; a state agency after the
      state units under it; a Front committee after the organizations under it;
    * a party organization after the members reviewed in it, its head excepted (a cell's tier
      reads its members' tiers, §5.5; the head comes after the unit);
    * a leadership collective after the unit it leads (its tier is capped by that unit's, C2);
    * a leader after the units directly under the unit they lead, whose tiers their rules read
      (``readings.read_subjects(..., "subunits")``; a head waits for these through its unit).
    """
    cycle_subjects = Subject.objects.filter(cycle_id=subject.cycle_id)
    unit = subject.unit
    wanted = Q(pk__in=[])
    if subject.person_id and subject.track == Track.PARTY:
        wanted |= Q(person_id=subject.person_id, track=Track.STATE)
    if subject.person_id and unit.group == UnitGroup.COLLECTIVE:
        wanted |= Q(unit_id=unit.pk, kind=SubjectKind.COLLECTIVE)
    if _waits_for_its_unit(subject):
        wanted |= Q(unit_id=unit.pk, person__isnull=True)
    if subject.kind in LOWER_KINDS:
        wanted |= Q(
            kind__in=LOWER_KINDS[subject.kind],
            unit__path__startswith=unit.path,
            unit__depth=len(unit.path) // SEGMENT_LENGTH + 1,
        )
    if subject.kind == SubjectKind.PARTY_ORG:
        wanted |= Q(unit_id=unit.pk, track=Track.PARTY, person__isnull=False) & ~Q(
            kind=SubjectKind.HEAD
        )
    if subject.kind == SubjectKind.COLLECTIVE and unit.parent_id:
        wanted |= Q(unit_id=unit.parent_id, person__isnull=True)
    if subject.kind == SubjectKind.LEADER:  # a leader's tier reads the units they lead
        wanted |= Q(pk__in=readings.read_subjects(subject, "subunits").values("pk"))
    return cycle_subjects.filter(wanted).exclude(pk=subject.pk)


def waiting_q() -> Q:
    """Subjects with a prerequisite still pending, as one condition for a whole queryset: the
    rules of ``prerequisites`` written as ``EXISTS`` over the pending subjects of the same
    cycle (a decider's queue asks it of thousands of subjects in one query; ``CycleIndex``
    answers the same, checked equal in the tests)."""
    pending = Subject.objects.filter(
        cycle_id=OuterRef("cycle_id"), status=SubjectStatus.PENDING
    ).exclude(pk=OuterRef("pk"))
    collective_kinds = readings.kinds_of(UnitGroup.COLLECTIVE)
    # The units one level under (their paths extend this unit's by one segment: the same
    # units as ``prerequisites``' path test, found through the indexed parent link).
    child = pending.filter(unit__parent_id=OuterRef("unit_id"))
    q = Q(person__isnull=False, track=Track.PARTY) & Exists(
        pending.filter(person_id=OuterRef("person_id"), track=Track.STATE)
    )
    q |= Q(person__isnull=False, unit__kind__in=collective_kinds) & Exists(
        pending.filter(unit_id=OuterRef("unit_id"), kind=SubjectKind.COLLECTIVE)
    )
    q |= Q(kind__in=[SubjectKind.HEAD, *STATE_LEADER_KINDS]) & Exists(
        pending.filter(unit_id=OuterRef("unit_id"), person__isnull=True)
    )
    for kind, lower in LOWER_KINDS.items():
        q |= Q(kind=kind) & Exists(child.filter(kind__in=lower))
    q |= Q(kind=SubjectKind.PARTY_ORG) & Exists(
        pending.filter(
            unit_id=OuterRef("unit_id"), track=Track.PARTY, person__isnull=False
        ).exclude(kind=SubjectKind.HEAD)
    )
    q |= Q(kind=SubjectKind.COLLECTIVE, unit__parent__isnull=False) & Exists(
        pending.filter(unit_id=OuterRef("unit__parent_id"), person__isnull=True)
    )
    # A leader reads the units directly under the unit they lead (a collective: its parent).
    for group in readings.UNIT_SUBJECT_KIND:
        kinds = readings.kinds_of(group)
        units_under = pending.filter(person__isnull=True, unit__kind__in=kinds)
        q |= Q(kind=SubjectKind.LEADER, unit__kind__in=kinds) & Exists(
            units_under.filter(unit__parent_id=OuterRef("unit_id"))
        )
        q |= Q(
            kind=SubjectKind.LEADER,
            unit__kind__in=collective_kinds,
            unit__parent__kind__in=kinds,
        ) & Exists(units_under.filter(unit__parent_id=OuterRef("unit__parent_id")))
    return q


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
    lower_kinds = {k for s in subjects for k in LOWER_KINDS.get(s.kind, ())}
    leads = any(s.kind == SubjectKind.COLLECTIVE for s in subjects) and unit.parent_id
    area = readings.area_unit(Subject(unit=unit))
    area_group = KIND_GROUP.get(area.kind)
    leaders_here = any(s.kind == SubjectKind.LEADER for s in subjects) and area_group in (
        readings.UNIT_SUBJECT_KIND
    )
    cycle_subjects = Subject.objects.filter(cycle_id=cycle.pk).select_related("person", "unit")
    candidates: list[Subject] = []
    if persons:  # one query for the state ratings of the persons reviewed here
        candidates += cycle_subjects.filter(person_id__in=persons, track=Track.STATE)
    # one query for the rest: this unit's subjects, those one level down, the led unit's
    around = Q(unit_id=unit.pk)
    if lower_kinds:
        around |= Q(
            kind__in=lower_kinds,
            unit__path__startswith=unit.path,
            unit__depth=len(unit.path) // SEGMENT_LENGTH + 1,
        )
    if leads:
        around |= Q(unit_id=unit.parent_id, person__isnull=True)
    if leaders_here:
        around |= Q(
            person__isnull=True,
            unit__parent_id=area.pk,
            unit__kind__in=readings.kinds_of(area_group),
        )
    candidates += cycle_subjects.filter(around)
    state_of: dict[int, list[Subject]] = {}
    for other in candidates:
        if other.person_id and other.track == Track.STATE:
            state_of.setdefault(other.person_id, []).append(other)
    here = [o for o in candidates if o.unit_id == unit.pk]
    unit_level = [o for o in here if o.person_id is None]
    collective = [o for o in unit_level if o.kind == SubjectKind.COLLECTIVE]
    members = [
        o for o in here if o.person_id and o.track == Track.PARTY and o.kind != SubjectKind.HEAD
    ]
    lower = [
        o
        for o in candidates
        if o.unit_id != unit.pk and o.person_id is None and o.unit.parent_id == unit.pk
    ]
    led = [o for o in candidates if o.person_id is None and leads and o.unit_id == unit.parent_id]
    area_kinds = set(readings.kinds_of(area_group)) if leaders_here else set()
    led_units = [
        o
        for o in candidates
        if o.person_id is None and o.unit.parent_id == area.pk and o.unit.kind in area_kinds
    ]
    rows = []
    for subject in subjects:
        waits_for: dict[int, Subject] = {}
        if subject.person_id and subject.track == Track.PARTY:
            waits_for.update((o.pk, o) for o in state_of.get(subject.person_id, []))
        if subject.person_id and unit.group == UnitGroup.COLLECTIVE:
            waits_for.update((o.pk, o) for o in collective)
        if _waits_for_its_unit(subject):
            waits_for.update((o.pk, o) for o in unit_level)
        if subject.kind in LOWER_KINDS:
            waits_for.update((o.pk, o) for o in lower if o.kind in LOWER_KINDS[subject.kind])
        if subject.kind == SubjectKind.PARTY_ORG:
            waits_for.update((o.pk, o) for o in members)
        if subject.kind == SubjectKind.COLLECTIVE:
            waits_for.update((o.pk, o) for o in led)
        if subject.kind == SubjectKind.LEADER:
            waits_for.update((o.pk, o) for o in led_units)
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
        self.unit_at: dict[str, list[int]] = defaultdict(list)  # path -> the unit's own
        self.members_of: dict[int, list[int]] = defaultdict(list)  # unit -> party persons, no head
        self.below: dict[tuple[str, str], list[int]] = defaultdict(list)  # (parent path, kind)
        self.kind_at: dict[str, str] = {}  # path -> unit kind, for the units with subjects
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
            self.kind_at[path] = unit_kind
            if person is not None and track == Track.STATE:
                self.state_of[person].append(pk)
            if kind == SubjectKind.COLLECTIVE:
                self.collective_of[unit].append(pk)
            if person is None:
                self.unit_subjects[unit].append(pk)
                self.unit_at[path].append(pk)
                self.below[(path[:-SEGMENT_LENGTH], kind)].append(pk)
            elif track == Track.PARTY and kind != SubjectKind.HEAD:
                self.members_of[unit].append(pk)

    def prerequisites(self, pk: int) -> set[int]:
        """The pks ``prerequisites(subject)`` selects (same rules, same order of thought)."""
        kind, track, person, unit, path, unit_kind = self.rows[pk]
        wanted: set[int] = set()
        if person is not None and track == Track.PARTY:
            wanted.update(self.state_of[person])
        if person is not None and KIND_GROUP[unit_kind] == UnitGroup.COLLECTIVE:
            wanted.update(self.collective_of[unit])
        if kind == SubjectKind.HEAD or kind in STATE_LEADER_KINDS:
            wanted.update(self.unit_subjects[unit])
        for lower in LOWER_KINDS.get(kind, ()):
            wanted.update(self.below[(path, lower)])
        if kind == SubjectKind.PARTY_ORG:
            wanted.update(self.members_of[unit])
        if kind == SubjectKind.COLLECTIVE and len(path) > SEGMENT_LENGTH:
            wanted.update(self.unit_at[path[:-SEGMENT_LENGTH]])
        if kind == SubjectKind.LEADER:
            area = readings.area_path(path, unit_kind, SEGMENT_LENGTH)
            group = KIND_GROUP.get(self.kind_at.get(area, ""))
            if group in readings.UNIT_SUBJECT_KIND:
                wanted.update(self.below[(area, readings.UNIT_SUBJECT_KIND[group])])
        wanted.discard(pk)
        return wanted

    def waiting(self, pk: int) -> list[int]:
        """The prerequisites still pending, in pk order."""
        return sorted(p for p in self.prerequisites(pk) if self.status[p] == SubjectStatus.PENDING)

    def rated(self, pk: int, tier: str) -> None:
        self.status[pk], self.tier[pk] = SubjectStatus.RATED, tier
