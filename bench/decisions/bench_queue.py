"""Benchmark: the decider's queue on the home page, for a province-level decider.

Loads the demo province with its two cycles (last year's closed, this year's half-way: many
subjects waiting for a decision) into a scratch database (re-created), then times
``decisions.selectors.queue`` for the demo's province decider (``quyetdinh``) and the whole
home page through the Django test client (server time, rendering included), and counts the
queries of each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kiemdiem_bench_decisions \\
        .venv/bin/python bench/decisions/bench_queue.py --scale 5
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "orgtree"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def timed(call, runs=7):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        parser.error("set DATABASE_URL=postgres://…/<scratch database> (it is re-created)")
    from bench_tree import reset_database  # the orgtree benchmark's helper

    if not args.reuse:
        reset_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.accounts.models import User
    from kiemdiem.cycles.models import Subject, SubjectStatus
    from kiemdiem.decisions.selectors import queue
    from kiemdiem.demo import generator

    call_command("migrate", verbosity=0)
    if not args.reuse:
        t0 = time.perf_counter()
        generator.generate(scale=args.scale, seed=2026)
        print(f"demo at scale {args.scale} loaded in {time.perf_counter() - t0:.0f} s")
    print(
        f"database: {connection.vendor}; subjects {Subject.objects.count():,}, pending "
        f"{Subject.objects.filter(status=SubjectStatus.PENDING).count():,}"
    )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    connection.queries_log.clear()
    user = User.objects.get(username="quyetdinh")
    groups = queue(user)
    print(f"queue of quyetdinh: {len(groups)} groups, {sum(g.count for g in groups):,} subjects")
    with CaptureQueriesContext(connection) as queries:
        queue(user)
    median, best = timed(lambda: queue(user))
    print(f"queue(): {len(queries)} queries, median {median:.0f} ms (best {best:.0f} ms)")
    client = Client()
    client.force_login(user)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    median, best = timed(lambda: client.get("/"))
    print(f"home page: {len(queries)} queries, median {median:.0f} ms (best {best:.0f} ms)")


if __name__ == "__main__":
    main()
