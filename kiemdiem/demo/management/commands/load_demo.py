"""manage.py load_demo: fill an empty database with the demo province and print the logins."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from kiemdiem.demo import generator


class Command(BaseCommand):
    help = (
        "Load a realistic demo province (units, people, history, last year's closed review "
        "cycle and this year's running one, demo logins)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 is about 3,000 members")
        parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED)
        parser.add_argument(
            "--province",
            default=generator.DEFAULT_PROVINCE,
            help="code (8), code name (tuyen_quang) or name of a 2025 province",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when units already exist"
        )
        parser.add_argument(
            "--no-logins", action="store_true", help="do not print the demo logins at the end"
        )
        parser.add_argument(
            "--no-cycles",
            action="store_true",
            help="without last year's and this year's review cycles (faster)",
        )

    def handle(self, *args, scale, seed, province, if_empty, no_logins, no_cycles, **options):
        from kiemdiem.orgtree.models import Unit

        translation.activate("vi")
        if Unit.objects.exists():
            if if_empty:
                self.stdout.write(_("The database already has units; the demo was not loaded."))
                return
            raise CommandError(
                _("The database already has units. Load the demo into an empty database.")
            )
        if scale <= 0:
            raise CommandError(_("The scale must be positive."))
        try:
            generator.find_province(province)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        started = time.monotonic()

        def progress(step: str) -> None:  # a minute of silence looks like a hang
            self.stdout.write(f"  [{time.monotonic() - started:5.1f} s] {step}")
            self.stdout.flush()

        result = generator.generate(
            scale=scale, seed=seed, province=province, cycles=not no_cycles, progress=progress
        )
        self.stdout.write(
            _("Demo province loaded in %(seconds).1f s (seed %(seed)s, scale %(scale)s).")
            % {"seconds": result.seconds, "seed": seed, "scale": scale}
        )
        self.stdout.write(format_summary(generator.summary()))
        if not no_logins:
            self.stdout.write("")
            self.stdout.write(generator.login_table())


def format_summary(data: dict) -> str:
    lines = [_("Units by kind:")]
    width = max(len(label) for label, _n in data["units_by_kind"])
    for label, count in data["units_by_kind"]:
        lines.append(f"  {label.ljust(width)}  {count:>6}")
    rows = [
        (_("Active units"), data["units"]),
        (_("Dissolved units (history)"), data["dissolved_units"]),
        (_("People"), data["people"]),
        (_("Party members (in a cell)"), data["members"]),
        (_("Probationary members"), data["probationary"]),
        (_("Exempt from party work and activity"), data["exempt"]),
        (_("Party activity suspended"), data["suspended"]),
        (_("Leadership collectives"), data["collectives"]),
        (_("Seats in leadership collectives"), data["collective_seats"]),
        (_("Current posts"), data["posts"]),
        (_("State staff (civil servants, public employees)"), data["state_staff"]),
        (_("Residence cell registrations"), data["residence"]),
    ]
    width = max(len(label) for label, _n in rows)
    lines += [f"{label.ljust(width)}  {count:>6}" for label, count in rows]
    if data.get("cycles"):
        lines.append(_("Review cycles") + ":")
        for cycle in data["cycles"]:
            lines.append(f"  {cycle['name']} ({cycle['status']})")
            lines.append(
                "    "
                + _(
                    "%(subjects)s subjects, %(submitted)s reviews submitted, "
                    "%(in_progress)s in progress, %(rated)s rated"
                )
                % cycle
            )
    return "\n".join(lines)
