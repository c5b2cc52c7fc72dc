"""Comparison of equivalent positions: every holder of one kind of post in a scope, side by side
for a cycle (docs/insights.md).

A **position kind** is a post's role in a kind of unit — ``head.dang_bo_xa`` is the secretary
of a commune or ward party committee, ``head.co_quan_hanh_chinh`` the head of a state
administrative agency (a provincial department when the scope is the province and "directly
under" is ticked), ``head.chi_bo_truc_thuoc`` a cell secretary. The holders are the people with
that post open today (``people.Affiliation``: kind ``position``, the role, the unit's kind), read
through the door by the unit of the post.

For each holder, the cycle's subject that rates them in that post (reviewed at the unit of the
post; failing that, any leader's subject of theirs in the cycle): the tier (decided, else the
proposal's), the points where the rule set has them (the R2025 forms' general + task scores, or
``score``), the share of tasks done and exceeded as the review records them, the tier of the
unit they lead, and their percentile in the group.

**Bounded**: three queries whatever the size of the group (the holders; their subjects with the
decisions and reviews joined; the led units' subjects) — ``tests/test_comparison.py`` counts
them for a group of 3 and of 12.

**Percentile**: the percentile rank of the holder's standing among the holders with a tier,
``100 × (below + ½ × equal) / n`` — *below* the holders who stand lower, *equal* those who
stand the same (the holder included). Standing is the tier, then the points, then the share of
tasks exceeded, then the share done (a missing figure stands below any figure).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import ReviewCycle, Subject, TierChoice
from kiemdiem.insights.signals import LEADER_KINDS, RANK, UNIT_KINDS, decimal_of, rating_inputs
from kiemdiem.orgtree.models import KIND_GROUP, UnitGroup, UnitKind
from kiemdiem.people.models import Affiliation, AffiliationKind, PostRole

ROLES = (PostRole.HEAD, PostRole.DEPUTY)
SORTS = ("percentile", "name", "unit", "points")


def position_kinds() -> list[tuple[str, str]]:
    """(code, label) of every position kind: head and deputy of each kind of unit."""
    out = []
    for role in ROLES:
        for kind in UnitKind:
            out.append((f"{role}.{kind.value}", f"{role.label} — {kind.label}"))
    return out


def parse_kind(code: str) -> tuple[str, str] | None:
    role, _dot, kind = (code or "").partition(".")
    if role not in PostRole.values or role == PostRole.MEMBER or kind not in UnitKind.values:
        return None
    return role, kind


def kind_label(code: str) -> str:
    return dict(position_kinds()).get(code, code)


@dataclass
class Holder:
    person_id: int
    name: str
    title: str
    unit_id: int
    unit_name: str
    unit_path: str
    subject_id: int | None = None
    tier: str = ""
    decided: bool = False
    points: Decimal | None = None
    pct_done: Decimal | None = None
    pct_exceeded: Decimal | None = None
    unit_tier: str = ""
    led_unit_id: int | None = None
    percentile: float | None = None
    rank: int | None = None

    def standing(self) -> tuple:
        def num(v):
            return (v is not None, v if v is not None else Decimal(0))

        return (-RANK[self.tier], num(self.points), num(self.pct_exceeded), num(self.pct_done))


@dataclass
class Comparison:
    kind: str
    cycle: ReviewCycle
    rows: list[Holder] = field(default_factory=list)
    group_size: int = 0  # holders in the group (before the tier filter)
    rated: int = 0  # holders with a tier (the percentile's n)


def _points(rating: dict) -> Decimal | None:
    general = decimal_of(rating.get("fact.general_score"))
    task = decimal_of(rating.get("fact.task_score"))
    if general is not None or task is not None:
        return (general or Decimal(0)) + (task or Decimal(0))
    return decimal_of(rating.get("fact.score"))


def compare(
    user,
    cycle: ReviewCycle,
    kind: str,
    *,
    within=None,
    directly_under: bool = False,
    tier: str = "",
    sort: str = "percentile",
) -> Comparison:
    parsed = parse_kind(kind)
    if parsed is None:
        raise ValueError(kind)
    role, unit_kind = parsed
    posts = restrict(Affiliation.objects.current(), user, Action.VIEW).filter(
        kind=AffiliationKind.POSITION, role=role, unit__kind=unit_kind, unit__valid_to__isnull=True
    )
    if within is not None and directly_under:
        posts = posts.filter(unit__parent=within)
    elif within is not None:
        posts = posts.filter(unit__path__startswith=within.path)
    # 1. The holders.
    holders: dict[tuple[int, int], Holder] = {}
    for pid, family, middle, given, title, uid, uname, upath in posts.values_list(
        "person_id",
        "person__family_name",
        "person__middle_name",
        "person__given_name",
        "title",
        "unit_id",
        "unit__name",
        "unit__path",
    ).order_by("unit__path", "person__sort_key", "pk"):
        name = " ".join(p for p in (family, middle, given) if p)
        holders.setdefault((pid, uid), Holder(pid, name, title, uid, uname, upath))
    person_ids = posts.values("person_id")
    # 2. Their subjects in the cycle, with the decision and the review.
    chosen: dict[tuple[int, int], tuple] = {}
    any_leader: dict[int, tuple] = {}
    for row in (
        Subject.objects.filter(cycle=cycle, person_id__in=person_ids)
        .values_list(
            "pk",
            "person_id",
            "unit_id",
            "kind",
            "tier",
            "decision__proposed_tier",
            "review__content",
            "unit__kind",
            "unit__parent_id",
        )
        .order_by("pk")
    ):
        pk, pid, uid, skind = row[0], row[1], row[2], row[3]
        if (pid, uid) in holders:
            chosen.setdefault((pid, uid), row)
        elif skind in LEADER_KINDS:
            any_leader.setdefault(pid, row)
    for key, holder in holders.items():
        row = chosen.get(key) or any_leader.get(holder.person_id)
        if row is not None:
            pk, _pid, _uid, _skind, decided, proposed, content, _uk, _parent = row
            holder.subject_id = pk
            holder.tier = decided or proposed or ""
            holder.decided = bool(decided)
            rating = rating_inputs(content or {})
            holder.points = _points(rating)
            holder.pct_done = decimal_of(rating.get("fact.pct_tasks_done"))
            holder.pct_exceeded = decimal_of(rating.get("fact.pct_tasks_exceeded"))
    # 3. The tiers of the units they lead (a collective's seat: the unit the collective leads).
    collective = KIND_GROUP.get(unit_kind) == UnitGroup.COLLECTIVE
    unit_ids = {h.unit_id for h in holders.values()}
    unit_tiers: dict[int, str] = {}
    children: dict[int, int] = {}  # the post's collective → the unit it leads
    units = Subject.objects.filter(cycle=cycle, person__isnull=True, kind__in=UNIT_KINDS)
    if collective:
        found = units.filter(unit__children__in=unit_ids).values_list(
            "unit_id", "tier", "decision__proposed_tier", "unit__children"
        )
    else:
        found = units.filter(unit_id__in=unit_ids).values_list(
            "unit_id", "tier", "decision__proposed_tier", "unit_id"
        )
    for uid, decided, proposed, child in found:
        unit_tiers.setdefault(uid, decided or proposed or "")
        if collective and child in unit_ids:
            children[child] = uid
    for holder in holders.values():
        led = children.get(holder.unit_id) if collective else holder.unit_id
        holder.led_unit_id = led
        holder.unit_tier = unit_tiers.get(led, "") if led else ""
    rows = list(holders.values())
    _percentiles(rows)
    result = Comparison(kind=kind, cycle=cycle, group_size=len(rows))
    result.rated = sum(1 for r in rows if r.tier in RANK)
    if tier:
        rows = [r for r in rows if r.tier == tier]
    result.rows = _sorted(rows, sort)
    return result


def _percentiles(rows: list[Holder]) -> None:
    """Percentile rank and rank among the holders with a tier (sorted once, bisected)."""
    rated = [r for r in rows if r.tier in RANK]
    n = len(rated)
    order = sorted(r.standing() for r in rated)
    for r in rated:
        s = r.standing()
        below = bisect.bisect_left(order, s)
        equal = bisect.bisect_right(order, s) - below
        r.percentile = round(100 * (below + 0.5 * equal) / n, 1)
        r.rank = n - below - equal + 1


def _sorted(rows: list[Holder], sort: str) -> list[Holder]:
    if sort == "name":
        return sorted(rows, key=lambda r: (r.name, r.unit_path))
    if sort == "unit":
        return sorted(rows, key=lambda r: r.unit_path)
    if sort == "points":
        return sorted(rows, key=lambda r: (r.points is None, -(r.points or 0), r.unit_path))
    return sorted(rows, key=lambda r: (r.percentile is None, -(r.percentile or 0), r.unit_path))


def tier_label(code: str) -> str:
    if not code:
        return _("not rated yet")
    return str(TierChoice(code).label) if code in TierChoice.values else code
