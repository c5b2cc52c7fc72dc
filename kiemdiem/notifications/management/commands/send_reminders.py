"""Daily reminders of review deadlines (in-app notices and e-mail). Safe to run again."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.notifications import reminders


def _date(text: str) -> datetime.date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CommandError(f"Not a date: {text!r} (use dd/mm/yyyy)")


class Command(BaseCommand):
    help = (
        "Remind people of self-reviews due soon or overdue, and send staff a digest of what "
        "is overdue in their units. Run once a day; a second run the same day sends nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, help="act as if today were this day (dd/mm/yyyy)")
        parser.add_argument(
            "--days-before",
            type=int,
            default=None,
            help="remind this many days before the due date "
            "(default: settings.KIEMDIEM_REMINDER_DAYS_BEFORE, 3)",
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="prefix for links in e-mails, e.g. https://kiemdiem.example.gov.vn "
            "(default: settings.KIEMDIEM_BASE_URL)",
        )

    def handle(self, *args, date=None, days_before=None, base_url="", **options):
        before = reminders.days_before() if days_before is None else days_before
        if before < 0:
            raise CommandError("--days-before must be 0 or more")
        sent = reminders.send_reminders(day=date, before=before, base_url=base_url)
        self.stdout.write(
            f"notices: {sent.notices}, e-mails: {sent.emails}, digests: {sent.digests}, "
            f"failed e-mails: {sent.failed}"
        )
