"""The kinds of background job. Each app registers its own in ``AppConfig.ready()``.

A runner is a function ``run(context)`` that does the work, reports progress through the
context and raises ``JobRefused`` with a message for the user when the work cannot be done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from kiemdiem.jobs.runner import JobContext


@dataclass(frozen=True)
class JobKind:
    code: str
    label: Promise | str  # shown on the jobs page, in the viewer's language
    run: Callable[[JobContext], None]
    retryable: bool = True  # can be run again after a failure or an interruption


KINDS: dict[str, JobKind] = {}


def register(code: str, label: Promise | str, run: Callable, *, retryable: bool = True) -> None:
    if code in KINDS and KINDS[code].run is not run:
        raise ValueError(f"Job kind {code!r} registered twice")
    KINDS[code] = JobKind(code, label, run, retryable)


def kind_of(code: str) -> JobKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValueError(f"Unknown job kind {code!r}") from None
