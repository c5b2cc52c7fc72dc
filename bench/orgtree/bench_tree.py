"""Benchmark: the organization tree at 300,000 units.

Builds a tree shaped like a large province system (40 roots → 100 communes each → 25 cells
each ≈ 300,000 units) with placements, then times the operations the app does all day:
subtree count and listing, the permission-door filter, one insert through the service, a
subtree move through the service, and the tree-as-of-a-date query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kiemdiem_bench \
        .venv/bin/python bench/orgtree/bench_tree.py [--roots 40]

The database named in DATABASE_URL is dropped and re-created (PostgreSQL) or the SQLite file
replaced. Results go to stdout; copy them into RESULTS.md with the machine's details.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")


def reset_database(url: str) -> None:
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def timed(label, fn, repeat=7):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<58} median {statistics.median(times):8.2f} ms  (min {min(times):.2f}, n={repeat})"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roots", type=int, default=40)
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--cells", type=int, default=74)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_tree.sqlite3'}")
    os.environ["DATABASE_URL"] = url
    reset_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from kiemdiem.accounts.models import Grant, User
    from kiemdiem.accounts.permissions import restrict
    from kiemdiem.common.dates import valid_on
    from kiemdiem.orgtree import services
    from kiemdiem.orgtree.models import Unit, UnitPlacement
    from kiemdiem.orgtree.services import encode_segment

    call_command("migrate", verbosity=0)
    start = datetime.date(2020, 1, 1)
    # Bulk load straight into the tables (a loader, not the interactive path), then verify.
    t0 = time.perf_counter()
    pk = 0
    with transaction.atomic():
        for r in range(args.roots):
            batch = []
            pk += 1
            root_path = encode_segment(r)
            batch.append(
                Unit(
                    pk=pk,
                    code=f"R{r}",
                    name=f"Đảng bộ {r}",
                    kind="dang_bo_tinh",
                    path=root_path,
                    depth=1,
                    children_seq=args.communes,
                    valid_from=start,
                    name_sort_key="",
                    search_text=f"dang bo {r}",
                )
            )
            root_pk = pk
            for c in range(args.communes):
                pk += 1
                commune_path = root_path + encode_segment(c)
                batch.append(
                    Unit(
                        pk=pk,
                        code=f"R{r}C{c}",
                        name=f"Đảng bộ xã {r}-{c}",
                        kind="dang_bo_xa",
                        parent_id=root_pk,
                        path=commune_path,
                        depth=2,
                        children_seq=args.cells,
                        valid_from=start,
                        name_sort_key="",
                        search_text=f"dang bo xa {r} {c}",
                    )
                )
                commune_pk = pk
                for k in range(args.cells):
                    pk += 1
                    batch.append(
                        Unit(
                            pk=pk,
                            code=f"R{r}C{c}K{k}",
                            name=f"Chi bộ {r}-{c}-{k}",
                            kind="chi_bo_truc_thuoc",
                            parent_id=commune_pk,
                            path=commune_path + encode_segment(k),
                            depth=3,
                            valid_from=start,
                            name_sort_key="",
                            search_text=f"chi bo {r} {c} {k}",
                        )
                    )
            Unit.objects.bulk_create(batch, batch_size=5000)
            UnitPlacement.objects.bulk_create(
                (
                    UnitPlacement(
                        unit_id=u.pk,
                        parent_id=u.parent_id,
                        path=u.path,
                        depth=u.depth,
                        name=u.name,
                        valid_from=start,
                    )
                    for u in batch
                ),
                batch_size=5000,
            )
    if connection.vendor == "postgresql":
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Unit, UnitPlacement]):
                cursor.execute(sql)
            cursor.execute("ANALYZE")
    total = Unit.objects.count()
    print(f"database: {connection.vendor}; units: {total:,}; load {time.perf_counter() - t0:.1f} s")

    province = Unit.objects.get(code="R7")
    commune = Unit.objects.get(code="R7C42")
    timed(
        "subtree count, one province (~7,500 units)",
        lambda: Unit.objects.subtree_of(province).count(),
    )
    timed(
        "subtree count, one commune (~75 units)", lambda: Unit.objects.subtree_of(commune).count()
    )
    timed("subtree list, one commune (fetch rows)", lambda: list(Unit.objects.subtree_of(commune)))
    timed(
        "children of a province ordered by name (100 rows)",
        lambda: list(Unit.objects.filter(parent=province).order_by("name_sort_key")),
    )
    timed(
        "search by folded name across the tree (LIKE %…%)",
        lambda: list(Unit.objects.filter(search_text__contains="chi bo 7 42 1")[:30]),
        repeat=3,
    )

    user = User.objects.create(username="bench")
    Grant.objects.create(user=user, role="staff", unit=province)
    Grant.objects.create(user=user, role="staff", unit=Unit.objects.get(code="R9C3"))
    timed(
        "permission door: count of units visible to a 2-grant user",
        lambda: restrict(Unit.objects.all(), user, "view").count(),
    )

    counter = iter(range(10**6))
    timed(
        "insert one cell through unit_create (audited)",
        lambda: services.unit_create(
            code=f"NEW{next(counter)}",
            name="Chi bộ mới",
            kind="chi_bo_truc_thuoc",
            parent=commune,
            valid_from=datetime.date(2024, 1, 1),
            actor=None,
        ),
        repeat=20,
    )

    targets = iter([Unit.objects.get(code=f"R8C{c}") for c in range(5)])
    moving = Unit.objects.get(code="R7C1")
    timed(
        "move a commune with its 74 cells through unit_move",
        lambda: services.unit_move(
            unit=moving,
            new_parent=next(targets),
            effective=datetime.date(2025, 7, 1) + datetime.timedelta(days=next(counter) % 100),
            actor=None,
        ),
        repeat=5,
    )

    day = datetime.date(2024, 12, 31)
    root_span = UnitPlacement.objects.filter(valid_on(day), unit=province).get()
    timed(
        "tree of a province as of 31/12/2024 (history spans)",
        lambda: UnitPlacement.objects.filter(
            valid_on(day), path__startswith=root_span.path
        ).count(),
    )

    t0 = time.perf_counter()
    from kiemdiem.orgtree.integrity import tree_problems

    problems = tree_problems()
    print(
        f"integrity check over {Unit.objects.count():,} units: {len(problems)} problems, {time.perf_counter() - t0:.1f} s"
    )


if __name__ == "__main__":
    main()
