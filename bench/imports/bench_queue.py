"""Benchmark: a 100,000-person import through the background queue, followed from another
process.

    .venv/bin/python bench/imports/bench_queue.py [--rows 100000] [--db postgres|sqlite]

A scratch database (PostgreSQL: ``kiemdiem_bench_queue`` on 127.0.0.1, dropped at the end) is
migrated and given the province and workbook of ``bench_import.py``. Then three processes:

- the **worker**: ``manage.py run_worker``, as ``bin/demo`` and the systemd unit start it;
- the **app**: another process, as an app server would be. It stores the upload and queues its
  check (``imports.tasks.enqueue_validate``: the file is large, so it goes to the queue), reads
  the import's progress every 0.5 s through the same selectors the pages use (the import
  through the permission door, its progress from the job in the shared cache), confirms when
  the check is done (``enqueue_commit``) and follows the commit to the end;
- this script, which starts both, records the app's samples, and stops the worker with
  SIGTERM at the end, as systemd would.

Printed: the samples (seconds since the upload, import status, rows done / total, percent),
the time each step waited for the worker and ran, and the worker's peak memory (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import PYTHON, ROOT, counts, machine, run  # noqa: E402

PG_URL = "postgres://postgres@127.0.0.1:5432/kiemdiem_bench_queue"
FINAL = {"ready", "invalid", "done", "failed", "interrupted"}


def app(path: str) -> None:
    """The second app process: upload, queue, follow, confirm, follow (JSON lines out)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from kiemdiem.imports import selectors, services, tasks
    from kiemdiem.jobs.models import Job
    from kiemdiem.orgtree.models import Unit

    user = get_user_model().objects.get(username="bench")
    start = time.perf_counter()

    def say(**data):
        print(
            json.dumps({"t": round(time.perf_counter() - start, 2), **data}, ensure_ascii=False),
            flush=True,
        )

    def follow() -> str:
        last = None
        while True:
            job = selectors.job_get(user, pk)  # as the import's page reads it
            progress = job.progress()  # the step's job, live from the shared cache
            step = job.task.status if job.task else ""
            sample = (job.status, progress["done"], progress["total"], step)
            if sample != last:
                say(
                    status=job.status,
                    done=progress["done"],
                    total=progress["total"],
                    percent=progress["percent"],
                    step=step,
                )
                last = sample
            # The import's "done" is committed with its data; its job ends just after
            # (ANALYZE of the people tables): the step is over when both are.
            if job.status in FINAL and (job.task is None or job.task.is_finished):
                return job.status
            time.sleep(0.5)

    with open(path, "rb") as handle:
        job = services.job_create(
            user=user,
            unit=Unit.objects.get(code="T"),
            kind="people",
            filename=Path(path).name,
            chunks=iter(lambda: handle.read(1 << 20), b""),
        )
    pk = job.pk
    tasks.enqueue_validate(job, user)
    say(event="check queued", import_id=pk, status=job.status)
    if follow() != "ready":
        say(event="check did not end ready")
        return
    tasks.enqueue_commit(job, user)
    say(event="confirmed", status=job.status)
    status = follow()
    job = selectors.job_get(user, pk)
    steps = {
        j.kind: {
            "queued_s": round((j.started_at - j.created_at).total_seconds(), 2),
            "ran_s": round((j.finished_at - j.started_at).total_seconds(), 2),
            "worker": j.worker,
            "messages": j.messages(),
        }
        for j in Job.objects.filter(params__import=pk)
    }
    say(event="end", status=status, created=job.created, steps=steps)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--app", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.app:
        app(args.app)
        return
    var = tempfile.mkdtemp(prefix="kiemdiem_bench_queue_")
    # Both processes share var/ (the uploads and the file cache that carries the progress).
    env = {**os.environ, "KIEMDIEM_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    if args.db == "postgres":
        import psycopg

        env["DATABASE_URL"] = PG_URL
        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "kiemdiem_bench_queue"')
            conn.execute('CREATE DATABASE "kiemdiem_bench_queue"')
    else:
        env.pop("DATABASE_URL", None)
    print(machine())
    print(f"database: {args.db}; rows: {args.rows:,}; var: {var}")
    print("load average at the start: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    worker = None
    try:
        run(["manage.py", "migrate", "-v0"], env)
        path = str(Path(var) / "people.xlsx")
        run(
            [
                str(Path(__file__).parent / "bench_import.py"),
                "--seed",
                path,
                "--rows",
                str(args.rows),
            ],
            env,
        )
        print(f"workbook: {Path(path).stat().st_size / 1e6:.1f} MB")
        worker = subprocess.Popen([PYTHON, "manage.py", "run_worker"], env=env, cwd=ROOT)
        end = None
        with subprocess.Popen(
            [PYTHON, __file__, "--app", path], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        ) as proc:
            for line in proc.stdout:
                print("   ", line.rstrip())
                data = json.loads(line)
                if data.get("event") == "end":
                    end = data
        rss = peak_rss_mib(worker.pid)
        worker.send_signal(signal.SIGTERM)  # as systemctl stop: finish, then exit
        stop = time.perf_counter()
        code = worker.wait(60)
        print(f"worker stopped by SIGTERM in {time.perf_counter() - stop:.1f} s (exit {code})")
        worker = None
        print(f"worker peak RSS {rss:.0f} MiB")
        if end:
            print(f"upload stored → imported, as the app process saw it: {end['t']:.1f} s")
            for kind, step in end["steps"].items():
                print(f"    {kind}: waited {step['queued_s']} s, ran {step['ran_s']} s")
        print("counts (people, affiliations, audit entries):", counts(env))
        print("load average at the end: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        if worker is not None:
            worker.kill()
            worker.wait()
        if args.db == "postgres":
            import psycopg

            with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "kiemdiem_bench_queue" WITH (FORCE)')


if __name__ == "__main__":
    main()
