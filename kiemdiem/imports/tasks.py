"""Running import steps in the background.

Small files run inline, in the request. Larger ones (over ``IMPORTS_INLINE_MAX_BYTES``,
default 256 KB) run in a worker thread of the same process, so no separate worker or broker
is needed; the page polls the job for progress. The commit is one database transaction: if
the process is killed, the database rolls it back and the job, left "running" with a progress
file that stops moving, is shown as interrupted (see ``ImportJob.progress``) and can be
uploaded again. Only IDs cross into the thread.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import connection
from django.utils import translation

from kiemdiem.imports import services
from kiemdiem.imports.models import ImportJob

log = logging.getLogger(__name__)


def _validate(job_id: int) -> None:
    services.import_validate(ImportJob.objects.get(pk=job_id))


def _commit(job_id: int, actor_id: int | None) -> None:
    from django.contrib.auth import get_user_model

    job = ImportJob.objects.get(pk=job_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    services.import_commit(job, actor)


def _in_thread(fn, *args) -> threading.Thread:
    language = translation.get_language()  # messages in the uploader's language

    def run():
        try:
            with translation.override(language):
                fn(*args)
        except Exception:  # recorded on the job by the services
            log.exception("import job %s failed", args[0])
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"import-{args[0]}", daemon=True)
    thread.start()
    return thread


def background(job: ImportJob) -> bool:
    limit = getattr(settings, "IMPORTS_INLINE_MAX_BYTES", 256 * 1024)
    try:
        return job.source_path.stat().st_size > limit
    except OSError:
        return False


def enqueue_validate(job: ImportJob) -> threading.Thread | None:
    """Check the file now (small files) or in a thread; returns the thread, if any."""
    if background(job):
        return _in_thread(_validate, job.pk)
    else:
        try:
            _validate(job.pk)
        except Exception:
            log.exception("import job %s failed", job.pk)
    return None


def enqueue_commit(job: ImportJob, actor) -> threading.Thread | None:
    actor_id = getattr(actor, "pk", None)
    if background(job):
        return _in_thread(_commit, job.pk, actor_id)
    else:
        try:
            _commit(job.pk, actor_id)
        except Exception:
            log.exception("import job %s failed", job.pk)
    return None
