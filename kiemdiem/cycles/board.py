"""The progress board of a cycle: for any subtree, how far each lower level has come.

One row per direct child unit (its whole subtree), one for the subjects reviewed at the unit
itself, and a total. Per row, the stages tracked so far:

* **self-review** — done (submitted), in progress (a draft, or sent back), not started; the
  Front and the mass organizations write none of ours (their tier is recorded, docs/cycles.md)
  and are counted under rating only;
* **rating** — done (the competent level recorded a tier); subjects that are *not rated*
  (exempt, suspended, taken out) need neither and are shown apart;
* **overdue** — not done, and the stage's due date in the plan that governs the subject's
  unit (the nearest plan at or above it that has the stage) has passed.

All counts come from one aggregate query grouped by the child segment of the unit path (a
subject's unit path is read through its unit, so a unit moved during the cycle is counted where
it is now). Overdue is decided in the same query: because a lower plan's windows must lie inside
its parent's (``cycles.services``), a plan whose due date has passed has only passed plans below
it, so "overdue" is "not done, in the subtree of a plan whose due date has passed" — a handful of
path-prefix tests.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, FilteredRelation, Max, Min, Q, QuerySet
from django.db.models.functions import Substr
from django.db.models.lookups import In

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.common.dates import today
from kiemdiem.cycles.hooks import review_states
from kiemdiem.cycles.models import (
    OUT_OF_RATING,
    ReviewCycle,
    Stage,
    StageKind,
    Subject,
    SubjectStatus,
    Track,
)
from kiemdiem.cycles.policies import may_read_whole
from kiemdiem.cycles.tallies import rollup
from kiemdiem.orgtree.models import SEGMENT_LENGTH, Unit, ancestor_paths

SELF_REVIEW = StageKind.SELF_REVIEW
DECISION = StageKind.DECISION
TRACKED = (SELF_REVIEW, DECISION)

ACTIVE = ~Q(status__in=OUT_OF_RATING)
# The subjects that write a self-review: all but the Front and the mass organizations.
WRITES_REVIEW = ~Q(track=Track.MASS)
# The self-review is joined as ``cycle_review`` (see ``with_reviews``); where it is and what its
# statuses mean, the reviews app tells (``cycles.hooks.review_states``: cycles does not import
# reviews, which sits above it).
REVIEW = "cycle_review"


def _status(values: tuple[str, ...] | None, relation: str = REVIEW) -> Q:
    """The review's status is one of ``values`` (``None``: there is no review). "No review yet"
    is asked of the status (never null in a row that exists), not of its id, so that an index on
    the reviews' (subject, status) can answer the whole join."""
    field = f"{relation}__{review_states().status_field}"
    if values is None:
        return Q(**{f"{field}__isnull": True})
    if len(values) == 1:
        return Q(**{field: values[0]})
    return Q(**{f"{field}__in": values})


def not_started_q() -> Q:
    return _status(None)


def submitted_q(relation: str = REVIEW) -> Q:
    """A submitted review: joined as ``cycle_review`` (``with_reviews``), or through
    ``relation`` — the plain relation from a Subject (``review_states().relation``)."""
    return _status((review_states().submitted,), relation)


def in_progress_q() -> Q:
    return _status(review_states().in_progress)


def review_open_q() -> Q:
    """Not submitted: not started, or being written."""
    return not_started_q() | in_progress_q()


def is_submitted(review) -> bool:
    """Whether a review read through ``cycle_review`` (or ``None``) is submitted."""
    states = review_states()
    return review is not None and getattr(review, states.status_field) == states.submitted


def submitted_subjects(subjects: QuerySet) -> QuerySet:
    """``subjects`` whose self-review is submitted."""
    return subjects.filter(submitted_q(review_states().relation))


def with_reviews(subjects: QuerySet, cycle: ReviewCycle) -> QuerySet:
    """``subjects`` of ``cycle`` with their self-review joined as ``cycle_review``.

    The join is limited to the range of the cycle's subject ids (one index lookup, on
    ``Subject (cycle, id)``): the reviews of earlier cycles, which grow every year, are then
    never read, and the database hashes only this cycle's reviews.
    """
    relation = review_states().relation
    # The review's column that holds its subject's id (the other side of the one-to-one).
    subject_id = Subject._meta.get_field(relation).field.attname
    bounds = Subject.objects.filter(cycle=cycle).aggregate(low=Min("pk"), high=Max("pk"))
    condition = Q()
    if bounds["low"] is not None:
        condition = Q(
            **{
                f"{relation}__{subject_id}__gte": bounds["low"],
                f"{relation}__{subject_id}__lte": bounds["high"],
            }
        )
    return subjects.annotate(**{REVIEW: FilteredRelation(relation, condition=condition)})


class Dues:
    """The due dates of the tracked stages in the plans that govern a subtree."""

    def __init__(self, cycle: ReviewCycle, unit: Unit | None = None):
        stages = Stage.objects.filter(plan__cycle=cycle, kind__in=TRACKED)
        if unit is not None:
            stages = stages.filter(
                Q(plan__unit__path__in=ancestor_paths(unit.path))
                | Q(plan__unit__path__startswith=unit.path)
            )
        self.by_path: dict[str, dict[str, datetime.date]] = defaultdict(dict)
        for path, kind, due in stages.values_list("plan__unit__path", "kind", "due_on"):
            self.by_path[path][kind] = due

    def due(self, path: str, stage: str) -> datetime.date | None:
        """The due date of ``stage`` for the unit at ``path``: the nearest plan that has it."""
        for above in reversed(ancestor_paths(path, include_self=True)):
            due = self.by_path.get(above, {}).get(stage)
            if due is not None:
                return due
        return None

    def passed_prefixes(self, stage: str, root_path: str, day: datetime.date) -> list[str]:
        """The subtrees under ``root_path`` (``[root_path]`` for all of it) whose ``stage`` is
        past due on ``day``, none inside another."""
        prefixes = []
        for path, dues in self.by_path.items():
            if stage not in dues or dues[stage] >= day:
                continue
            if root_path.startswith(path):
                return [root_path]
            if path.startswith(root_path):
                prefixes.append(path)
        minimal: list[str] = []
        for prefix in sorted(prefixes):
            if not minimal or not prefix.startswith(minimal[-1]):
                minimal.append(prefix)
        return minimal

    def passed_q(self, stage: str, root_path: str, day: datetime.date) -> Q | None:
        """Subjects under ``root_path`` whose ``stage`` is past due on ``day``: ``Q()`` for the
        whole subtree, ``None`` for none of it."""
        minimal = self.passed_prefixes(stage, root_path, day)
        if minimal == [root_path]:
            return Q()
        if not minimal:
            return None
        by_length: dict[int, list[str]] = defaultdict(list)
        for prefix in minimal:
            by_length[len(prefix)].append(prefix)
        q = Q()
        for length, paths in sorted(by_length.items()):
            q |= Q(In(Substr("unit__path", 1, length), paths))
        return q


@dataclass
class Counts:
    total: int = 0
    not_rated: int = 0
    review_done: int = 0
    review_in_progress: int = 0
    review_overdue: int = 0
    rated: int = 0
    rating_overdue: int = 0
    no_review: int = 0  # in the rating, but writing no self-review (the mass track)

    FIELDS = (
        "total",
        "not_rated",
        "no_review",
        "review_done",
        "review_in_progress",
        "review_overdue",
        "rated",
        "rating_overdue",
    )

    def add(self, other: Counts) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def to_rate(self) -> int:
        """Subjects that go through the process (the not-rated ones are out of it)."""
        return self.total - self.not_rated

    @property
    def to_review(self) -> int:
        """Subjects that write a self-review."""
        return self.to_rate - self.no_review

    @property
    def review_not_started(self) -> int:
        return self.to_review - self.review_done - self.review_in_progress

    @property
    def rating_pending(self) -> int:
        return self.to_rate - self.rated

    @staticmethod
    def _percent(part: int, whole: int) -> int | None:
        # Rounded down, so 100 % means everything is done.
        return part * 100 // whole if whole else None

    @property
    def review_percent(self) -> int | None:
        return self._percent(self.review_done, self.to_review)

    @property
    def rated_percent(self) -> int | None:
        return self._percent(self.rated, self.to_rate)


@dataclass
class Row:
    unit: Unit
    counts: Counts
    here: bool = False  # the subjects reviewed at the board's unit itself
    dues: dict[str, datetime.date | None] = field(default_factory=dict)


@dataclass
class Board:
    cycle: ReviewCycle
    unit: Unit
    day: datetime.date
    dues: dict[str, datetime.date | None]
    rows: list[Row]
    here: Row
    total: Counts

    @property
    def total_row(self) -> Row:
        return Row(self.unit, self.total, dues=self.dues)


def _aggregates(dues: Dues, root_path: str, day: datetime.date) -> dict:
    aggregates = {
        "total": Count("id"),
        "not_rated": Count("id", filter=Q(status__in=OUT_OF_RATING)),
        "review_done": Count("id", filter=ACTIVE & submitted_q()),
        "review_in_progress": Count("id", filter=ACTIVE & in_progress_q()),
        "rated": Count("id", filter=Q(status=SubjectStatus.RATED)),
        "no_review": Count("id", filter=ACTIVE & ~WRITES_REVIEW),
    }
    passed = dues.passed_q(SELF_REVIEW, root_path, day)
    if passed is not None:
        aggregates["review_overdue"] = Count(
            "id", filter=ACTIVE & WRITES_REVIEW & review_open_q() & passed
        )
    passed = dues.passed_q(DECISION, root_path, day)
    if passed is not None:
        aggregates["rating_overdue"] = Count("id", filter=Q(status=SubjectStatus.PENDING) & passed)
    return aggregates


def subtree_subjects(user, cycle: ReviewCycle, unit: Unit) -> QuerySet:
    """The subjects of ``cycle`` in ``unit``'s subtree that ``user`` may see."""
    return restrict(
        Subject.objects.filter(cycle=cycle, unit__path__startswith=unit.path), user, Action.VIEW
    )


def board(
    user,
    cycle: ReviewCycle,
    unit: Unit,
    *,
    day: datetime.date | None = None,
    from_summaries: bool = True,
) -> Board:
    """The progress board of ``unit``'s subtree in ``cycle``, as far as ``user`` may see.

    A user whose grant covers the whole subtree (staff, deciders, inspectors of the level or
    above) is answered from the subject summaries (``cycles.tallies``): a fixed number of
    queries, no subject counted. Anyone else (a cell's secretary seeing part of it, a member)
    is answered by counting the subjects they may see, which are few."""
    day = day or today()
    if from_summaries and may_read_whole(user, unit):
        return _board_from_tallies(user, cycle, unit, day)
    dues = Dues(cycle, unit)
    segment = len(unit.path) + SEGMENT_LENGTH
    counted = (
        with_reviews(subtree_subjects(user, cycle, unit), cycle)
        .annotate(segment=Substr("unit__path", 1, segment))
        .values("segment")
        .annotate(**_aggregates(dues, unit.path, day))
        .order_by()
    )
    by_segment: dict[str, Counts] = {}
    for values in counted:
        segment_path = values.pop("segment")
        by_segment[segment_path] = Counts(**values)

    children = restrict(Unit.objects.filter(parent=unit), user, Action.VIEW).order_by(
        "name_sort_key"
    )
    rows = []
    for child in children:
        counts = by_segment.get(child.path)
        if counts is None and not child.is_active:
            continue  # a dissolved unit with nothing left in the cycle
        rows.append(
            Row(
                child,
                counts or Counts(),
                dues={stage: dues.due(child.path, stage) for stage in TRACKED},
            )
        )
    here = Row(
        unit,
        by_segment.get(unit.path) or Counts(),
        here=True,
        dues={stage: dues.due(unit.path, stage) for stage in TRACKED},
    )
    total = Counts()
    for counts in by_segment.values():
        total.add(counts)  # includes subjects under units the user cannot open as rows
    return Board(cycle, unit, day, here.dues, rows, here, total)


def _counts(buckets, passed_review: bool, passed_rating: bool) -> Counts:
    states = review_states()
    counts = Counts()
    for bucket, n in buckets.items():
        counts.total += n
        if bucket.out_of_rating:
            counts.not_rated += n
            continue
        if bucket.rated:
            counts.rated += n
        elif bucket.status == SubjectStatus.PENDING and passed_rating:
            counts.rating_overdue += n
        if bucket.track == Track.MASS:
            counts.no_review += n
            continue
        if bucket.review == states.submitted:
            counts.review_done += n
        else:
            if bucket.review in states.in_progress:
                counts.review_in_progress += n
            if passed_review:
                counts.review_overdue += n
    return counts


def _board_from_tallies(user, cycle: ReviewCycle, unit: Unit, day: datetime.date) -> Board:
    dues = Dues(cycle, unit)
    passed = {stage: dues.passed_prefixes(stage, unit.path, day) for stage in TRACKED}
    children = list(
        restrict(Unit.objects.filter(parent=unit), user, Action.VIEW).order_by("name_sort_key")
    )
    inner = {p for prefixes in passed.values() for p in prefixes}
    by_path = {u.path: u for u in [unit, *children]}
    extra = [p for p in inner if p not in by_path]
    if extra:
        by_path |= {u.path: u for u in Unit.objects.filter(path__in=extra)}
    counted = rollup([cycle.pk], by_path.values(), key=("track", "status", "review"))

    def of(u: Unit) -> Counter:
        return counted[(cycle.pk, u.pk)]

    def row_counts(u: Unit, buckets: Counter) -> Counts:
        whole = {s: any(u.path.startswith(p) for p in passed[s]) for s in TRACKED}
        counts = _counts(buckets, whole[SELF_REVIEW], whole[DECISION])
        # Passed plans strictly inside the row's subtree: their not-done subjects are overdue.
        for stage in TRACKED:
            if whole[stage]:
                continue
            for p in passed[stage]:
                if p.startswith(u.path) and p != u.path and p in by_path:
                    inside = _counts(of(by_path[p]), stage == SELF_REVIEW, stage == DECISION)
                    if stage == SELF_REVIEW:
                        counts.review_overdue += inside.review_overdue
                    else:
                        counts.rating_overdue += inside.rating_overdue
        return counts

    rows = []
    rest = Counter(of(unit))
    for child in children:
        buckets = of(child)
        rest.subtract(buckets)
        if not buckets and not child.is_active:
            continue
        rows.append(
            Row(
                child,
                row_counts(child, buckets),
                dues={stage: dues.due(child.path, stage) for stage in TRACKED},
            )
        )
    whole_here = {s: passed[s] == [unit.path] for s in TRACKED}
    here_counts = _counts(+rest, whole_here[SELF_REVIEW], whole_here[DECISION])
    here_dues = {stage: dues.due(unit.path, stage) for stage in TRACKED}
    here = Row(unit, here_counts, here=True, dues=here_dues)
    total = row_counts(unit, of(unit))
    return Board(cycle, unit, day, here_dues, rows, here, total)


# Drill-down: the subjects behind one cell of the board.

STATES = {
    SELF_REVIEW: ("done", "in_progress", "not_started", "overdue"),
    DECISION: ("rated", "pending", "overdue", "not_rated"),
}


def cell_subjects(
    user,
    cycle: ReviewCycle,
    unit: Unit,
    *,
    stage: str,
    state: str,
    here: bool = False,
    day: datetime.date | None = None,
) -> QuerySet:
    """The subjects counted in one cell of ``unit``'s row (its subtree, or only the unit
    itself with ``here``) for ``stage`` and ``state``. An unknown stage or state lists all."""
    day = day or today()
    subjects = with_reviews(subtree_subjects(user, cycle, unit), cycle)
    if here:
        subjects = subjects.filter(unit=unit)
    wanted: Q | None = Q()
    if stage == SELF_REVIEW:
        wanted = {
            "done": ACTIVE & submitted_q(),
            "in_progress": ACTIVE & in_progress_q(),
            "not_started": ACTIVE & WRITES_REVIEW & not_started_q(),
            "overdue": ACTIVE & WRITES_REVIEW & review_open_q(),
        }.get(state, Q())
    elif stage == DECISION:
        wanted = {
            "rated": Q(status=SubjectStatus.RATED),
            "pending": Q(status=SubjectStatus.PENDING),
            "overdue": Q(status=SubjectStatus.PENDING),
            "not_rated": Q(status__in=OUT_OF_RATING),
        }.get(state, Q())
    if state == "overdue" and stage in TRACKED:
        passed = Dues(cycle, unit).passed_q(stage, unit.path, day)
        if passed is None:
            return subjects.none()
        wanted &= passed
    return (
        subjects.filter(wanted)
        .select_related("person", "unit", REVIEW)
        .order_by("unit__path", "person__sort_key", "kind", "pk")
    )
