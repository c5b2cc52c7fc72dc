"""Benchmark: the lists the regulations name for a whole province.

Builds a synthetic province (one root → communes → cells, members in each cell) with three
annual cycles whose subjects are rated (2 % KHTNV, 15 % HTXSNV, the rest HTTNV/HTNV), then
times each list (``remediation.lists.build``) for the province and for one commune as the
province's staff (through the door), counts the queries, and prints the plan of the subjects'
query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/remedy_bench \\
        .venv/bin/python bench/remediation/bench_lists.py [--communes 100 --cells 25 --members 30]

The database named in DATABASE_URL is dropped and re-created.
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "orgtree"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from bench_tree import reset_database, timed  # noqa: E402

D = datetime.date
YEARS = (2023, 2024, 2025)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--cells", type=int, default=25)
    parser.add_argument("--members", type=int, default=30)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    reset_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from kiemdiem.accounts.models import Grant, User
    from kiemdiem.cycles.models import ReviewCycle, Subject
    from kiemdiem.orgtree.models import Unit
    from kiemdiem.orgtree.services import encode_segment
    from kiemdiem.people.models import Person
    from kiemdiem.remediation import lists

    call_command("migrate", verbosity=0)
    rng = random.Random(12)
    t0 = time.perf_counter()
    start = D(2020, 1, 1)
    with transaction.atomic():
        root = Unit.objects.create(
            code="P",
            name="Đảng bộ tỉnh",
            kind="dang_bo_tinh",
            path=encode_segment(0),
            depth=1,
            children_seq=args.communes,
            valid_from=start,
            name_sort_key="",
            search_text="dang bo tinh",
        )
        units, cells = [], []
        pk = root.pk
        for c in range(args.communes):
            pk += 1
            commune = Unit(
                pk=pk,
                code=f"C{c}",
                name=f"Đảng bộ xã {c}",
                kind="dang_bo_xa",
                parent_id=root.pk,
                path=root.path + encode_segment(c),
                depth=2,
                children_seq=args.cells,
                valid_from=start,
                name_sort_key="",
                search_text=f"xa {c}",
            )
            units.append(commune)
            for k in range(args.cells):
                pk += 1
                cell = Unit(
                    pk=pk,
                    code=f"C{c}K{k}",
                    name=f"Chi bộ {c}-{k}",
                    kind="chi_bo_truc_thuoc",
                    parent_id=commune.pk,
                    path=commune.path + encode_segment(k),
                    depth=3,
                    valid_from=start,
                    name_sort_key="",
                    search_text=f"chi bo {c} {k}",
                )
                units.append(cell)
                cells.append(cell)
        Unit.objects.bulk_create(units, batch_size=5000)
        people = []
        n = 0
        for cell in cells:
            for _ in range(args.members):
                n += 1
                people.append(
                    (
                        cell,
                        Person(
                            family_name="Nguyễn",
                            given_name=f"A{n}",
                            full_name=f"Nguyễn A{n}",
                            sort_key=f"a{n:07d}",
                            search_text=f"nguyen a{n}",
                        ),
                    )
                )
        Person.objects.bulk_create([p for _, p in people], batch_size=5000)
        cycles = [
            ReviewCycle.objects.create(
                code=f"KD{y}",
                name=f"Kiểm điểm {y}",
                kind="annual",
                year=y,
                period_start=D(y, 1, 1),
                period_end=D(y, 12, 31),
                root=root,
                status="closed",
            )
            for y in YEARS
        ]
        rated = timezone.now()

        def tier():
            x = rng.random()
            return "KHTNV" if x < 0.02 else "HTXSNV" if x < 0.17 else "HTTNV" if x < 0.8 else "HTNV"

        for cycle in cycles:
            rows = [
                Subject(
                    cycle=cycle,
                    kind="party_member",
                    track="party",
                    person_id=p.pk,
                    unit_id=cell.pk,
                    status="rated",
                    tier=tier(),
                    rated_at=rated,
                )
                for cell, p in people
            ]
            rows += [
                Subject(
                    cycle=cycle,
                    kind="party_org",
                    track="party",
                    unit_id=u.pk,
                    status="rated",
                    tier=tier(),
                    rated_at=rated,
                )
                for u in units
            ]
            Subject.objects.bulk_create(rows, batch_size=10000)
        staff = User.objects.create(username="staff_p")
        Grant.objects.create(user=staff, role="staff", unit=root)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"loaded {len(people):,} members, {len(units):,} units, "
        f"{Subject.objects.count():,} subjects in {time.perf_counter() - t0:.1f} s"
    )

    commune = units[0]
    for kind in lists.LISTS:
        for where, unit in (("province", root), ("commune", commune)):

            def run(kind=kind, unit=unit):
                user = User.objects.get(pk=staff.pk)  # a fresh request: grants read again
                return lists.build(user, unit, kind, 2025, n=3)

            _, rows = timed(f"{kind} ({where}, N=3)", run)
            with CaptureQueriesContext(connection) as q:
                run()
            print(f"    {len(rows):,} rows, {len(q)} queries")
    user = User.objects.get(pk=staff.pk)
    years = lists.years_of("khtnv_twice", 2025)
    from kiemdiem.accounts.models import Action
    from kiemdiem.accounts.permissions import restrict

    ids = list(ReviewCycle.objects.filter(year__in=years).values_list("pk", flat=True))
    listed = Subject.objects.filter(
        cycle_id__in=ids,
        cycle__year=2025,
        tier="KHTNV",
        kind__in=["party_member"],
        unit__path__startswith=root.path,
    )
    qs = restrict(Subject.objects.all(), user, Action.VIEW).filter(
        cycle_id__in=ids,
        tier__in=["KHTNV", "HTXSNV", "HTTNV", "HTNV"],
        track="party",
        person_id__in=listed.values("person_id"),
    )
    print(qs.explain(analyze=True))


if __name__ == "__main__":
    main()
