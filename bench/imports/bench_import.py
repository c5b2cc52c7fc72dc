"""Benchmark: importing a 100,000-person workbook, on SQLite and on PostgreSQL.

    .venv/bin/python bench/imports/bench_import.py --db sqlite   [--rows 100000]
    .venv/bin/python bench/imports/bench_import.py --db postgres [--rows 100000]

For each database: a scratch database is created (PostgreSQL: ``kiemdiem_bench_import`` on
127.0.0.1, dropped at the end; SQLite: a file in a temporary folder), migrated, and given a
province (20 communes × 25 cells + 20 state agencies). A workbook of realistic rows is
written (names from the demo's name lists, birth dates, citizen IDs, party cards, admission
dates, statuses, cells, posts for some). Then, each as a separate ``manage.py import_data``
process, so that peak memory is the import's own:

1. kill test: the import is started and killed with SIGKILL in the middle of the commit;
   the counts of people, affiliations and audit entries must be what they were;
2. the import itself (validate + commit): wall time and peak RSS;
3. the same file again: nothing changes (all rows unchanged).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import resource
import signal
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_URL = "postgres://postgres@127.0.0.1:5432/kiemdiem_bench_import"


def run(args, env, **kwargs):
    return subprocess.run([PYTHON, *args], env=env, cwd=ROOT, check=True, **kwargs)


def seed_and_write(rows: int, path: str) -> None:
    """Runs inside a child process with Django set up: the province and the workbook."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from openpyxl import Workbook

    from kiemdiem.demo.names import person_name
    from kiemdiem.imports.columns import PEOPLE_COLUMNS
    from kiemdiem.orgtree import services as tree

    d = datetime.date
    get_user_model().objects.create_superuser("bench", password="bench-pass-1")
    province = tree.unit_create(
        code="T",
        name="Đảng bộ tỉnh Thử",
        kind="dang_bo_tinh",
        parent=None,
        valid_from=d(2020, 1, 1),
        actor=None,
    )
    cells, agencies = [], []
    for c in range(20):
        commune = tree.unit_create(
            code=f"X{c:02d}",
            name=f"Đảng bộ xã Số {c + 1}",
            kind="dang_bo_xa",
            parent=province,
            valid_from=d(2020, 1, 1),
            actor=None,
        )
        agencies.append(
            tree.unit_create(
                code=f"UB{c:02d}",
                name=f"UBND xã Số {c + 1}",
                kind="co_quan_hanh_chinh",
                parent=commune,
                valid_from=d(2020, 1, 1),
                actor=None,
            ).code
        )
        for k in range(25):
            cells.append(
                tree.unit_create(
                    code=f"X{c:02d}C{k:02d}",
                    name=f"Chi bộ thôn {k + 1}",
                    kind="chi_bo_truc_thuoc",
                    parent=commune,
                    valid_from=d(2020, 1, 1),
                    actor=None,
                ).code
            )
    rng = random.Random(7)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Nhan su")
    sheet.append([c.header for c in PEOPLE_COLUMNS])
    heads = set()
    for i in range(rows):
        gender = "M" if rng.random() < 0.6 else "F"
        family, middle, given = person_name(
            rng, gender=gender, ethnicity="Kinh", southern=rng.random() < 0.4, young=False
        )
        birth = d(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 50))
        admitted = birth + datetime.timedelta(days=365 * 19 + rng.randrange(0, 365 * 20))
        admitted = min(admitted, d(2024, 6, 1))
        cell = cells[i % len(cells)]
        status = "Đang sinh hoạt"
        status_from = None
        if rng.random() < 0.03:
            status, status_from = "Miễn công tác và sinh hoạt đảng", d(2025, 1, 1)
        posts = ""
        if cell not in heads:
            heads.add(cell)
            posts = f"{cell}: Bí thư chi bộ (Người đứng đầu) từ 01/01/2021"
        elif rng.random() < 0.05:
            posts = f"{cell}: Chi ủy viên từ 01/01/2022"
        employment = ""
        if rng.random() < 0.1:
            employment = f"{agencies[i % 20]}: Công chức (Công chức) từ 01/01/2020"
        sheet.append(
            [
                family,
                middle,
                given,
                "",
                birth,
                "Nam" if gender == "M" else "Nữ",
                "Kinh",
                f"{i + 1:012d}",
                f"09{rng.randrange(10**8):08d}",
                "",
                f"{i + 1:08d}",
                admitted,
                admitted + datetime.timedelta(days=365),
                "Cán bộ, công chức, viên chức",
                status,
                status_from,
                cell,
                d(2021, 1, 1),
                "",
                None,
                posts,
                "",
                employment,
            ]
        )
    book.save(path)


def counts(env) -> str:
    code = (
        "import django; django.setup();"
        "from kiemdiem.people.models import Person, Affiliation;"
        "from kiemdiem.audit.models import LogEntry;"
        "print(Person.objects.count(), Affiliation.objects.count(), LogEntry.objects.count())"
    )
    out = subprocess.run(
        [PYTHON, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def timed_import(env, path, label):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        [
            PYTHON,
            "manage.py",
            "import_data",
            "--kind",
            "people",
            "--unit",
            "T",
            "--user",
            "bench",
            path,
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        raise SystemExit(f"{label} failed")
    last = [line for line in proc.stdout.splitlines() if line.strip()][-2:]
    print(f"{label}: {wall:.1f} s wall, peak RSS {max(rss, before) / 1024:.0f} MiB")
    for line in last:
        print("   ", line)
    return wall


def kill_test(env, path):
    before = counts(env)
    proc = subprocess.Popen(
        [
            PYTHON,
            "manage.py",
            "import_data",
            "--kind",
            "people",
            "--unit",
            "T",
            "--user",
            "bench",
            path,
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    seen = ""
    while proc.poll() is None:
        chunk = proc.stderr.read(200)
        seen += chunk
        if "importing:" in seen and "rows" in seen.split("importing:")[-1]:
            tail = seen.split("importing:")[-1]
            digits = tail.split("/")[0].replace(",", "").strip()
            if digits.isdigit() and int(digits) >= 20000:
                break
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        after = counts(env)
        print(
            f"kill test: killed during the commit at ~{digits} rows; "
            f"people/affiliations/audit entries before {before}, after {after}: "
            f"{'UNCHANGED' if before == after else 'CHANGED!'}"
        )
    else:
        print("kill test: the import finished before it could be killed")


def machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return (
        f"{platform.node()} · {cpu} · {os.cpu_count()} cores · {int(mem) // 1024} MiB RAM · "
        f"Python {platform.python_version()} · {platform.platform()}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", help=argparse.SUPPRESS)
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()
    if args.seed:
        seed_and_write(args.rows, args.seed)
        return
    var = tempfile.mkdtemp(prefix="kiemdiem_bench_import_")
    env = {**os.environ, "KIEMDIEM_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    if args.db == "postgres":
        import psycopg

        env["DATABASE_URL"] = PG_URL
        with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "kiemdiem_bench_import"')
            conn.execute('CREATE DATABASE "kiemdiem_bench_import"')
    else:
        env.pop("DATABASE_URL", None)
    print(machine())
    print(f"database: {args.db}; rows: {args.rows:,}; var: {var}")
    try:
        run(["manage.py", "migrate", "-v0"], env)
        path = str(Path(var) / "people.xlsx")
        start = time.perf_counter()
        run([__file__, "--seed", path, "--rows", str(args.rows)], env)
        size = Path(path).stat().st_size / 1e6
        print(f"province + workbook ({size:.1f} MB) written in {time.perf_counter() - start:.1f} s")
        if not args.no_kill:
            kill_test(env, path)
        timed_import(env, path, "import (check + commit)")
        print("counts after import (people, affiliations, audit entries):", counts(env))
        timed_import(env, path, "same file again")
        print("counts after re-import:", counts(env))
    finally:
        if args.db == "postgres":
            import psycopg

            with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "kiemdiem_bench_import" WITH (FORCE)')


if __name__ == "__main__":
    main()
