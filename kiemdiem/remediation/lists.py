"""The lists the regulations name, read from the subjects' tiers (docs/remediation.md).

* ``khtnv``: members rated KHTNV in the year — to help (HD 21; regulations.md §3.3, §6 step 11).
* ``khtnv_twice``: members rated KHTNV in the year and the year before — for the cell's
  consideration (§9: the Statute rules list it among the grounds to consider removing a member
  from the list [M — not verified in QĐ 24 item 8]; for civil servants, dismissal procedures).
* ``htxsnv_running``: members rated HTXSNV in each of the last N years — for commendation
  (§3.3: "HTXSNV 5 years running"; N is ``KIEMDIEM_LISTS_RUNNING_YEARS``, 5 by default).
* ``orgs_running``: party organizations (state agencies on the state track) rated HTXSNV in
  each of the last N years — candidates for "trong sạch, vững mạnh tiêu biểu" (§3.3: only
  HTXSNV organizations are considered).

A year's tier is the annual cycles' of that year, and a person rated in several places
counts by the lowest of their tiers that year on the track (a KHTNV anywhere is a KHTNV; an
HTXSNV year is HTXSNV everywhere). Each list is one query over the subjects of the few annual
cycles involved (the ``subject_cycle_tier`` index: cycle, tier, person), narrowed by the door,
and grouped here in memory — no query per person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q, Value
from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import (
    PERSON_SUBJECT_KINDS,
    CycleKind,
    ReviewCycle,
    Subject,
    SubjectKind,
    TierChoice,
    Track,
)
from kiemdiem.orgtree.models import Unit
from kiemdiem.reviews import shortcomings
from kiemdiem.reviews.models import Shortcoming

KHTNV, HTXSNV = TierChoice.KHTNV, TierChoice.HTXSNV
RANK = {TierChoice.HTXSNV: 0, TierChoice.HTTNV: 1, TierChoice.HTNV: 2, TierChoice.KHTNV: 3}
# The commendation for members rated HTXSNV "5 years running" (HD 21 via regulations.md §3.3).
DEFAULT_RUNNING_YEARS = 5

LISTS = {
    "khtnv": _("Members rated KHTNV — to help"),
    "khtnv_twice": _("Members rated KHTNV two years running — for the cell's consideration"),
    "htxsnv_running": _("Members rated HTXSNV years running — for commendation"),
    "orgs_running": _(
        "Organizations rated HTXSNV years running — “trong sạch, vững mạnh tiêu biểu”"
    ),
}
# On the state track the people are civil servants and public employees, the organizations
# agencies; two years KHTNV there leads to dismissal procedures (regulations.md §9).
STATE_LISTS = {
    "khtnv": _("Civil servants rated KHTNV — to help"),
    "khtnv_twice": _("Civil servants rated KHTNV two years running — for consideration"),
    "htxsnv_running": _("Civil servants rated HTXSNV years running — for commendation"),
    "orgs_running": _("Agencies rated HTXSNV years running — for commendation"),
}


def title_of(kind: str, track: str = Track.PARTY):
    return (STATE_LISTS if track == Track.STATE else LISTS)[kind]


ORG_KINDS = {Track.PARTY: SubjectKind.PARTY_ORG, Track.STATE: SubjectKind.STATE_AGENCY}


def running_years() -> int:
    return int(getattr(settings, "KIEMDIEM_LISTS_RUNNING_YEARS", DEFAULT_RUNNING_YEARS))


@dataclass
class Row:
    """One person (or organization) on a list: their tier each year and where they were
    rated in the list's year."""

    person_id: int | None
    unit_id: int
    name: str
    unit_name: str
    tiers: dict[int, str] = field(default_factory=dict)  # year → the year's (lowest) tier
    decided: dict[int, object] = field(default_factory=dict)  # year → when it was decided
    sort_key: str = ""

    def tier_list(self, years):
        return [(y, self.tiers.get(y, "")) for y in years]


def years_of(kind: str, year: int, n: int | None = None) -> list[int]:
    """The years a list reads, oldest first."""
    if kind == "khtnv":
        return [year]
    if kind == "khtnv_twice":
        return [year - 1, year]
    n = n or running_years()
    return list(range(year - n + 1, year + 1))


def target_of(kind: str) -> str:
    return KHTNV if kind in ("khtnv", "khtnv_twice") else HTXSNV


def build(user, unit: Unit, kind: str, year: int, track: str = Track.PARTY, n: int | None = None):
    """The list ``kind`` for ``unit``'s subtree and ``year``: (its years, its rows)."""
    if kind not in LISTS:
        raise ValueError(kind)
    years = years_of(kind, year, n)
    target = target_of(kind)
    cycles = list(
        ReviewCycle.objects.filter(kind=CycleKind.ANNUAL, year__in=years).values_list(
            "pk", flat=True
        )
    )
    base = _door(Subject.objects.all(), user).filter(
        cycle_id__in=cycles, track=track, tier__in=list(RANK)
    )
    if kind == "orgs_running":
        # An organization keeps its place in the tree: the subtree holds for every year.
        rows = base.filter(
            person__isnull=True, kind=ORG_KINDS.get(track, ""), unit__path__startswith=unit.path
        )
        values = rows.values_list(
            "unit_id", "unit__name", "unit__path", "cycle__year", "tier", "rated_at"
        )
        found: dict = {}
        for unit_id, name, path, y, tier, rated_at in values:
            row = found.setdefault(unit_id, Row(None, unit_id, name, name, sort_key=path))
            _keep(row, y, tier, rated_at)
        return years, _complete(found, years, target)
    # A member found in the subtree in the list's year, followed back wherever they were rated.
    listed = base.filter(
        cycle__year=year,
        kind__in=PERSON_SUBJECT_KINDS,
        unit__path__startswith=unit.path,
        tier=target,
    ).values("person_id")
    if len(years) > 1:
        # Only those with the tier in every year (and, for HTXSNV, nothing lower): decided by
        # the database, so that a province's thousands of HTXSNV members of one year are not
        # all read back (the rows are checked again below, with the lowest tier of each year).
        lower = Count("pk", filter=~Q(tier=target)) if target == HTXSNV else Value(0)
        listed = (
            base.filter(kind__in=PERSON_SUBJECT_KINDS, person_id__in=listed)
            .values("person_id")
            .annotate(every=Count("cycle__year", distinct=True, filter=Q(tier=target)), lower=lower)
            .filter(every=len(years), lower=0)
            .values("person_id")
        )
    # Every place they were rated in those years (as far as the reader sees): the lowest counts.
    rows = base.filter(kind__in=PERSON_SUBJECT_KINDS, person_id__in=listed)

    values = rows.values_list(
        "person_id",
        "person__full_name",
        "person__sort_key",
        "unit_id",
        "unit__name",
        "cycle__year",
        "tier",
        "rated_at",
    )
    found = {}
    for person_id, name, sort_key, unit_id, unit_name, y, tier, rated_at in values:
        row = found.setdefault(
            person_id, Row(person_id, unit_id, name, unit_name, sort_key=sort_key)
        )
        if _keep(row, y, tier, rated_at) and y == year:
            row.unit_id, row.unit_name = unit_id, unit_name  # where the year's tier was given
    return years, _complete(found, years, target)


def _door(queryset, user):
    """``restrict``; ``user=None`` is the system (commands, tests), which reads everything."""
    return queryset if user is None else restrict(queryset, user, Action.VIEW)


def _keep(row: Row, year: int, tier: str, rated_at) -> bool:
    """The year's lowest tier (see the module's docstring); whether this one is it."""
    if year not in row.tiers or RANK[tier] > RANK[row.tiers[year]]:
        row.tiers[year] = tier
        row.decided[year] = rated_at
        return True
    return False


def _complete(found: dict, years: list[int], target: str) -> list[Row]:
    """Those whose tier is ``target`` in every one of ``years``."""
    rows = [r for r in found.values() if all(r.tiers.get(y) == target for y in years)]
    return sorted(rows, key=lambda r: (r.sort_key, r.person_id or r.unit_id))


def history(user, person) -> list[dict]:
    """A person's tiers across years, newest first: each cycle and place they were rated in
    (the party and the state track), when it was decided, and the shortcomings of that year
    with whether they were remedied. Only what ``user`` may see of them (members their own)."""
    subjects = list(
        _door(Subject.objects.filter(person=person), user)
        .select_related("cycle", "unit")
        .order_by("-cycle__period_end", "track", "unit__path")
    )
    own = getattr(user, "person_id", None) == person.pk
    rows = Shortcoming.objects.filter(person=person, carried_from__isnull=True)
    if not own:
        rows = rows.filter(unit_id__in={s.unit_id for s in subjects})
    by_cycle: dict = {}
    for row in rows.select_related(
        "source_review__subject", "source_subject", "reported_in__subject"
    ).order_by("pk"):
        subject = shortcomings.subject_of(row)
        if subject is not None:
            by_cycle.setdefault((subject.cycle_id, subject.track), []).append(row)
    out = []
    for s in subjects:
        out.append(
            {
                "subject": s,
                "year": s.cycle.year,
                "cycle": s.cycle,
                "track": s.get_track_display(),
                "tier": s.tier,
                "decided_at": s.rated_at,
                "shortcomings": by_cycle.pop((s.cycle_id, s.track), []),
            }
        )
    return out
