"""Fold, verify or rebuild the subject summaries (docs/reports.md).

manage.py tallies --fold                 fold the pending deltas
manage.py tallies --verify [--cycle KD2025]   recount and compare; exit 1 naming the units
manage.py tallies --rebuild [--cycle KD2025]  replace the summaries by a recount
    --unit CODE (with --verify or --rebuild)  only that unit's subtree (a code, or a unit's
                                              number); a subtree's rebuild carries what it
                                              changed to the units above
"""

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.cycles import tallies
from kiemdiem.cycles.models import ReviewCycle
from kiemdiem.orgtree.models import Unit


class Command(BaseCommand):
    help = "Fold, verify or rebuild the subject summaries (cycles.tallies)."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--fold", action="store_true")
        action.add_argument("--verify", action="store_true")
        action.add_argument("--rebuild", action="store_true")
        parser.add_argument("--cycle", help="a cycle's code (default: every cycle)")
        parser.add_argument(
            "--unit",
            help="verify or rebuild only this unit's subtree (a unit's code, or its number)",
        )

    def handle(
        self, *args, fold=False, verify=False, rebuild=False, cycle=None, unit=None, **options
    ):
        if fold:
            total = 0
            while folded := tallies.fold():
                total += folded
            if options["verbosity"]:  # cron runs it every minute with --verbosity 0
                self.stdout.write(f"folded {total} deltas")
            return
        cycles = ReviewCycle.objects.all()
        if cycle:
            cycles = cycles.filter(code=cycle)
            if not cycles.exists():
                raise CommandError(f"--cycle: no cycle with the code {cycle!r}")
        ids = list(cycles.values_list("pk", flat=True))
        under = self._unit(unit) if unit else None
        scope = f" under {under.code}" if under else ""
        if rebuild:
            rows = tallies.rebuild(ids, under=under)
            self.stdout.write(f"rebuilt {rows} summary rows{scope} for {len(ids)} cycles")
            return
        differing = tallies.differences(ids, under=under)
        if differing:
            codes = dict(ReviewCycle.objects.filter(pk__in=ids).values_list("pk", "code"))
            units = dict(
                Unit.objects.filter(pk__in={u for _c, u in differing}).values_list("pk", "code")
            )
            lines = [f"{codes.get(c, c)} {units.get(u, u)}" for c, u in differing]
            raise CommandError(
                "the summaries differ from a recount for: " + ", ".join(lines), returncode=1
            )
        self.stdout.write(f"the summaries{scope} of {len(ids)} cycles equal a recount")

    def _unit(self, value: str) -> Unit:
        found = Unit.objects.filter(code=value).first()
        if found is None and value.isdigit():
            found = Unit.objects.filter(pk=int(value)).first()
        if found is None:
            raise CommandError(f"--unit: no unit with the code or number {value!r}")
        return found
