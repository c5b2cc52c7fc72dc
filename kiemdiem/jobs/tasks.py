"""The one task of the queue: run a job by its id (tasks carry ids, never model instances)."""

from django_tasks import task

from kiemdiem.jobs import services


@task()
def run_job(job_id: int) -> None:
    services.job_run(job_id)
