"""Queue the daily reminders about opinions not answered (the job queue's worker sends them)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.opinions import reminders


def _date(text: str) -> datetime.date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Not a date: {text!r} (use dd/mm/yyyy)")


class Command(BaseCommand):
    help = (
        "Queue the reminders to those asked for an opinion that is due soon or overdue "
        "(in-app and e-mail). Run once a day; a second run the same day sends nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, help="act as if today were this day")
        parser.add_argument("--days-before", type=int, default=None)
        parser.add_argument("--base-url", default="")
        parser.add_argument(
            "--now", action="store_true", help="send now in this process instead of queueing"
        )

    def handle(self, *args, date=None, days_before=None, base_url="", now=False, **options):
        if days_before is not None and days_before < 0:
            raise CommandError("--days-before must be 0 or more")
        if now:
            sent = reminders.send(day=date, before=days_before, base_url=base_url)
            self.stdout.write(
                f"notices: {sent['notices']}, e-mails: {sent['emails']}, failed: {sent['failed']}"
            )
            return
        job = reminders.queue(day=date, before=days_before, base_url=base_url)
        self.stdout.write(f"queued job {job.pk}")
