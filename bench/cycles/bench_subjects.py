"""Benchmark: generating the subject list of a cycle for a large province.

Loads the demo province at a large scale into a scratch database (re-created), opens an annual
cycle at the province and times ``subjects_generate``; then times the reads of the cycle pages
(counts by kind, a commune's page with prerequisites).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kiemdiem_bench_cycles \
        .venv/bin/python bench/cycles/bench_subjects.py --scale 140

Target (issue #5): subject-list generation for a 450,000-member province < 60 s on PostgreSQL.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "orgtree"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=140)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_cycles.sqlite3'}")
    os.environ["DATABASE_URL"] = url
    from bench_tree import reset_database  # the orgtree benchmark's helper

    reset_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kiemdiem.accounts.models import User
    from kiemdiem.cycles import selectors, services, subjects
    from kiemdiem.cycles.services import StageWindow
    from kiemdiem.demo import generator
    from kiemdiem.orgtree.models import Unit
    from kiemdiem.people.models import Affiliation

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    generator.generate(scale=args.scale, seed=2026)
    members = Affiliation.objects.filter(kind="cell", valid_to__isnull=True).count()
    print(
        f"database: {connection.vendor}; demo at scale {args.scale}: {members:,} members, "
        f"{Unit.objects.count():,} units; load {time.perf_counter() - t0:.0f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    D = datetime.date
    root = Unit.objects.get(parent__isnull=True)
    cycle = services.cycle_open(
        code="KD2025",
        name="Kiểm điểm năm 2025",
        kind="annual",
        year=2025,
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        root=root,
        actor=None,
        stages=[StageWindow("self_review", D(2025, 11, 15), D(2025, 12, 10))],
    )
    t0 = time.perf_counter()
    count = subjects.subjects_generate(cycle=cycle, actor=None)
    print(f"subjects_generate: {count:,} subjects in {time.perf_counter() - t0:.1f} s")

    staff = User.objects.get(username="tochuc")
    t0 = time.perf_counter()
    counts = selectors.subject_counts(staff, cycle)
    print(
        f"subject counts by kind for the province: {(time.perf_counter() - t0) * 1000:.0f} ms "
        f"({sum(n for _k, n in counts['by_kind']):,} subjects)"
    )
    commune = Unit.objects.filter(kind="dang_bo_xa", valid_to__isnull=True).first()
    cell = Unit.objects.filter(
        kind="chi_bo_truc_thuoc", valid_to__isnull=True, parent=commune
    ).first()
    t0 = time.perf_counter()
    rows = selectors.subjects_with_prerequisites(staff, cycle, cell)
    print(
        f"a cell's page in the cycle ({len(rows)} subjects with prerequisites): "
        f"{(time.perf_counter() - t0) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
