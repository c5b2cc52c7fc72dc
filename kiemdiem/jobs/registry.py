"""The kinds of background job. Each app registers its own in ``AppConfig.ready()``.

A runner is a function ``run(context)`` that does the work, reports progress through the
context and raises ``JobRefused`` with a message for the user when the work cannot be done.

A kind whose work belongs to a record of its own app (an import's file) may also give:
``on_status(job)``, called when the queue changes the job's status outside a normal finish —
the run failed, its process died (interrupted), or it was queued again (retry) — so that
record can follow in the same moment; and ``link(job)``, the address of that record's page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from kiemdiem.jobs.models import Job
    from kiemdiem.jobs.runner import JobContext


@dataclass(frozen=True)
class JobKind:
    code: str
    label: Promise | str  # shown on the jobs page, in the viewer's language
    run: Callable[[JobContext], None]
    retryable: bool = True  # can be run again after a failure or an interruption
    on_status: Callable[[Job], None] | None = None
    link: Callable[[Job], str] | None = None


KINDS: dict[str, JobKind] = {}


def register(
    code: str,
    label: Promise | str,
    run: Callable,
    *,
    retryable: bool = True,
    on_status: Callable | None = None,
    link: Callable | None = None,
) -> None:
    if code in KINDS and KINDS[code].run is not run:
        raise ValueError(f"Job kind {code!r} registered twice")
    KINDS[code] = JobKind(code, label, run, retryable, on_status, link)


def kind_of(code: str) -> JobKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"Unknown job kind {code!r}") from None
