"""Reads of the insights app, through the door."""

from __future__ import annotations

from django.db.models import QuerySet

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import ReviewCycle
from kiemdiem.cycles.selectors import cycle_list
from kiemdiem.insights import policies
from kiemdiem.insights.models import Signal, SignalRun


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


def signal_list(user, cycle: ReviewCycle, *, kind: str = "", within=None) -> QuerySet:
    """The stored signals of ``cycle`` that name a unit the user may see (no live scan)."""
    rows = restrict(Signal.objects.filter(cycle=cycle), user, Action.VIEW)
    if kind:
        rows = rows.filter(kind=kind)
    if within is not None:
        rows = rows.filter(unit__path__startswith=within.path)
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
    from django.db.models import Count

    if within is None and policies.may_read_whole_cycle(user, cycle):
        run = run_of(cycle)
        return {k: v for k, v in (run.counts if run else {}).items() if v}
    rows = restrict(Signal.objects.filter(cycle=cycle), user, Action.VIEW)
    if within is not None:
        rows = rows.filter(unit__path__startswith=within.path)
    return dict(rows.order_by().values_list("kind").annotate(n=Count("pk")))
