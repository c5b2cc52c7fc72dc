"""Reads of background jobs, through the jobs policy."""

from django.http import Http404

from kiemdiem.jobs.models import Job
from kiemdiem.jobs.policies import visible_jobs
from kiemdiem.jobs.services import recover_interrupted


def job_list(user):
    recover_interrupted()  # a list never shows a dead job as running
    return visible_jobs(Job.objects.select_related("unit", "owner"), user)


def job_get(user, pk: int) -> Job:
    recover_interrupted()
    job = visible_jobs(Job.objects.select_related("unit", "owner"), user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
