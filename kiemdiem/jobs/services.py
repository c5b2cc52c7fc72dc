"""Starting, running, retrying and recovering background jobs.

Lifecycle: queued → running → done | failed | interrupted. A job is queued in the same
transaction as the work that asks for it (the task row of the database queue is written in it
too), so either both exist or neither does. The worker claims a job with one conditional UPDATE,
so a task delivered twice runs once. A job whose process died (killed, machine restarted) is
found by ``recover_interrupted``: when the worker starts, and whenever jobs are listed.

A small job may run at once in the request that asks for it (``job_create`` then ``job_run``,
no queue): it is still a job — listed, with progress, recovered the same way if that process
dies.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from kiemdiem.jobs import progress
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.jobs.policies import JobPolicy
from kiemdiem.jobs.registry import KINDS, kind_of
from kiemdiem.jobs.runner import JobContext, JobRefused

log = logging.getLogger(__name__)

THIS_HOST = socket.gethostname()


def _keep_for() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "KIEMDIEM_JOB_KEEP_DAYS", 7))


def _stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "KIEMDIEM_JOB_STALE_SECONDS", 600))


def this_process() -> str:
    """``host:pid:start time`` of this process: after a restart a new process may get the
    dead one's pid, but not its start time."""
    pid = os.getpid()
    return f"{THIS_HOST}:{pid}:{_started(pid)}"


def _started(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux); "" where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, counted after "pid (name)"


def _alive(worker: str) -> bool | None:
    """Whether the process ``worker`` (``this_process()`` of some process) still runs; None
    when that cannot be known here (another machine, or no process recorded)."""
    host, _sep, rest = worker.partition(":")
    pid_text, _sep, started = rest.partition(":")
    if host != THIS_HOST or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, another user's
    return not started or _started(pid) in ("", started)  # else the pid was reused


def _notify(job: Job) -> None:
    """Tell the job's kind that the queue changed its status (``registry.on_status``)."""
    kind = KINDS.get(job.kind)
    if kind is None or kind.on_status is None:
        return
    try:
        with transaction.atomic():  # a savepoint: its failure leaves the caller's transaction
            kind.on_status(job)
    except Exception:  # the job's own status stands; the app's record is the app's problem
        log.exception("on_status of job %s (%s) failed", job.pk, job.kind)


def job_enqueue(job: Job) -> None:
    """Put a created job on the queue (in the caller's transaction: both or neither)."""
    from kiemdiem.jobs.tasks import run_job

    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def job_create(*, kind: str, owner, unit=None, params: dict | None = None, title: str = "") -> Job:
    """A queued job of a registered ``kind``, not yet on the queue: the caller links it to its
    own records, then puts it on the queue (``job_enqueue``) or runs it now (``job_run``)."""
    kind_of(kind)  # refuses an unknown kind now, not in the worker
    return Job.objects.create(
        kind=kind,
        owner=owner if getattr(owner, "pk", None) else None,
        unit=unit,
        params=params or {},
        title=title[:255],
        language=(translation.get_language() or settings.LANGUAGE_CODE).split("-")[0],
    )


@transaction.atomic
def job_start(*, kind: str, owner, unit=None, params: dict | None = None, title: str = "") -> Job:
    """Queue a job of a registered ``kind``; the worker runs it."""
    job = job_create(kind=kind, owner=owner, unit=unit, params=params, title=title)
    job_enqueue(job)
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
        job.refresh_from_db()
        _notify(job)  # before the queue can run it
        job_enqueue(job)
    job.refresh_from_db()
    return job


def job_run(job_id: int) -> None:
    """Run one job (called by the worker's task). Never raises: the outcome is on the job."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        worker=this_process(),
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
    if outcome["status"] == JobStatus.FAILED:
        job.refresh_from_db()
        _notify(job)


def recover_interrupted() -> int:
    """Mark as interrupted the running jobs whose process is gone.

    Gone: the process named in ``job.worker`` no longer runs on this machine (or its pid now
    belongs to another process); for a process that cannot be checked from here (another
    machine), no progress reported for ``KIEMDIEM_JOB_STALE_SECONDS``. Nothing needs undoing:
    a job's work is one transaction, which the database rolled back when the process died.
    """
    now = timezone.now()
    limit = _stale_after().total_seconds()
    gone = []
    for job in Job.objects.filter(status=JobStatus.RUNNING).only("pk", "worker", "started_at"):
        alive = _alive(job.worker)
        if alive is None:  # not known here: its silence tells
            beat = progress.last_beat(job.pk)
            alive = now.timestamp() - (beat or job.started_at.timestamp()) <= limit
        if not alive:
            gone.append(job.pk)
    marked = 0
    for pk in gone:
        # Only if still running: a job finishing at this moment keeps its outcome.
        if Job.objects.filter(pk=pk, status=JobStatus.RUNNING).update(
            status=JobStatus.INTERRUPTED,
            finished_at=now,
            expires_at=now + _keep_for(),
            error={
                "msg": gettext_noop(
                    "The job was interrupted (its process stopped); nothing it was doing was "
                    "saved. Run it again."
                )
            },
        ):
            marked += 1
            progress.forget(pk)
            log.warning("background job %s interrupted", pk)
            _notify(Job.objects.get(pk=pk))
    return marked


def jobs_prune() -> int:
    """Delete finished jobs past their keeping date, with their files."""
    import shutil

    expired = list(Job.objects.filter(expires_at__lt=timezone.now()))
    for job in expired:
        shutil.rmtree(job.folder, ignore_errors=True)
    Job.objects.filter(pk__in=[j.pk for j in expired]).delete()
    return len(expired)
