"""Benchmark: many writers autosaving different self-reviews of one cycle at the same time.

Loads the demo province (small scale) into a scratch database (re-created), takes 50 reviews of
the running cycle — starting drafts where needed — and has 50 threads, one database connection
each, autosave them through the real service (``reviews.services.review_save``: locks, content
check, engine evaluation, audit-free draft write, commit). Service level, not HTTP: what is
timed is the write path whose locks the issue is about; the page adds rendering on top.

Two load shapes:

* ``burst``: every round, the 50 writers save at the same instant (a barrier), ``--rounds``
  times — the worst case for locking;
* ``paced``: each writer saves every ``--interval`` seconds (± 30 %), as the page does a moment
  after the writer stops typing, for ``--seconds``.

``--processes N`` spreads the writers over N forked processes, as gunicorn's worker processes
spread requests in production (5 on a 2-core machine); the burst barrier spans them all.

``--old-locks`` swaps in the lock the services used before (``select_for_update()`` over the
join review → subject → cycle, which locked the cycle row too), for comparison.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kiemdiem_bench_reviews \\
        .venv/bin/python bench/reviews/concurrent_autosave.py [--old-locks] [--reuse] [--processes 5]

Target (issue): 50 concurrent autosaves of different reviews in one cycle, p95 < 200 ms.
"""

import argparse
import multiprocessing
import os
import queue
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "orgtree"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

WRITERS = 50


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(label, times):
    print(
        f"{label:<34} n={len(times):4d}  p50 {statistics.median(times):7.1f} ms"
        f"  p95 {percentile(times, 0.95):7.1f} ms  max {max(times):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded database")
    parser.add_argument("--old-locks", action="store_true", help="the lock used before the fix")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--interval", type=float, default=1.5)
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="spread the writers over this many processes, as gunicorn's workers spread requests",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        parser.error("set DATABASE_URL=postgres://…/<scratch database> (it is re-created)")
    from bench_tree import reset_database  # the orgtree benchmark's helper

    if not args.reuse:
        reset_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from kiemdiem.cycles.models import CycleStatus, Subject, SubjectStatus
    from kiemdiem.reviews import services
    from kiemdiem.reviews.models import ReviewStatus, SelfReview

    call_command("migrate", verbosity=0)
    if not args.reuse:
        started = time.perf_counter()
        call_command("load_demo", scale=args.scale, no_logins=True, verbosity=0)
        print(f"demo province loaded in {time.perf_counter() - started:.0f} s")

    cycle_id = Subject.objects.filter(cycle__status=CycleStatus.OPEN).values("cycle_id")[:1]
    drafts = list(
        SelfReview.objects.filter(
            subject__cycle_id__in=cycle_id,
            status=ReviewStatus.DRAFT,
            subject__tier="",
            subject__person__isnull=False,
        ).order_by("pk")[:WRITERS]
    )
    if len(drafts) < WRITERS:
        fresh = Subject.objects.filter(
            cycle_id__in=cycle_id,
            status=SubjectStatus.PENDING,
            review__isnull=True,
            person__isnull=False,
        )[: WRITERS - len(drafts)]
        drafts += [services.review_start(subject=s, actor=None) for s in fresh]
    assert len(drafts) == WRITERS, f"only {len(drafts)} writable reviews in the open cycle"
    print(
        f"{WRITERS} writers, {WRITERS} different reviews of one cycle"
        f" ({'old' if args.old_locks else 'new'} locks, {args.processes} process(es))"
    )

    if args.old_locks:
        from kiemdiem.cycles.services import check_open

        def old_lock(review):
            locked = (
                SelfReview.objects.select_for_update()
                .select_related("subject__cycle", "subject__unit")
                .get(pk=review.pk)
            )
            check_open(locked.subject.cycle)
            return locked

        services._lock_review = old_lock

    # How many writers wait on a lock at any moment, seen by the database itself (CPU waits
    # of this one process and of the busy machine do not count), sampled every 10 ms.
    lock_waits: list[int] = []
    sampling = threading.Event()

    def sample():
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            conn.autocommit = True
            while not sampling.is_set():
                lock_waits.append(
                    conn.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    ).fetchone()[0]
                )
                time.sleep(0.01)

    contents = {r.pk: dict(r.content) for r in drafts}

    def save(review, n):
        content = {**contents[review.pk], "tu_tuong": f"Đoạn viết thêm lần {n}. " * 20}
        start = time.perf_counter()
        services.review_save(
            review=review, content=content, proposed_tier=review.proposed_tier, actor=None
        )
        return (time.perf_counter() - start) * 1000

    def run(shape, reviews, barrier, results):
        """Each review's writer in its own thread of this process; times go to ``results``."""
        times, errors = [], []
        lock = threading.Lock()

        def writer(review):
            rng = random.Random(review.pk)
            try:
                if shape == "burst":
                    for n in range(args.rounds):
                        barrier.wait()
                        took = save(review, n)
                        with lock:
                            times.append(took)
                else:
                    barrier.wait()
                    time.sleep(rng.uniform(0, args.interval))
                    end, n = time.monotonic() + args.seconds, 0
                    while time.monotonic() < end:
                        took = save(review, n)
                        with lock:
                            times.append(took)
                        n += 1
                        time.sleep(args.interval * rng.uniform(0.7, 1.3))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))
                barrier.abort()
            finally:
                connections.close_all()

        threads = [threading.Thread(target=writer, args=(r,)) for r in reviews]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results.put((times, errors))

    def run_all(shape):
        """The writers in one process (threads) or spread over ``--processes`` forked ones."""
        if args.processes == 1:
            results = queue.Queue()
            run(shape, drafts, threading.Barrier(WRITERS), results)
            times, errors = results.get()
        else:
            forks = multiprocessing.get_context("fork")
            barrier, results = forks.Barrier(WRITERS), forks.Queue()
            connections.close_all()  # each process opens its own
            workers = [
                forks.Process(
                    target=run, args=(shape, drafts[i :: args.processes], barrier, results)
                )
                for i in range(args.processes)
            ]
            for w in workers:
                w.start()
            times, errors = [], []
            for _ in workers:
                got, failed = results.get()
                times += got
                errors += failed
            for w in workers:
                w.join()
        assert not errors, errors[:3]
        return times

    save(drafts[0], -1)  # warm up: imports, the pinned pack
    # The cost of one save to the app process, apart from any waiting: the CPU time of 50 saves
    # one after another (best of three rounds, so a busy machine weighs less).
    rounds = []
    for n in range(3):
        cpu = time.process_time()
        for review in drafts:
            save(review, 1000 + n)
        rounds.append((time.process_time() - cpu) * 1000 / WRITERS)
    print(f"{'serial: CPU per save':<34} best {min(rounds):.1f} ms of {len(rounds)} rounds")
    for shape, label in [
        ("burst", f"burst ({args.rounds} rounds of {WRITERS})"),
        ("paced", f"paced (every {args.interval} s, {args.seconds:.0f} s)"),
    ]:
        lock_waits.clear()
        sampling.clear()
        sampler = threading.Thread(target=sample)
        sampler.start()
        times = run_all(shape)
        sampling.set()
        sampler.join()
        report(label, times)
        waiting = sum(1 for n in lock_waits if n)
        print(
            f"  writers waiting on a row lock: max {max(lock_waits)}, mean"
            f" {statistics.mean(lock_waits):.2f}; in {waiting} of {len(lock_waits)} samples"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
