"""The roll-up of a cycle for a subtree, read from the subject summaries (``cycles.tallies``).

``report(user, cycle, unit)`` answers in a fixed number of queries whatever the number of
people and units below: the unit's children (one), the earlier cycles of the same kind (one),
the folded summaries and pending deltas of the unit and its children in this cycle (one) and of
the unit in the earlier cycles (one), the children's submissions (one).

Categories: the subject kinds grouped as the summary tables of HD 21/25/43 count them (party
members, leaders and managers, members not working in the political system, party
organizations, leadership collectives, state agencies, civil servants, public employees, the
Front and mass organizations). The table's columns — number reviewed, rated, each tier with its
share of those rated, not rated, not yet rated — follow the practice of the levels' summary
forms ("biểu tổng hợp kết quả đánh giá, xếp loại"); no official column list was found
(regulations.md has none) [M] (docs/reports.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import (
    OUT_OF_RATING,
    CycleStatus,
    ReviewCycle,
    SubjectKind,
    SubjectStatus,
    TierChoice,
)
from kiemdiem.cycles.tallies import Bucket, rollup
from kiemdiem.orgtree.models import Unit
from kiemdiem.reports import policies
from kiemdiem.reports.models import ReportSubmission

TIERS = [t.value for t in TierChoice]  # best first
REPORT_KEY = ("kind", "status", "tier")  # what the tables are counted by
OUT = frozenset(str(s) for s in OUT_OF_RATING)
RATED = str(SubjectStatus.RATED)
YEARS_BACK = 2  # earlier cycles of the same kind shown side by side

K = SubjectKind
CATEGORIES: list[tuple[str, object, frozenset[str]]] = [
    ("party_members", _("Party members without a post"), frozenset({K.PARTY_MEMBER})),
    ("leaders", _("Leaders and managers"), frozenset({K.LEADER, K.HEAD})),
    (
        "outside",
        _("Party members not working in the political system"),
        frozenset({K.MEMBER_OUTSIDE}),
    ),
    ("party_orgs", _("Party organizations"), frozenset({K.PARTY_ORG})),
    ("collectives", _("Leadership collectives"), frozenset({K.COLLECTIVE})),
    ("state_agencies", _("State agencies and units"), frozenset({K.STATE_AGENCY})),
    (
        "cong_chuc",
        pgettext_lazy("report", "Civil servants"),
        frozenset({K.CIVIL_SERVANT, K.CIVIL_SERVANT_LEADER}),
    ),
    (
        "vien_chuc",
        pgettext_lazy("report", "Public employees"),
        frozenset({K.PUBLIC_EMPLOYEE, K.PUBLIC_EMPLOYEE_MANAGER}),
    ),
    ("mass_orgs", _("Fatherland Front and mass organizations"), frozenset({K.MASS_ORG})),
]
CATEGORY_OF = {kind: code for code, _label, kinds in CATEGORIES for kind in kinds}
LABELS = {code: label for code, label, _kinds in CATEGORIES}


@dataclass
class Line:
    """One category's figures (or the total)."""

    code: str
    label: object
    total: int = 0  # every subject of the cycle
    out: int = 0  # not rated, carried over
    tiers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIERS, 0))

    @property
    def in_rating(self) -> int:
        return self.total - self.out

    @property
    def rated(self) -> int:
        return sum(self.tiers.values())

    @property
    def pending(self) -> int:
        return self.in_rating - self.rated

    def share(self, tier: str) -> float | None:
        """The tier's share of those rated, in per cent (one decimal)."""
        return round(self.tiers[tier] * 100 / self.rated, 1) if self.rated else None

    @property
    def cells(self) -> list[tuple[str, int, float | None]]:
        """(tier, count, share) in the tiers' order, for the page."""
        return [(tier, self.tiers[tier], self.share(tier)) for tier in TIERS]

    @property
    def shares(self) -> dict[str, float | None]:
        return {tier: self.share(tier) for tier in TIERS}

    def add(self, bucket: Bucket, n: int) -> None:
        self.total += n
        status = bucket.status
        if status in OUT:
            self.out += n
        elif status == RATED and bucket.tier in self.tiers:
            self.tiers[bucket.tier] += n

    def as_dict(self) -> dict:
        return {
            "category": self.code,
            "total": self.total,
            "in_rating": self.in_rating,
            "rated": self.rated,
            "pending": self.pending,
            "not_rated": self.out,
            "tiers": dict(self.tiers),
        }


@dataclass
class Table:
    """The summary table: one line per category that has subjects, and the total."""

    lines: list[Line]
    total: Line

    def figures(self) -> dict:
        """The figures as stored with a submission (compared to tell a stale one)."""
        return {line.code: line.as_dict() for line in [*self.lines, self.total]}


def table(counts: Counter) -> Table:
    by_code = {code: Line(code, label) for code, label, _kinds in CATEGORIES}
    total = Line("total", _("Total"))
    for bucket, n in counts.items():
        code = CATEGORY_OF.get(bucket.kind)
        if code is None:
            continue
        by_code[code].add(bucket, n)
        total.add(bucket, n)
    return Table([line for line in by_code.values() if line.total], total)


@dataclass
class ChildRow:
    unit: Unit
    table: Table
    submission: ReportSubmission | None = None
    stale: bool = False


@dataclass
class Report:
    cycle: ReviewCycle
    unit: Unit
    table: Table
    children: list[ChildRow]
    here: Table  # the subjects reviewed at the unit itself
    earlier: list[tuple[ReviewCycle, Table]]
    submission: ReportSubmission | None
    stale: bool


def visible_cycles(user):
    return restrict(ReviewCycle.objects.all(), user, Action.VIEW)


def earlier_cycles(user, cycle: ReviewCycle) -> list[ReviewCycle]:
    return list(
        visible_cycles(user)
        .filter(kind=cycle.kind, year__lt=cycle.year, quarter=cycle.quarter)
        .order_by("-year")[:YEARS_BACK]
    )


def children_of(user, unit: Unit) -> list[Unit]:
    return list(
        restrict(Unit.objects.filter(parent=unit), user, Action.VIEW).order_by("name_sort_key")
    )


def report(user, cycle: ReviewCycle, unit: Unit) -> Report:
    """The report of ``unit``'s subtree in ``cycle`` (the caller has checked ``may_view``)."""
    children = children_of(user, unit)
    earlier = earlier_cycles(user, cycle)
    counts = rollup([cycle.pk], [unit, *children], key=REPORT_KEY)
    if earlier:
        counts |= rollup([c.pk for c in earlier], [unit], key=REPORT_KEY)
    submissions = {
        s.unit_id: s
        for s in ReportSubmission.objects.filter(
            cycle=cycle, unit_id__in=[unit.pk, *(c.pk for c in children)]
        )
    }
    mine = table(counts[(cycle.pk, unit.pk)])
    rest = Counter(counts[(cycle.pk, unit.pk)])
    rows = []
    for child in children:
        child_counts = counts[(cycle.pk, child.pk)]
        rest.subtract(child_counts)
        if not child_counts and not child.is_active:
            continue
        child_table = table(child_counts)
        submission = submissions.get(child.pk)
        rows.append(ChildRow(child, child_table, submission, is_stale(submission, child_table)))
    here = table(+rest)
    submission = submissions.get(unit.pk)
    return Report(
        cycle,
        unit,
        mine,
        rows,
        here,
        [(c, table(counts[(c.pk, unit.pk)])) for c in earlier],
        submission,
        is_stale(submission, mine),
    )


def unit_table(cycle: ReviewCycle, unit: Unit) -> Table:
    return table(rollup([cycle.pk], [unit], key=REPORT_KEY)[(cycle.pk, unit.pk)])


def is_stale(submission: ReportSubmission | None, current: Table) -> bool:
    """A submitted report whose figures have changed since it was submitted."""
    return bool(submission and submission.is_submitted and submission.figures != current.figures())


@dataclass
class HomeFigures:
    cycle: ReviewCycle
    total: int
    rated: int
    pending: int
    not_rated: int


def home_figures(user) -> HomeFigures | None:
    """The start page's counts for a reader of whole levels: the subjects of the newest cycle
    in their subtrees, rated and still to rate, from the summaries (no person counted). None
    for anyone else, or when no cycle concerns them yet."""
    tops = policies.top_units(user)[:20]
    if not tops:
        return None
    cycles = visible_cycles(user)
    cycle = (
        cycles.filter(status=CycleStatus.OPEN).order_by("-year", "-period_start", "-pk").first()
        or cycles.order_by("-year", "-period_start", "-pk").first()
    )
    if cycle is None:
        return None
    total = Line("total", "")
    for counts in rollup([cycle.pk], tops, key=("status", "tier")).values():
        for bucket, n in counts.items():
            total.add(bucket, n)
    return HomeFigures(cycle, total.total, total.rated, total.pending, total.out)
