"""manage.py recover_imports — mark interrupted the import jobs whose process died.

Run before the server starts (bin/demo does): a job left "checking" or "importing" by a
process that was killed, ran out of memory or was restarted is shown as interrupted, with a
way to upload the file again, instead of progress that never moves.
"""

from django.core.management.base import BaseCommand

from kiemdiem.imports import services


class Command(BaseCommand):
    help = "Mark interrupted the import jobs whose process is gone."

    def handle(self, *args, **options):
        marked = services.jobs_recover()
        if options["verbosity"]:
            self.stdout.write(f"{marked} import job(s) marked interrupted")
