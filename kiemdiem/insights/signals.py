"""Signals of formalism ("nể nang, né tránh") of one cycle, computed in memory from a few
whole-cycle reads (docs/insights.md): the subjects with their units, the decisions, the
self-proposed tiers, the collectives' own task figures and the voted tiers where an app records
them (``cycles.votes``). ``compute`` returns unsaved ``Signal`` rows; the service stores them.

A subject's tier here is the decided one, else the proposal's (the advisory body's), so a
cycle not yet decided already shows its signals.

The five signals and their thresholds (module constants, named in the explanations):

1. ``all_good_unit_missed`` — a unit whose people (everyone rated in its subtree, at least
   ``MIN_PEOPLE_ALL_GOOD``) are all HTTNV or better while the unit itself is rated HTNV or
   KHTNV, or its collective's report records tasks not fully done (``pct_tasks_done`` < 100) or
   key targets missed.
2. ``tier_gap`` — a person whose self-proposed, voted, proposed and decided tiers are
   ``GAP`` tiers or more apart (the highest against the lowest of those recorded).
3. ``htxsnv_outlier`` — a unit whose HTXSNV share among the people rated in it sits far above
   comparable units (same kind, under a parent of the same kind; at least ``MIN_GROUP`` units
   of at least ``MIN_PEOPLE`` people): above the group's median + ``K``·1.4826·MAD (a robust
   z-score of ``K``; MAD the median absolute deviation, 1.4826·MAD estimating the standard
   deviation without letting the outliers themselves set it), *and* unlikely by chance: the
   binomial probability of at least that many HTXSNV among its people, were each HTXSNV with
   the pooled share of the *other* units of the group, is below ``ALPHA``. The first test
   alone flags small cells on one lucky member; the second alone flags every large unit a few
   points above the rest.
4. ``override`` — a decision finalized over a broken quota or cap (``Decision.override_reason``).
5. ``leader_above_unit`` — a leader (head, leader, a civil servant or public employee with a
   leadership post) rated above the unit they lead (the unit of the post; for a seat in a
   leadership collective, the unit the collective leads).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kiemdiem.cycles import votes
from kiemdiem.cycles.models import (
    OUT_OF_RATING,
    ReviewCycle,
    Subject,
    SubjectKind,
)
from kiemdiem.decisions.models import Decision
from kiemdiem.insights.models import Signal, SignalKind
from kiemdiem.orgtree.models import KIND_GROUP, UnitGroup, ancestor_paths
from kiemdiem.reviews.models import SelfReview

RANK = {"HTXSNV": 0, "HTTNV": 1, "HTNV": 2, "KHTNV": 3}
GOOD = {"HTXSNV", "HTTNV"}
MISSED = {"HTNV", "KHTNV"}
MIN_PEOPLE_ALL_GOOD = 3
GAP = 2
MIN_PEOPLE = 5
MIN_GROUP = 5
K = 3.0
ALPHA = 0.01
MAD_SCALE = 1.4826
LEADER_KINDS = frozenset(
    {
        SubjectKind.HEAD,
        SubjectKind.LEADER,
        SubjectKind.CIVIL_SERVANT_LEADER,
        SubjectKind.PUBLIC_EMPLOYEE_MANAGER,
    }
)
UNIT_KINDS = frozenset(
    {SubjectKind.PARTY_ORG, SubjectKind.STATE_AGENCY, SubjectKind.COLLECTIVE, SubjectKind.MASS_ORG}
)


@dataclass
class Row:
    pk: int
    kind: str
    unit_id: int
    person_id: int | None
    tier: str  # decided, else proposed ("" when neither)
    decided: str
    unit_kind: str
    unit_path: str
    parent_id: int | None
    parent_kind: str


def decimal_of(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def rating_inputs(content: dict) -> dict:
    """The rating section of a review's content (whatever the form calls it): the one section
    whose value holds the engine's ``fact.…`` inputs."""
    for value in (content or {}).values():
        if isinstance(value, dict) and any(str(k).startswith("fact.") for k in value):
            return value
    return {}


def binomial_upper(x: int, n: int, p: float) -> float:
    """P(X ≥ x) for X ~ Binomial(n, p), summed in log space (exact, n up to thousands)."""
    if x <= 0:
        return 1.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    total = 0.0
    for k in range(x, n + 1):
        total += math.exp(
            math.lgamma(n + 1)
            - math.lgamma(k + 1)
            - math.lgamma(n - k + 1)
            + k * log_p
            + (n - k) * log_q
        )
    return min(1.0, total)


def load(cycle: ReviewCycle) -> tuple[list[Row], dict[int, tuple]]:
    rows = []
    decisions = {
        sid: (proposed, tier, reason, overrides)
        for sid, proposed, tier, reason, overrides in Decision.objects.filter(
            subject__cycle=cycle
        ).values_list("subject_id", "proposed_tier", "tier", "override_reason", "overrides")
    }
    subjects = (
        Subject.objects.filter(cycle=cycle)
        .exclude(status__in=OUT_OF_RATING)
        .values_list(
            "pk",
            "kind",
            "unit_id",
            "person_id",
            "tier",
            "unit__kind",
            "unit__path",
            "unit__parent_id",
            "unit__parent__kind",
        )
        .order_by("pk")
    )
    for pk, kind, unit_id, person_id, tier, ukind, path, parent_id, pkind in subjects.iterator(
        chunk_size=5000
    ):
        proposed = decisions.get(pk, ("",))[0]
        rows.append(
            Row(
                pk,
                kind,
                unit_id,
                person_id,
                tier or proposed or "",
                tier or "",
                ukind,
                path,
                parent_id,
                pkind or "",
            )
        )
    return rows, decisions


def compute(cycle: ReviewCycle) -> tuple[list[Signal], int]:
    """The cycle's signals (unsaved) and the number of subjects read."""
    rows, decisions = load(cycle)
    out: list[Signal] = []
    by_pk = {r.pk: r for r in rows}
    unit_rows = {r.unit_id: r for r in rows if r.person_id is None and r.kind in UNIT_KINDS}
    unit_ids_by_path = {r.unit_path: r.unit_id for r in rows}
    people = [r for r in rows if r.person_id is not None]

    # The collectives' and units' own task figures, from their reports.
    tasks: dict[int, dict] = {}
    for sid, content in SelfReview.objects.filter(
        subject__cycle=cycle, subject__person__isnull=True
    ).values_list("subject_id", "content"):
        rating = rating_inputs(content)
        done = decimal_of(rating.get("fact.pct_tasks_done"))
        missed = str(rating.get("fact.key_targets_missed", "")).lower() in ("on", "true", "1")
        if done is not None or missed:
            tasks[sid] = {"done": done, "key_missed": missed}
    self_proposed = dict(
        SelfReview.objects.filter(subject__cycle=cycle, subject__person__isnull=False)
        .exclude(proposed_tier="")
        .values_list("subject_id", "proposed_tier")
    )
    voted = votes.voted_tiers(cycle.pk)

    out += _all_good_unit_missed(cycle, people, unit_rows, tasks, unit_ids_by_path)
    out += _tier_gaps(cycle, people, self_proposed, voted, decisions)
    out += _htxsnv_outliers(cycle, people)
    out += _overrides(cycle, decisions, by_pk)
    out += _leaders_above_unit(cycle, people, unit_rows)
    return out, len(rows)


def _all_good_unit_missed(cycle, people, unit_rows, tasks, unit_ids_by_path) -> list[Signal]:
    total: dict[str, int] = defaultdict(int)
    good: dict[str, int] = defaultdict(int)
    top: dict[str, int] = defaultdict(int)
    for r in people:
        if not r.tier:
            continue
        for path in ancestor_paths(r.unit_path, include_self=True):
            total[path] += 1
            good[path] += r.tier in GOOD
            top[path] += r.tier == "HTXSNV"
    out = []
    for unit_id, u in unit_rows.items():
        figures = tasks.get(u.pk, {})
        done = figures.get("done")
        reasons = []
        if u.tier in MISSED:
            reasons.append("tier")
        if done is not None and done < 100:
            reasons.append("tasks")
        if figures.get("key_missed"):
            reasons.append("key_targets")
        path = u.unit_path
        n = total.get(path, 0)
        if not reasons or n < MIN_PEOPLE_ALL_GOOD or good[path] != n:
            continue
        out.append(
            Signal(
                cycle=cycle,
                kind=SignalKind.ALL_GOOD_UNIT_MISSED,
                unit_id=unit_id,
                subject_id=u.pk,
                strength=float(n),
                numbers={
                    "people": n,
                    "good": good[path],
                    "htxsnv": top[path],
                    "unit_tier": u.tier,
                    "unit_decided": bool(u.decided),
                    "pct_tasks_done": None if done is None else format(done.normalize(), "f"),
                    "key_targets_missed": bool(figures.get("key_missed")),
                    "reasons": reasons,
                },
            )
        )
    return out


def _tier_gaps(cycle, people, self_proposed, voted, decisions) -> list[Signal]:
    out = []
    for r in people:
        proposed = decisions.get(r.pk, ("",))[0]
        tiers = {
            "self": self_proposed.get(r.pk, ""),
            "vote": voted.get(r.pk, ""),
            "proposed": proposed,
            "decided": r.decided,
        }
        ranks = [RANK[t] for t in tiers.values() if t in RANK]
        if len(ranks) < 2:
            continue
        gap = max(ranks) - min(ranks)
        if gap < GAP:
            continue
        out.append(
            Signal(
                cycle=cycle,
                kind=SignalKind.TIER_GAP,
                unit_id=r.unit_id,
                subject_id=r.pk,
                person_id=r.person_id,
                strength=float(gap),
                numbers={**tiers, "gap": gap, "votes_recorded": votes.has_sources()},
            )
        )
    return out


def _htxsnv_outliers(cycle, people) -> list[Signal]:
    n_of: dict[int, int] = defaultdict(int)
    x_of: dict[int, int] = defaultdict(int)
    meta: dict[int, Row] = {}
    for r in people:
        if not r.tier:
            continue
        n_of[r.unit_id] += 1
        x_of[r.unit_id] += r.tier == "HTXSNV"
        meta[r.unit_id] = r
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for unit_id, n in n_of.items():
        if n >= MIN_PEOPLE:
            r = meta[unit_id]
            groups[(r.unit_kind, r.parent_kind)].append(unit_id)
    out = []
    for (unit_kind, parent_kind), units in groups.items():
        if len(units) < MIN_GROUP:
            continue
        shares = {u: x_of[u] / n_of[u] for u in units}
        median = statistics.median(shares.values())
        mad = statistics.median(abs(s - median) for s in shares.values())
        threshold = median + K * MAD_SCALE * mad
        x_all = sum(x_of[u] for u in units)
        n_all = sum(n_of[u] for u in units)
        for u in units:
            share = shares[u]
            if share <= threshold:
                continue
            others_n = n_all - n_of[u]
            p0 = (x_all - x_of[u]) / others_n if others_n else 0.0
            p_value = binomial_upper(x_of[u], n_of[u], p0)
            if p_value >= ALPHA:
                continue
            out.append(
                Signal(
                    cycle=cycle,
                    kind=SignalKind.HTXSNV_OUTLIER,
                    unit_id=u,
                    strength=float(share - median),
                    numbers={
                        "htxsnv": x_of[u],
                        "people": n_of[u],
                        "share": round(share * 100, 1),
                        "median": round(median * 100, 1),
                        "mad": round(mad * 100, 1),
                        "threshold": round(threshold * 100, 1),
                        "pooled": round(p0 * 100, 1),
                        "p_value": float(f"{p_value:.2g}"),
                        "group_units": len(units),
                        "unit_kind": unit_kind,
                        "parent_kind": parent_kind,
                        "k": K,
                        "alpha": ALPHA,
                    },
                )
            )
    return out


def _overrides(cycle, decisions, by_pk) -> list[Signal]:
    out = []
    for sid, (_proposed, tier, reason, overrides) in decisions.items():
        r = by_pk.get(sid)
        if not reason or r is None:
            continue
        out.append(
            Signal(
                cycle=cycle,
                kind=SignalKind.OVERRIDE,
                unit_id=r.unit_id,
                subject_id=sid,
                person_id=r.person_id,
                strength=float(len(overrides or []) or 1),
                numbers={
                    "tier": tier,
                    "reason": reason[:500],
                    "broken": [
                        str(o.get("text") or o.get("code") or "")[:200] for o in overrides or []
                    ],
                },
            )
        )
    return out


def _leaders_above_unit(cycle, people, unit_rows) -> list[Signal]:
    out = []
    for r in people:
        if r.kind not in LEADER_KINDS or r.tier not in RANK:
            continue
        led = r.unit_id
        if KIND_GROUP.get(r.unit_kind) == UnitGroup.COLLECTIVE and r.parent_id:
            led = r.parent_id
        u = unit_rows.get(led)
        if u is None or u.tier not in RANK:
            continue
        if RANK[r.tier] >= RANK[u.tier]:
            continue
        out.append(
            Signal(
                cycle=cycle,
                kind=SignalKind.LEADER_ABOVE_UNIT,
                unit_id=led,
                subject_id=r.pk,
                person_id=r.person_id,
                strength=float(RANK[u.tier] - RANK[r.tier]),
                numbers={"tier": r.tier, "unit_tier": u.tier, "led_unit": led},
            )
        )
    return out
