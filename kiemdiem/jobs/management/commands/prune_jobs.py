"""manage.py prune_jobs: delete finished jobs (and their result files) past their keeping date."""

from django.core.management.base import BaseCommand

from kiemdiem.jobs.services import jobs_prune


class Command(BaseCommand):
    help = "Delete finished background jobs past their keeping date, with their files."

    def handle(self, *args, **options):
        count = jobs_prune()
        if options["verbosity"]:
            self.stdout.write(f"{count} job(s) deleted")
