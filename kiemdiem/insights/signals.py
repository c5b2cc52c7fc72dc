"""Signals of formalism ("nể nang, né tránh") of one cycle, computed by the database
(docs/insights.md): a few set-based statements over the cycle's subjects — people counted per
unit, the units' and leaders' own rows, the pairs of tiers two apart — so that what comes back
to Python is in the order of the units and the signals, never one object per subject (a
country's cycle holds about six million). ``compute`` returns unsaved ``Signal`` rows; the
service stores them.

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
from decimal import Decimal, InvalidOperation

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, NullIf

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


CHUNK = 5_000  # ids per IN (...) list


def _tier():
    """A subject's tier for the signals: the decided one, else the advisory body's proposal."""
    return Coalesce(NullIf(F("tier"), Value("")), F("decision__proposed_tier"), Value(""))


def _rank(field: str):
    """The rank of a tier field (0 = HTXSNV … 3 = KHTNV), NULL for anything else."""
    return Case(
        *(When(**{field: tier}, then=Value(rank)) for tier, rank in RANK.items()),
        default=None,
        output_field=IntegerField(),
    )


def _subjects(cycle: ReviewCycle):
    return Subject.objects.filter(cycle=cycle).exclude(status__in=OUT_OF_RATING)


def _chunks(ids: list) -> list[list]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def compute(cycle: ReviewCycle) -> tuple[list[Signal], int]:
    """The cycle's signals (unsaved) and the number of subjects read (those in the rating).

    Statements: the people rated per unit (one row per unit); the units' own rows and the
    leaders' (one per unit and leader); the task figures of the units whose people are all
    rated well (only those, by the thousand); the people whose tiers are two apart; the voted
    tiers (``cycles.votes``); the overrides."""
    subjects = _subjects(cycle).annotate(t=_tier())
    rated = Q(person__isnull=False) & ~Q(t="")
    per_unit = list(
        subjects.values("unit_id", "unit__path", "unit__kind", "unit__parent__kind")
        .annotate(
            read=Count("pk"),
            n=Count("pk", filter=rated),
            good=Count("pk", filter=rated & Q(t__in=GOOD)),
            top=Count("pk", filter=rated & Q(t="HTXSNV")),
        )
        .order_by()
    )
    read = sum(row["read"] for row in per_unit)
    units: dict[int, dict] = {}  # unit id -> its own subject (the last by pk, as the page)
    leaders: list[dict] = []
    for row in (
        subjects.filter(
            Q(person__isnull=True, kind__in=UNIT_KINDS)
            | Q(person__isnull=False, kind__in=LEADER_KINDS)
        )
        .values(
            "pk",
            "kind",
            "unit_id",
            "person_id",
            "t",
            "tier",
            "unit__path",
            "unit__kind",
            "unit__parent_id",
        )
        .order_by("pk")
        .iterator(chunk_size=CHUNK)
    ):
        if row["person_id"] is None:
            units[row["unit_id"]] = row
        elif row["t"] in RANK:
            leaders.append(row)

    out: list[Signal] = []
    out += _all_good_unit_missed(cycle, per_unit, units)
    out += _tier_gaps(cycle)
    out += _htxsnv_outliers(cycle, per_unit)
    out += _overrides(cycle)
    out += _leaders_above_unit(cycle, leaders, units)
    return out, read


def _task_figures(subject_ids: list[int]) -> dict[int, dict]:
    """The collectives' and units' own task figures, from their reports."""
    tasks: dict[int, dict] = {}
    for chunk in _chunks(subject_ids):
        for sid, content in SelfReview.objects.filter(subject_id__in=chunk).values_list(
            "subject_id", "content"
        ):
            rating = rating_inputs(content)
            done = decimal_of(rating.get("fact.pct_tasks_done"))
            missed = str(rating.get("fact.key_targets_missed", "")).lower() in ("on", "true", "1")
            if done is not None or missed:
                tasks[sid] = {"done": done, "key_missed": missed}
    return tasks


def _all_good_unit_missed(cycle, per_unit, units) -> list[Signal]:
    total: dict[str, int] = defaultdict(int)
    good: dict[str, int] = defaultdict(int)
    top: dict[str, int] = defaultdict(int)
    for row in per_unit:
        if not row["n"]:
            continue
        for path in ancestor_paths(row["unit__path"], include_self=True):
            total[path] += row["n"]
            good[path] += row["good"]
            top[path] += row["top"]
    # Only a unit whose people are all rated well can be a signal: read only their reports.
    candidates = {
        unit_id: u
        for unit_id, u in units.items()
        if total.get(u["unit__path"], 0) >= MIN_PEOPLE_ALL_GOOD
        and good[u["unit__path"]] == total[u["unit__path"]]
    }
    tasks = _task_figures(sorted(u["pk"] for u in candidates.values()))
    out = []
    for unit_id, u in candidates.items():
        figures = tasks.get(u["pk"], {})
        done = figures.get("done")
        reasons = []
        if u["t"] in MISSED:
            reasons.append("tier")
        if done is not None and done < 100:
            reasons.append("tasks")
        if figures.get("key_missed"):
            reasons.append("key_targets")
        if not reasons:
            continue
        path = u["unit__path"]
        n = total[path]
        out.append(
            Signal(
                cycle=cycle,
                kind=SignalKind.ALL_GOOD_UNIT_MISSED,
                unit_id=unit_id,
                subject_id=u["pk"],
                strength=float(n),
                numbers={
                    "people": n,
                    "good": good[path],
                    "htxsnv": top[path],
                    "unit_tier": u["t"],
                    "unit_decided": bool(u["tier"]),
                    "pct_tasks_done": None if done is None else format(done.normalize(), "f"),
                    "key_targets_missed": bool(figures.get("key_missed")),
                    "reasons": reasons,
                },
            )
        )
    return out


def _tier_gaps(cycle) -> list[Signal]:
    """The people whose self-proposed, proposed and decided tiers are ``GAP`` apart are found
    by the database; those with a voted tier are then read (by the thousand) and compared
    with the vote too."""
    people = (
        _subjects(cycle)
        .filter(person__isnull=False)
        .annotate(
            r_self=_rank("review__proposed_tier"),
            r_proposed=_rank("decision__proposed_tier"),
            r_decided=_rank("tier"),
        )
    )
    fields = ("pk", "unit_id", "person_id", "review__proposed_tier", "decision__proposed_tier")
    ranks = ("r_self", "r_proposed", "r_decided")
    apart = Q()
    for i, a in enumerate(ranks):
        for b in ranks[i + 1 :]:
            apart |= Q(**{f"{a}__gte": F(b) + GAP}) | Q(**{f"{b}__gte": F(a) + GAP})
    found = {row[0]: row for row in people.filter(apart).values_list(*fields, "tier")}
    voted = votes.voted_tiers(cycle.pk)
    for chunk in _chunks(sorted(voted)):
        for row in people.filter(pk__in=chunk).values_list(*fields, "tier"):
            found[row[0]] = row
    recorded = votes.has_sources()
    out = []
    for pk in sorted(found):
        _pk, unit_id, person_id, self_tier, proposed, decided = found[pk]
        tiers = {
            "self": self_tier or "",
            "vote": voted.get(pk, ""),
            "proposed": proposed or "",
            "decided": decided or "",
        }
        ranked = [RANK[t] for t in tiers.values() if t in RANK]
        if len(ranked) < 2:
            continue
        gap = max(ranked) - min(ranked)
        if gap < GAP:
            continue
        out.append(
            Signal(
                cycle=cycle,
                kind=SignalKind.TIER_GAP,
                unit_id=unit_id,
                subject_id=pk,
                person_id=person_id,
                strength=float(gap),
                numbers={**tiers, "gap": gap, "votes_recorded": recorded},
            )
        )
    return out


def _htxsnv_outliers(cycle, per_unit) -> list[Signal]:
    n_of: dict[int, int] = {}
    x_of: dict[int, int] = {}
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in per_unit:
        if row["n"] >= MIN_PEOPLE:
            unit_id = row["unit_id"]
            n_of[unit_id], x_of[unit_id] = row["n"], row["top"]
            groups[(row["unit__kind"], row["unit__parent__kind"] or "")].append(unit_id)
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


def _overrides(cycle) -> list[Signal]:
    out = []
    for sid, tier, reason, overrides, unit_id, person_id in (
        Decision.objects.filter(subject__cycle=cycle)
        .exclude(override_reason="")
        .exclude(subject__status__in=OUT_OF_RATING)
        .values_list(
            "subject_id",
            "tier",
            "override_reason",
            "overrides",
            "subject__unit_id",
            "subject__person_id",
        )
        .order_by("subject_id")
    ):
        out.append(
            Signal(
                cycle=cycle,
                kind=SignalKind.OVERRIDE,
                unit_id=unit_id,
                subject_id=sid,
                person_id=person_id,
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


def _leaders_above_unit(cycle, leaders, units) -> list[Signal]:
    out = []
    for r in leaders:
        led = r["unit_id"]
        if KIND_GROUP.get(r["unit__kind"]) == UnitGroup.COLLECTIVE and r["unit__parent_id"]:
            led = r["unit__parent_id"]
        u = units.get(led)
        if u is None or u["t"] not in RANK:
            continue
        if RANK[r["t"]] >= RANK[u["t"]]:
            continue
        out.append(
            Signal(
                cycle=cycle,
                kind=SignalKind.LEADER_ABOVE_UNIT,
                unit_id=led,
                subject_id=r["pk"],
                person_id=r["person_id"],
                strength=float(RANK[u["t"]] - RANK[r["t"]]),
                numbers={"tier": r["t"], "unit_tier": u["t"], "led_unit": led},
            )
        )
    return out
