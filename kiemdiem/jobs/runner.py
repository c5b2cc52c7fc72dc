"""What a running job sees: its parameters, a way to report progress, notes and a result file."""

from __future__ import annotations

import time
from pathlib import Path

from kiemdiem.jobs import progress
from kiemdiem.jobs.models import Job


class JobRefused(Exception):
    """The work cannot be done; ``msg`` (a msgid) and ``params`` are shown to the user."""

    def __init__(self, msg: str, **params):
        super().__init__(msg % params if params else msg)
        self.msg = msg
        self.params = params


class JobContext:
    # Progress is written at most this often: a cache write per row would cost more than the row.
    REPORT_EVERY = 0.5

    def __init__(self, job: Job):
        self.job = job
        self._reported = 0.0

    @property
    def params(self) -> dict:
        return self.job.params

    def progress(self, done: int, total: int, phase: str = "") -> None:
        now = time.monotonic()
        if done < total and now - self._reported < self.REPORT_EVERY:
            return
        self._reported = now
        progress.report(self.job.pk, done, total, phase)
        self.job.done, self.job.total = done, total

    def note(self, msg: str, **params) -> None:
        """A line for the job's log (a msgid marked with gettext_noop, and its parameters)."""
        self.job.log.append({"msg": msg, "params": params})

    def result_file(self, name: str) -> Path:
        """Where to write the job's result; it is offered for download when the job is done."""
        self.job.folder.mkdir(parents=True, exist_ok=True)
        self.job.result_name = name
        return self.job.folder / name
