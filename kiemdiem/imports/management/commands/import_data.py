"""manage.py import_data --kind people --unit P --user admin file.xlsx [--check]"""

import json
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kiemdiem.imports import exporters, services
from kiemdiem.imports.messages import render
from kiemdiem.imports.models import ImportKind, JobStatus
from kiemdiem.orgtree.models import Unit


def _problems(job) -> list[dict]:
    """Every problem kept (errors first), with its message in the active language."""
    try:
        stored = json.loads(job.problems_path.read_text())
    except FileNotFoundError:
        stored = job.problems
    return [{**p, "message": render(p)} for p in stored]


def _where(p: dict) -> str:
    """ "Sheet!C7 " for a cell, "Sheet!C " for a column, "" for the whole file."""
    cell = f"{p['column']}{p['row'] or ''}"
    if not cell:
        return f"{p['sheet']} " if p["sheet"] else ""
    return f"{p['sheet']}!{cell} " if p["sheet"] else f"{cell} "


class Progress:
    def __init__(self, stream, label):
        self.stream, self.label, self.start, self.last = stream, label, time.monotonic(), 0.0

    def __call__(self, done, total):
        now = time.monotonic()
        if now - self.last < 0.5 and done != total:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-6)
        total_text = f"/{total:,}" if total else ""
        self.stream.write(f"\r{self.label}: {done:,}{total_text} rows, {rate:,.0f} rows/s   ")
        self.stream.flush()

    def end(self):
        self.stream.write("\n")


class Command(BaseCommand):
    help = "Import units or people from .xlsx, .xls, .ods or .csv (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", choices=ImportKind.values, required=True)
        parser.add_argument("--unit", required=True, help="code of the unit at the top of scope")
        parser.add_argument("--user", help="user name recorded as the actor (needs a grant)")
        parser.add_argument("--check", action="store_true", help="validate only")
        parser.add_argument("--language", default="vi", choices=["vi", "en"])
        parser.add_argument("--quiet-progress", action="store_true")

    def handle(self, *args, **options):
        translation.activate(options["language"])
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        unit = Unit.objects.filter(code__iexact=options["unit"]).first()
        if unit is None:
            raise CommandError(f"no unit with code {options['unit']}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']}")
        else:
            user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        with path.open("rb") as handle:
            job = services.job_create(
                user=user,
                unit=unit,
                kind=options["kind"],
                filename=path.name,
                chunks=iter(lambda: handle.read(1 << 20), b""),
            )
        out = sys.stderr if not options["quiet_progress"] else open("/dev/null", "w")  # noqa: SIM115
        progress = Progress(out, "checking")
        services.import_validate(job, progress=progress)
        progress.end()
        # Every error kept comes first, then the notices (the last ones summarise the rest).
        for p in _problems(job):
            self.stdout.write(f"{_where(p)}[{p['code']}] {p['message']}")
        if job.status != JobStatus.READY:
            report = exporters.error_report(job)
            if report is not None:
                self.stdout.write(f"report: {report}")
            raise CommandError(
                f"{job.error_count} error(s), {job.warning_count} warning(s): nothing imported"
            )
        self.stdout.write(
            f"checked {job.total:,} rows: {job.preview['created']:,} to create, "
            f"{job.preview['updated']:,} to update, {job.preview['unchanged']:,} unchanged"
        )
        if options["check"]:
            return
        progress = Progress(out, "importing")
        started = time.monotonic()
        services.import_commit(job, user, progress=progress)
        progress.end()
        self.stdout.write(
            f"imported in {time.monotonic() - started:.1f} s: created {job.created:,}, "
            f"updated {job.updated:,}, unchanged {job.unchanged:,} (job {job.pk})"
        )
