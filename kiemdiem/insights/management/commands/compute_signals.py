"""``manage.py compute_signals [--cycle ID] [--queue]``: compute the signals of formalism of the
open cycles (or one), now or on the job queue — the nightly run (cron) of docs/insights.md."""

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.cycles.models import CycleStatus, ReviewCycle
from kiemdiem.insights import jobs, services


class Command(BaseCommand):
    help = "Compute the signals of formalism of the open cycles (or one cycle)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", type=int, help="The id of one cycle.")
        parser.add_argument("--queue", action="store_true", help="Queue jobs instead.")

    def handle(self, *args, cycle=None, queue=False, **options):
        cycles = ReviewCycle.objects.all()
        cycles = cycles.filter(pk=cycle) if cycle else cycles.filter(status=CycleStatus.OPEN)
        if cycle and not cycles.exists():
            raise CommandError(f"No review cycle with id {cycle}.")
        for c in cycles.order_by("pk"):
            if queue:
                jobs.queue_for(c.pk)
                self.stdout.write(f"{c.code}: queued")
            else:
                run = services.signals_refresh(cycle=c, actor=None)
                total = sum(run.counts.values())
                self.stdout.write(f"{c.code}: {total} signals from {run.subjects} subjects")
