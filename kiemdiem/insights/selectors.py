"""Reads of the insights app, through the door."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import ReviewCycle
from kiemdiem.cycles.selectors import cycle_list
from kiemdiem.insights import policies
from kiemdiem.insights.models import Signal, SignalRun
from kiemdiem.orgtree.models import SEGMENT_LENGTH, Unit
from kiemdiem.orgtree.policies import top_units


def cycles(user) -> list[ReviewCycle]:
    """The cycles the user may see, newest first (the pages' choice of cycle)."""
    return list(cycle_list(user).order_by("-year", "-period_end", "code")[:30])


def pick_cycle(user, cycle_id: int | None) -> ReviewCycle | None:
    """The cycle ``cycle_id`` if the user may see it (else None); without an id, the newest
    cycle the user may see."""
    if cycle_id is not None:
        return cycle_list(user).filter(pk=cycle_id).first()
    found = cycles(user)
    return found[0] if found else None


def run_of(cycle: ReviewCycle) -> SignalRun | None:
    return SignalRun.objects.filter(cycle=cycle).first()


def _signals(user, cycle: ReviewCycle, *, kind: str = "", within=None) -> QuerySet:
    """The rows of the page: the stored signals of ``cycle`` naming a unit the user may see
    (of ``kind``, under ``within``), unordered — the list and the chart by unit read these."""
    rows = restrict(Signal.objects.filter(cycle=cycle), user, Action.VIEW)
    if kind:
        rows = rows.filter(kind=kind)
    if within is not None:
        rows = rows.filter(unit__path__startswith=within.path)
    return rows


def signal_list(user, cycle: ReviewCycle, *, kind: str = "", within=None) -> QuerySet:
    """The stored signals of ``cycle`` that name a unit the user may see (no live scan)."""
    rows = _signals(user, cycle, kind=kind, within=within)
    # The unit is joined (the door filters on it); the person and the subject are fetched for
    # the page's rows only: joined, they were read for every signal before the top rows were
    # sorted out (92 ms for a province's 6,000 signals, bench/insights/RESULTS.md).
    return (
        rows.select_related("unit")
        .prefetch_related("person", "subject")
        .order_by("kind", "-strength", "pk")
    )


def signal_counts(user, cycle: ReviewCycle, *, within=None) -> dict[str, int]:
    """Signals by kind, of the stored rows the user may see: the counts stored with the rows
    (``SignalRun.counts``, same transaction) for a reader of the whole cycle, else one grouped
    query (a national reader's page counted 245,000 rows twice: 0.6 s, bench/insights)."""
    if within is None and policies.may_read_whole_cycle(user, cycle):
        run = run_of(cycle)
        return {k: v for k, v in (run.counts if run else {}).items() if v}
    rows = restrict(Signal.objects.filter(cycle=cycle), user, Action.VIEW)
    if within is not None:
        rows = rows.filter(unit__path__startswith=within.path)
    return dict(rows.order_by().values_list("kind").annotate(n=Count("pk")))


@dataclass
class UnitSignals:
    unit: Unit
    counts: dict[str, int]  # kind -> signals naming the unit or a unit under it

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def counted_below(rows: QuerySet, path: str) -> dict[str, dict[str, int]]:
    """``rows`` (signals) under the unit at ``path``, by kind per unit directly below it (that
    unit's path; "" for the unit itself): one grouped query (the path's next segment is the
    unit below: ``SEGMENT_LENGTH`` characters a level)."""
    grouped = (
        rows.filter(unit__path__startswith=path)
        .annotate(below=Substr("unit__path", 1, len(path) + SEGMENT_LENGTH))
        .order_by()
        .values_list("below", "kind")
        .annotate(n=Count("pk"))
    )
    out: dict[str, dict[str, int]] = {}
    for below, kind, n in grouped:
        out.setdefault("" if below == path else below, {})[kind] = n
    return out


def signals_below(
    user, cycle: ReviewCycle, *, kind: str = "", within=None
) -> tuple[list[UnitSignals], int]:
    """The page's signals (``signal_list``'s rows: the same door, kind and scope) counted per
    unit directly below the scope, most first, and how many name the scope's units themselves.

    The scope is ``within``; else the cycle's root for whoever reads the whole cycle — whose
    counts were stored with the signals (``SignalRun.counts_below``: a national reader's page
    would group 245,000 rows); else the user's top units, one grouped query each."""
    if within is None and policies.may_read_whole_cycle(user, cycle):
        run = run_of(cycle)
        counted = [run.counts_below if run else {}]
    else:
        parents = [within] if within is not None else list(top_units(user)[:10])
        rows = _signals(user, cycle, kind=kind, within=within)
        counted = [counted_below(rows, parent.path) for parent in parents]
    by_path: dict[str, dict[str, int]] = {}
    itself = 0
    for found in counted:
        for path, counts in found.items():
            counts = {k: n for k, n in counts.items() if not kind or k == kind}
            if not path:
                itself += sum(counts.values())
            elif counts:
                mine = by_path.setdefault(path, {})
                for k, n in counts.items():
                    mine[k] = mine.get(k, 0) + n
    units = {u.path: u for u in Unit.objects.filter(path__in=list(by_path))}
    out = [UnitSignals(units[p], c) for p, c in by_path.items() if p in units]
    out.sort(key=lambda r: (-r.total, r.unit.path))
    return out, itself
