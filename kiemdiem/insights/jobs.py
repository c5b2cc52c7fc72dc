"""The background job that computes a cycle's signals (``insights.signals``), and when it is
queued: after a transaction that recorded decisions commits (one job per cycle, not one per
decision, and none while one is already waiting), after a unit is moved (``orgtree.hooks``),
nightly (``manage.py compute_signals``), or on demand from the signals page."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from kiemdiem.cycles.models import ReviewCycle
from kiemdiem.jobs import services as jobs
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.jobs.runner import JobContext, JobRefused

KIND = "insights.signals"
LABEL = _("Signals of formalism")


def run(context: JobContext) -> None:
    from kiemdiem.insights.services import signals_refresh

    cycle = ReviewCycle.objects.filter(pk=context.job.params.get("cycle")).first()
    if cycle is None:
        raise JobRefused(gettext_noop("The review cycle no longer exists."))
    context.progress(0, 1, str(cycle))
    signals_refresh(cycle=cycle, actor=None)
    context.progress(1, 1, str(cycle))


def waiting(cycle_id: int) -> bool:
    return Job.objects.filter(kind=KIND, status=JobStatus.QUEUED, params__cycle=cycle_id).exists()


def queue_for(cycle_id: int, *, owner=None) -> Job | None:
    """Queue a computation of the cycle's signals, unless one is already waiting."""
    if waiting(cycle_id):
        return None
    cycle = ReviewCycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        return None
    return jobs.job_start(
        kind=KIND, owner=owner, unit=cycle.root, params={"cycle": cycle_id}, title=str(cycle)
    )


def decision_saved(sender, instance, **kwargs) -> None:
    """``post_save`` of ``decisions.Decision``: queue the cycle's signals once the transaction
    commits — one callback per cycle and transaction, however many decisions it records (a
    rolled-back transaction drops its callbacks, and with them this mark)."""
    cycle_id = instance.subject.cycle_id if instance.subject_id else None
    if cycle_id is None:
        return
    queue_on_commit(cycle_id)


def unit_moved(event) -> None:
    """``orgtree.hooks`` move hook: the stored signals of a cycle that covers the moved unit
    (at its old or its new place) were computed on the old tree — a unit's people are those of
    its subtree, its peers those under a parent of the same kind — so the cycles that have
    signals are computed again once the move commits (one job per cycle, as above). Until the
    job has run the page says "as of" the time before the move."""
    from kiemdiem.insights.models import SignalRun
    from kiemdiem.orgtree.models import ancestor_paths

    paths = {
        *ancestor_paths(event.old_path, include_self=True),
        *ancestor_paths(event.new_path, include_self=True),
    }
    for cycle_id in SignalRun.objects.filter(cycle__root__path__in=paths).values_list(
        "cycle_id", flat=True
    ):
        queue_on_commit(cycle_id)


def queue_on_commit(cycle_id: int) -> None:
    """Queue the cycle's signals when the current transaction commits, once."""
    connection = transaction.get_connection()
    for entry in connection.run_on_commit:
        if getattr(entry[1], "insights_cycle", None) == cycle_id:
            return

    def queue():
        queue_for(cycle_id)

    queue.insights_cycle = cycle_id
    transaction.on_commit(queue)
