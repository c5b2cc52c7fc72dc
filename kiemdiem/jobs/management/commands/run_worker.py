"""manage.py run_worker: the background worker (the database queue's ``db_worker``).

Before it takes work it marks the jobs whose process died as interrupted, so a restart after a
crash never leaves a job "running" forever. Options are passed on to ``db_worker``.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from kiemdiem.jobs.services import recover_interrupted


class Command(BaseCommand):
    help = "Run the background worker (marks jobs of dead processes interrupted first)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None)

    def handle(self, *args, batch, max_tasks, **options):
        count = recover_interrupted()
        if count and options["verbosity"]:
            self.stdout.write(f"{count} interrupted job(s) marked")
        if not isinstance(task_backends["default"], DatabaseBackend):
            return  # jobs run where they are queued (the tests' backend): no queue to serve
        worker_args = ["--no-reload", "--no-startup-delay"]
        if batch:
            worker_args.append("--batch")
        if max_tasks:
            worker_args += ["--max-tasks", str(max_tasks)]
        call_command("db_worker", *worker_args, verbosity=options["verbosity"])
