"""Benchmark: the subject list and the progress board of a cycle for a large province.

Loads the demo province at a large scale into a scratch database (re-created), opens an annual
cycle at the province and times ``subjects_generate``; then times the reads of the cycle pages
(counts by kind, a cell's page with prerequisites). Then it puts the cycle half-way — half of the
communes issued their own plan with an earlier self-review deadline, about 72 % of the subjects
started their self-review (55 % submitted), 20 % are rated — and times the progress board
(``cycles.board.board``) for the province and for a commune, the drill-down to the overdue
people, and the whole board page through the Django test client (server time, rendering
included).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kiemdiem_bench_cycles \\
        .venv/bin/python bench/cycles/bench_subjects.py --scale 140

``--reuse`` skips the load and the generation when the database already holds the bench cycle
(to time the reads again without rebuilding 450,000 subjects).

Targets (issue #5), on PostgreSQL: subject-list generation for a 450,000-member province
< 60 s; progress board for a province < 500 ms server time.
"""

import argparse
import datetime
import inspect
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "orgtree"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

D = datetime.date
CODE = "BENCH2025"
DAY = D(2025, 12, 5)  # half-way: half of the communes are past their self-review deadline

# A review of about 1.9 kB of JSON text (2.5 kB rows with the engine's result, compressed but
# kept inline by PostgreSQL): wide rows, so that joining the reviews is not flattered.
CONTENT = {
    "tu_tuong": "Luôn kiên định chủ nghĩa Mác - Lênin, tư tưởng Hồ Chí Minh; chấp hành "
    "nghiêm chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước. " * 3,
    "dao_duc": "Giữ gìn phẩm chất đạo đức, lối sống giản dị; không có biểu hiện suy thoái. " * 3,
    "ket_qua": "Hoàn thành các nhiệm vụ được giao đúng tiến độ, có sản phẩm cụ thể. " * 3,
    "han_che": "Đôi lúc chưa chủ động nghiên cứu văn bản mới.",
    "suy_thoai": {"checked": [], "explanation": ""},
    "dieu_cam": {"checked": [], "explanation": ""},
}
ENGINE_RESULT = {"tier": "HTTNV", "status": "ok", "trace": ["tiêu chí 1: đạt"] * 8}


def timed(label, fn, repeat=5):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<64} median {statistics.median(times):7.0f} ms  (min {min(times):.0f}, n={repeat})"
    )
    return result


def half_way(cycle, root) -> None:
    """Plans, reviews and ratings of a cycle half-way through (raw SQL for the bulk rows)."""
    from django.db import connection

    from kiemdiem.cycles import services
    from kiemdiem.cycles.services import StageWindow
    from kiemdiem.orgtree.models import Unit

    communes = list(Unit.objects.filter(parent=root, kind="dang_bo_xa").order_by("path"))
    for commune in communes[::2]:
        services.plan_issue(
            cycle=cycle,
            unit=commune,
            stages=[
                StageWindow("self_review", D(2025, 11, 15), D(2025, 12, 1)),
                StageWindow("decision", D(2025, 12, 20), D(2025, 12, 28)),
            ],
            actor=None,
        )
    t0 = time.perf_counter()
    reviews = insert_reviews(cycle, submitted=55, draft=70, started=72)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE cycles_subject SET status = 'rated', tier = 'HTTNV', rated_at = now()
            WHERE cycle_id = %s AND status = 'pending' AND (id * 31) %% 100 < 20
            """,
            [cycle.pk],
        )
        rated = cursor.rowcount
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE reviews_selfreview")
            cursor.execute("VACUUM ANALYZE cycles_subject")
    print(
        f"half-way state: {len(communes[::2])} commune plans, {reviews:,} self-reviews, "
        f"{rated:,} rated; {time.perf_counter() - t0:.0f} s"
    )


def last_year(root) -> None:
    """A closed 2024 cycle with every review submitted and every subject rated, so that the
    tables hold history as they will in production (the board must not read it)."""
    from django.db import connection

    from kiemdiem.cycles import services, subjects
    from kiemdiem.cycles.services import StageWindow

    t0 = time.perf_counter()
    cycle = services.cycle_open(
        code="BENCH2024",
        name="Kiểm điểm năm 2024 (bench)",
        kind="annual",
        year=2024,
        period_start=D(2024, 1, 1),
        period_end=D(2024, 12, 31),
        root=root,
        actor=None,
        stages=[StageWindow("self_review", D(2024, 11, 15), D(2024, 12, 10))],
    )
    count = subjects.subjects_generate(cycle=cycle, actor=None)
    insert_reviews(cycle, submitted=100, draft=100, started=100)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cycles_subject SET status = 'rated', tier = 'HTTNV', rated_at = now() "
            "WHERE cycle_id = %s AND status = 'pending'",
            [cycle.pk],
        )
        cursor.execute("UPDATE cycles_reviewcycle SET status = 'closed' WHERE id = %s", [cycle.pk])
    print(
        f"last year's closed cycle: {count:,} subjects, reviewed and rated; "
        f"{time.perf_counter() - t0:.0f} s"
    )


def insert_reviews(cycle, *, submitted: int, draft: int, started: int) -> int:
    """Self-reviews for ``started`` % of the subjects to rate: the first ``submitted`` % of
    them submitted, up to ``draft`` % drafts, the rest sent back (raw SQL, for speed)."""
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO reviews_selfreview (subject_id, form_key, status, content, proposed_tier,
                engine_result, version, amendment_reason, return_comment, updated_at, submitted_at)
            SELECT id, '2A',
                CASE WHEN (id * 7919) %% 100 < %s THEN 'submitted'
                     WHEN (id * 7919) %% 100 < %s THEN 'draft' ELSE 'returned' END,
                %s, 'HTTNV', %s, 1, '', '', now(),
                CASE WHEN (id * 7919) %% 100 < %s THEN now() END
            FROM cycles_subject
            WHERE cycle_id = %s AND status <> 'not_rated' AND (id * 7919) %% 100 < %s
            """,
            [
                submitted,
                draft,
                json.dumps(CONTENT, ensure_ascii=False),
                json.dumps(ENGINE_RESULT),
                submitted,
                cycle.pk,
                started,
            ],
        )
        return cursor.rowcount


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=140)
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
    from django.core.management import call_command
    from django.db import connection

    from kiemdiem.accounts.models import User
    from kiemdiem.cycles import board, selectors, services, subjects
    from kiemdiem.cycles.models import ReviewCycle
    from kiemdiem.cycles.services import StageWindow
    from kiemdiem.demo import generator
    from kiemdiem.orgtree.models import Unit
    from kiemdiem.people.models import Affiliation

    call_command("migrate", verbosity=0)
    cycle = ReviewCycle.objects.filter(code=CODE).first() if args.reuse else None
    if cycle is None:
        t0 = time.perf_counter()
        options = {"scale": args.scale, "seed": 2026}
        if "cycles" in inspect.signature(generator.generate).parameters:
            options["cycles"] = False  # the demo's own cycles: not part of this benchmark
        generator.generate(**options)
        members = Affiliation.objects.filter(kind="cell", valid_to__isnull=True).count()
        print(
            f"database: {connection.vendor}; demo at scale {args.scale}: {members:,} members, "
            f"{Unit.objects.count():,} units; load {time.perf_counter() - t0:.0f} s"
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        root = Unit.objects.get(parent__isnull=True)
        last_year(root)
        cycle = services.cycle_open(
            code=CODE,
            name="Kiểm điểm năm 2025 (bench)",
            kind="annual",
            year=2025,
            period_start=D(2025, 1, 1),
            period_end=D(2025, 12, 31),
            root=root,
            actor=None,
            stages=[
                StageWindow("self_review", D(2025, 11, 15), D(2025, 12, 10)),
                StageWindow("decision", D(2025, 12, 20), D(2025, 12, 31)),
            ],
        )
        t0 = time.perf_counter()
        count = subjects.subjects_generate(cycle=cycle, actor=None)
        print(f"subjects_generate: {count:,} subjects in {time.perf_counter() - t0:.1f} s")
        half_way(cycle, root)
    root = cycle.root
    if connection.vendor == "postgresql":
        # The reviews' (subject, status) index (``review_subject_status``) comes with the
        # migrations; a database reused from before it existed gets it here.
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS bench_selfreview_subject_status")
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS review_subject_status "
                "ON reviews_selfreview (subject_id, status)"
            )
            cursor.execute("VACUUM ANALYZE reviews_selfreview")

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"timings (load average before: {load})")
    staff = User.objects.get(username="tochuc")
    counts = timed(
        "subject counts by kind for the province (cycle page)",
        lambda: selectors.subject_counts(staff, cycle),
        repeat=3,
    )
    print(f"  ({sum(n for _k, n in counts['by_kind']):,} subjects)")
    commune = Unit.objects.filter(parent=root, kind="dang_bo_xa").order_by("path").first()
    cell = Unit.objects.filter(kind="chi_bo_truc_thuoc", parent=commune).order_by("path").first()
    rows = timed(
        "a cell's page: subjects with what they wait for",
        lambda: selectors.subjects_with_prerequisites(staff, cycle, cell),
    )
    print(f"  ({len(rows)} subjects)")

    def province_board():
        staff.__dict__.pop("_kiemdiem_scope_cache", None)  # as in a fresh request
        return board.board(staff, cycle, root, day=DAY)

    result = timed("progress board, province (selector)", province_board)
    t = result.total
    print(
        f"  ({len(result.rows)} rows; {t.total:,} subjects, {t.review_done:,} submitted, "
        f"{t.review_overdue:,} overdue, {t.rated:,} rated)"
    )
    result = timed(
        "progress board, a commune (selector)",
        lambda: board.board(staff, cycle, commune, day=DAY),
    )
    print(f"  ({len(result.rows)} rows; {result.total.total:,} subjects)")

    def drill_down():
        qs = board.cell_subjects(staff, cycle, root, stage="self_review", state="overdue", day=DAY)
        return qs.count(), list(qs[:50])

    n, _first = timed("drill-down: overdue self-reviews of the province, page 1", drill_down)
    print(f"  ({n:,} subjects)")

    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    board.today = lambda: DAY  # the page reads the board as of the half-way day too
    client = Client()
    client.force_login(staff)
    page = reverse("cycle-board", args=[cycle.pk, root.pk])
    timed(
        "board page for the province (request, rendering included)",
        lambda: client.get(page).status_code,
    )
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size('reviews_selfreview')), "
            "pg_size_pretty(pg_relation_size('cycles_subject'))"
        )
        sizes = cursor.fetchone()
        print(f"table sizes: reviews_selfreview {sizes[0]}, cycles_subject {sizes[1]}")


if __name__ == "__main__":
    main()
