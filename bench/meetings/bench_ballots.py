"""Benchmark: 2,000 secret ballots across 100 meetings in the same minute.

Builds 100 cells of 20 official members (one commune), an annual cycle, and one review meeting
per cell — open, every member checked in, a secret ballot open on its last subject — then has
``--threads`` workers cast every member's vote (``meetings.services.ballot_cast``, each on its
own connection, in a shuffled order across meetings), closes the 100 ballots, and checks that
no vote was lost or duplicated. Prints the wall time and the per-vote latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_meetings_bench \\
        .venv/bin/python bench/meetings/bench_ballots.py [--meetings 100 --members 20 --threads 8]

The database named in DATABASE_URL is dropped and re-created.
"""

import argparse
import datetime
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

from bench_tree import reset_database  # noqa: E402

D = datetime.date
GIVEN = "An Bình Chi Dũng Giang Hà Hải Hùng Khánh Lan Long Mai Minh Nam Nga Phúc Quang Sơn Tâm Yến".split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="cast from this many processes (as gunicorn's workers would) instead of threads",
    )
    args = parser.parse_args()
    reset_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from kiemdiem.accounts.models import User
    from kiemdiem.cycles import services as cycles
    from kiemdiem.cycles import subjects
    from kiemdiem.meetings import services as meetings
    from kiemdiem.meetings.models import OptionCount, Question, Voter
    from kiemdiem.orgtree import services as tree
    from kiemdiem.people import services as people

    start = time.perf_counter()
    root = tree.unit_create(
        code="XB",
        name="Đảng bộ xã Thử",
        kind="dang_bo_xa",
        parent=None,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    cells = [
        tree.unit_create(
            code=f"XB{i:03d}",
            name=f"Chi bộ {i:03d}",
            kind="chi_bo_truc_thuoc",
            parent=root,
            valid_from=D(2020, 1, 1),
            actor=None,
        )
        for i in range(args.meetings)
    ]
    users_of: dict[int, list] = {}
    for cell in cells:
        users = []
        for j in range(args.members):
            person = people.person_create(
                family_name="Nguyễn",
                middle_name=GIVEN[(j // 20) % 20],
                given_name=GIVEN[j % 20],
                actor=None,
            )
            people.member_admit(
                person=person, admitted_on=D(2010, 1, 1), official_on=D(2011, 1, 1), actor=None
            )
            people.affiliation_start(
                person=person, unit=cell, kind="cell", valid_from=D(2020, 1, 1), actor=None
            )
            users.append(User(username=f"u{cell.pk}_{j}", person=person))
        User.objects.bulk_create(users)  # no password: the bench casts through the service
        users_of[cell.pk] = list(
            User.objects.select_related("person").filter(username__startswith=f"u{cell.pk}_")
        )
    cycle = cycles.cycle_open(
        code="KD2025",
        name="Kiểm điểm 2025",
        kind="annual",
        year=2025,
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        root=root,
        stages=[],
        actor=None,
    )
    subjects.subjects_generate(cycle=cycle, actor=None)
    questions = []
    for cell in cells:
        meeting = meetings.meeting_schedule(
            cycle=cycle, unit=cell, starts_at=timezone.now(), place="Hội trường", actor=None
        )
        meeting = meetings.meeting_open(meeting=meeting, actor=None)
        for row in meeting.roll.all():
            meetings.attendance_record(attendance=row, presence="present", actor=None)
        item = meeting.agenda.order_by("position").last()
        questions.append((meetings.ballot_open(item=item, actor=None), users_of[cell.pk]))
    print(
        f"scene: {args.meetings} meetings × {args.members} members in {time.perf_counter() - start:.1f} s"
    )

    rng = random.Random(13)
    jobs = [(q, u, rng.choice(q.options)) for q, users in questions for u in users]
    rng.shuffle(jobs)
    expected: dict[tuple[int, str], int] = {}
    for q, _u, option in jobs:
        expected[(q.pk, option)] = expected.get((q.pk, option), 0) + 1
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    latencies: list[float] = []
    errors: list = []
    lock = threading.Lock()

    def worker():
        try:
            while True:
                try:
                    q, user, option = work.get_nowait()
                except queue.Empty:
                    return
                t0 = time.perf_counter()
                try:
                    meetings.ballot_cast(question=q, option=option, actor=user)
                except Exception as error:  # noqa: BLE001 - counted and printed
                    with lock:
                        errors.append(repr(error))
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
        finally:
            connections.close_all()

    t0 = time.perf_counter()
    if args.processes:
        import multiprocessing

        connections.close_all()  # each process opens its own
        plan = [(q.pk, u.pk, option) for q, u, option in jobs]
        chunks = [plan[i :: args.processes] for i in range(args.processes)]
        t0 = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(args.processes) as pool:
            for lat, errs in pool.map(cast_many, chunks):
                latencies.extend(lat)
                errors.extend(errs)
    else:
        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    wall = time.perf_counter() - t0
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    print(
        f"cast: {len(jobs)} ballots, "
        f"{f'{args.processes} processes' if args.processes else f'{args.threads} threads'}, wall {wall:.1f} s "
        f"({len(jobs) / wall:.0f}/s); per vote median {statistics.median(latencies):.1f} ms, "
        f"p95 {pct(95):.1f} ms, p99 {pct(99):.1f} ms, max {latencies[-1]:.1f} ms; errors {len(errors)}"
    )
    for e in errors[:5]:
        print("  ", e)
    got = {(c.question_id, c.option): c.count for c in OptionCount.objects.filter(count__gt=0)}
    voters = Voter.objects.count()
    print(f"check: counts match {got == expected}; {sum(got.values())} counted; {voters} voters")
    t0 = time.perf_counter()
    for q, _users in questions:
        meetings.ballot_close(question=q, actor=None)
    print(f"close: {len(questions)} ballots in {time.perf_counter() - t0:.1f} s")
    closed = Question.objects.filter(status="closed")
    print(f"after close: {sum(q.cast for q in closed)} cast in {closed.count()} ballots")


def cast_many(plan):
    """One process's share: (question id, user id, option) each cast through the service."""
    from kiemdiem.accounts.models import User
    from kiemdiem.meetings import services as meetings
    from kiemdiem.meetings.models import Question

    latencies, errors = [], []
    users = User.objects.select_related("person").in_bulk({u for _q, u, _o in plan})
    questions = Question.objects.in_bulk({q for q, _u, _o in plan})
    for q, u, option in plan:
        t0 = time.perf_counter()
        try:
            meetings.ballot_cast(question=questions[q], option=option, actor=users[u])
        except Exception as error:  # noqa: BLE001 - counted and printed
            errors.append(repr(error))
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, errors


if __name__ == "__main__":
    main()
