"""Live progress of running jobs, in the shared cache.

A job reports how far it is as it goes; the same call is its heartbeat. Every app server reads
the same cache (a file cache in var/ on one machine, Redis when several servers share the work:
``KIEMDIEM_CACHE_URL``), so the progress bar moves wherever the page is served from.
"""

from __future__ import annotations

import time

from django.core.cache import cache

KEEP_SECONDS = 24 * 3600


def _key(job_id: int) -> str:
    return f"kiemdiem:job:{job_id}"


def report(job_id: int, done: int, total: int, phase: str = "") -> None:
    cache.set(
        _key(job_id),
        {"done": done, "total": total, "phase": phase, "beat": time.time()},
        KEEP_SECONDS,
    )


def read(job_id: int) -> dict | None:
    return cache.get(_key(job_id))


def last_beat(job_id: int) -> float | None:
    data = read(job_id)
    return data["beat"] if data else None


def forget(job_id: int) -> None:
    cache.delete(_key(job_id))
