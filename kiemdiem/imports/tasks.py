"""Import steps as background jobs: checking a file (``imports.validate``) and importing it
(``imports.commit``).

Each step is a job of the queue (``kiemdiem.jobs``), linked from the import (``ImportJob.task``)
and run by the worker (``manage.py run_worker``). Small files (up to ``IMPORTS_INLINE_MAX_BYTES``,
default 256 KB) run at once in the request, as a job all the same: the user sees the result
without waiting, and the step is listed, followed and recovered like any other. Progress goes
through the job to the shared cache, so every app server shows it. The commit is one database
transaction: if its process dies, the database rolls it back, the job is found interrupted and
the import follows it (``_follow``); the user runs it again or uploads the file again. Jobs
carry the import's id, never model instances.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from kiemdiem.imports import policies, services
from kiemdiem.imports.models import ACTIVE, ImportJob, JobStatus
from kiemdiem.jobs import registry
from kiemdiem.jobs import services as jobs
from kiemdiem.jobs.models import Job
from kiemdiem.jobs.models import JobStatus as QueueStatus
from kiemdiem.jobs.runner import JobContext, JobRefused

VALIDATE = "imports.validate"
COMMIT = "imports.commit"

# What the import waits in while its step is on the queue.
WAITING = {VALIDATE: JobStatus.QUEUED, COMMIT: JobStatus.CONFIRMED}


def background(job: ImportJob) -> bool:
    limit = getattr(settings, "IMPORTS_INLINE_MAX_BYTES", 256 * 1024)
    try:
        return job.source_path.stat().st_size > limit
    except OSError:
        return False


def _start(job: ImportJob, kind: str, actor, *, waiting_in) -> Job | None:
    """A job for the import's next step, if the import is ``waiting_in`` one of these
    statuses: on the queue, or run now for a small file. None when it is not (already taken:
    a second click, or a second user): nothing is started then."""
    inline = not background(job)
    with transaction.atomic():
        taken = ImportJob.objects.filter(pk=job.pk, status__in=waiting_in).update(
            status=WAITING[kind]
        )
        if not taken:
            return None
        step = jobs.job_create(
            kind=kind,
            owner=actor,
            unit=job.unit,
            params={"import": job.pk},
            title=job.original_name,
        )
        ImportJob.objects.filter(pk=job.pk).update(task=step)
        if not inline:
            jobs.job_enqueue(step)
    if inline:  # after the transaction: the step's own writes are its own
        jobs.job_run(step.pk)
    job.refresh_from_db()
    step.refresh_from_db()
    return step


def enqueue_validate(job: ImportJob, actor=None) -> Job | None:
    """Check an uploaded file: now (small files) or on the queue."""
    actor = actor if actor is not None else job.created_by
    return _start(job, VALIDATE, actor, waiting_in=[JobStatus.QUEUED])


def enqueue_commit(job: ImportJob, actor) -> Job | None:
    """Import a checked file: now (small files) or on the queue; None if it is not ready."""
    return _start(job, COMMIT, actor, waiting_in=[JobStatus.READY])


# --- the runners (in the worker, or in the request for small files) -------------------------


def _import_of(context: JobContext, statuses) -> ImportJob:
    """The import this job is the current step of, waiting for it; else the job is refused."""
    job = (
        ImportJob.objects.select_related("unit", "created_by")
        .filter(pk=context.params.get("import"), task=context.job.pk, status__in=statuses)
        .first()
    )
    if job is None:
        raise JobRefused(gettext_noop("The file is no longer waiting for this step."))
    return job


def _validate(context: JobContext) -> None:
    job = _import_of(context, [JobStatus.QUEUED])
    try:
        services.import_validate(job, progress=context.progress)
    except Exception:
        if job.status != JobStatus.FAILED:
            raise  # not the file's fault: the queue logs it
        # The import says why, in words (services._failure_text); the job says where.
        raise JobRefused(
            gettext_noop("The file could not be checked; nothing was imported.")
        ) from None
    context.note(
        gettext_noop("%(rows)s rows checked: %(errors)s errors, %(warnings)s warnings."),
        rows=job.total,
        errors=job.error_count,
        warnings=job.warning_count,
    )


def _commit(context: JobContext) -> None:
    job = _import_of(context, [JobStatus.CONFIRMED])
    actor = context.job.owner
    # Whoever confirmed must still be allowed to change the scope when the worker gets to it.
    if actor is None or not policies.ImportPolicy(actor, job).may_commit:
        # Back to "checked": someone who may still import there can confirm it.
        ImportJob.objects.filter(pk=job.pk, status=JobStatus.CONFIRMED).update(
            status=JobStatus.READY
        )
        raise JobRefused(gettext_noop("You may no longer import into this unit."))
    try:
        services.import_commit(job, actor, progress=context.progress)
    except Exception:
        if job.status != JobStatus.FAILED:
            raise  # not the file's fault: the queue logs it
        raise JobRefused(gettext_noop("The import failed and nothing was written.")) from None
    context.note(
        gettext_noop("%(created)s created, %(updated)s updated, %(unchanged)s unchanged."),
        created=job.created,
        updated=job.updated,
        unchanged=job.unchanged,
    )


def _follow(step: Job) -> None:
    """The import follows its step's job when the queue changes it (``registry.on_status``)."""
    mine = ImportJob.objects.filter(task=step.pk)
    now = timezone.now()
    if step.status == QueueStatus.INTERRUPTED:
        mine.filter(status__in=ACTIVE).update(status=JobStatus.INTERRUPTED, finished_at=now)
    elif step.status == QueueStatus.FAILED:  # failed before the import could say why
        with translation.override(step.language):
            failure = step.error_message()
        mine.filter(status__in=ACTIVE).update(
            status=JobStatus.FAILED, failure=failure[:2000], finished_at=now
        )
    elif step.status == QueueStatus.QUEUED:  # run again: it waits for the queue once more
        mine.filter(status__in=[JobStatus.INTERRUPTED, JobStatus.FAILED]).update(
            status=WAITING[step.kind], failure="", finished_at=None
        )


def _page(step: Job) -> str:
    pk = step.params.get("import")
    return reverse("import-job", args=[pk]) if pk else ""


def register() -> None:
    for kind, label, run in (
        (VALIDATE, _("Check an import file"), _validate),
        (COMMIT, _("Import a checked file"), _commit),
    ):
        registry.register(kind, label, run, on_status=_follow, link=_page)
