"""Writes of the insights app: the stored signals of a cycle, replaced whole."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kiemdiem.audit.services import log_action
from kiemdiem.cycles.models import ReviewCycle
from kiemdiem.insights import policies, selectors, signals
from kiemdiem.insights.models import Signal, SignalRun

BATCH = 2_000


def signals_refresh(*, cycle: ReviewCycle, actor) -> SignalRun:
    """Compute ``cycle``'s signals and store them in place of the previous ones, in one
    transaction (a reader sees the old rows or the new, never half). The cycle row is locked
    first, so two runs at once take turns instead of interleaving their rows."""
    if not policies.may_refresh(actor, cycle):
        raise PermissionDenied
    with transaction.atomic():
        ReviewCycle.objects.select_for_update().filter(pk=cycle.pk).first()
        found, read = signals.compute(cycle)
        Signal.objects.filter(cycle=cycle).delete()
        Signal.objects.bulk_create(found, batch_size=BATCH)
        counts: dict[str, int] = {}
        for s in found:
            counts[s.kind] = counts.get(s.kind, 0) + 1
        run, _created = SignalRun.objects.update_or_create(
            cycle=cycle,
            defaults={
                "computed_at": timezone.now(),
                "subjects": read,
                "counts": counts,
                "counts_below": selectors.counted_below(
                    Signal.objects.filter(cycle=cycle), cycle.root.path
                ),
            },
        )
        log_action(
            "insights.signals_computed",
            actor=actor,
            target=cycle,
            unit=cycle.root,
            data={"cycle": cycle.name, "subjects": read, "signals": len(found)},
        )
    return run
