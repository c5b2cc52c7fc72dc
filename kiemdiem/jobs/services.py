"""Starting, running, retrying and recovering background jobs.

Lifecycle: queued → running → done | failed | interrupted. A job is queued in the same
transaction as the work that asks for it (the task row of the database queue is written in it
too), so either both exist or neither does. The worker claims a job with one conditional UPDATE,
so a task delivered twice runs once. A job whose process died (killed, machine restarted) is
found by ``recover_interrupted``: when the worker starts, and whenever jobs are listed.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from kiemdiem.jobs import progress
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.jobs.policies import JobPolicy
from kiemdiem.jobs.registry import kind_of
from kiemdiem.jobs.runner import JobContext, JobRefused

log = logging.getLogger(__name__)

THIS_HOST = socket.gethostname()


def _keep_for() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "KIEMDIEM_JOB_KEEP_DAYS", 7))


def _stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "KIEMDIEM_JOB_STALE_SECONDS", 600))


def _enqueue(job: Job) -> None:
    from kiemdiem.jobs.tasks import run_job

    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


@transaction.atomic
def job_start(*, kind: str, owner, unit=None, params: dict | None = None, title: str = "") -> Job:
    """Queue a job of a registered ``kind``; the worker runs it."""
    kind_of(kind)  # refuses an unknown kind now, not in the worker
    job = Job.objects.create(
        kind=kind,
        owner=owner if getattr(owner, "pk", None) else None,
        unit=unit,
        params=params or {},
        title=title[:255],
        language=(translation.get_language() or settings.LANGUAGE_CODE).split("-")[0],
    )
    _enqueue(job)
    job.refresh_from_db()
    return job


@transaction.atomic
def job_retry(*, job: Job, actor) -> Job:
    """Run a failed or interrupted job again, from the start."""
    if not JobPolicy(actor, job).may_retry:
        raise PermissionDenied
    claimed = Job.objects.filter(
        pk=job.pk, status__in=[JobStatus.FAILED, JobStatus.INTERRUPTED]
    ).update(
        status=JobStatus.QUEUED,
        done=0,
        total=0,
        log=[],
        error={},
        result_name="",
        worker="",
        started_at=None,
        finished_at=None,
        expires_at=None,
    )
    if claimed:  # two clicks on "retry" queue it once
        _enqueue(job)
    job.refresh_from_db()
    return job


def job_run(job_id: int) -> None:
    """Run one job (called by the worker's task). Never raises: the outcome is on the job."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        worker=f"{THIS_HOST}:{os.getpid()}",
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return  # already run, or retried and claimed by another delivery
    job = Job.objects.get(pk=job_id)
    context = JobContext(job)
    progress.report(job.pk, 0, 0, "")
    outcome: dict = {"status": JobStatus.DONE, "error": {}}
    try:
        with translation.override(job.language):
            kind_of(job.kind).run(context)
    except JobRefused as refused:
        outcome = {
            "status": JobStatus.FAILED,
            "error": {"msg": refused.msg, "params": refused.params},
        }
    except Exception:
        log.exception("background job %s (%s) failed", job.pk, job.kind)
        outcome = {
            "status": JobStatus.FAILED,
            "error": {
                "msg": gettext_noop(
                    "An unexpected error stopped the job; nothing it was doing was saved. "
                    "The system administrator can find the details in the server log."
                )
            },
        }
    finished = timezone.now()
    # Also over "interrupted": a job that was silent too long but did finish, finished.
    Job.objects.filter(pk=job_id, status__in=[JobStatus.RUNNING, JobStatus.INTERRUPTED]).update(
        done=job.done,
        total=job.total,
        log=job.log,
        result_name=job.result_name if outcome["status"] == JobStatus.DONE else "",
        finished_at=finished,
        expires_at=finished + _keep_for(),
        **outcome,
    )
    progress.forget(job_id)


def _process_gone(worker: str) -> bool:
    host, _sep, pid = worker.rpartition(":")
    if host != THIS_HOST or not pid.isdigit():
        return False  # another machine's process: only its silence tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_interrupted() -> int:
    """Mark running jobs whose process is gone, or silent for too long, as interrupted."""
    now = timezone.now()
    limit = _stale_after().total_seconds()
    gone = []
    for job in Job.objects.filter(status=JobStatus.RUNNING).only("pk", "worker", "started_at"):
        beat = progress.last_beat(job.pk)
        silent_for = now.timestamp() - (beat or job.started_at.timestamp())
        if _process_gone(job.worker) or silent_for > limit:
            gone.append(job.pk)
    if not gone:
        return 0
    marked = Job.objects.filter(pk__in=gone, status=JobStatus.RUNNING).update(
        status=JobStatus.INTERRUPTED,
        finished_at=now,
        expires_at=now + _keep_for(),
        error={
            "msg": gettext_noop(
                "The job was interrupted (its process stopped); nothing it was doing was "
                "saved. Run it again."
            )
        },
    )
    for pk in gone:
        progress.forget(pk)
    return marked


def jobs_prune() -> int:
    """Delete finished jobs past their keeping date, with their files."""
    import shutil

    expired = list(Job.objects.filter(expires_at__lt=timezone.now()))
    for job in expired:
        shutil.rmtree(job.folder, ignore_errors=True)
    Job.objects.filter(pk__in=[j.pk for j in expired]).delete()
    return len(expired)
