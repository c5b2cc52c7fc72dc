"""Hostile uploads through the validate path: the outcome and the peak memory of each.

    .venv/bin/python bench/imports/hostile_uploads.py [--root CHECKOUT] [--limit-mb 512]

Builds the outside test's files (``kiemdiem/imports/tests/hostile.py``: a cell at
XFD1048576, the same without or with a lying dimension, a million empty rows, a 2 GB zip bomb,
a CSV with a 200 KB field, a text file renamed .xlsx, an .ods repeating a row a million
times) plus a legitimate 100,000-row × 23-column sheet, then checks each with
``manage.py import_data --check`` — job creation and ``services.import_validate``, what an
upload runs — as a separate process on a scratch SQLite database, and records how the process
ended, the first line it printed and its peak RSS (``ru_maxrss`` from ``os.wait4``). Every
process must end normally and stay under ``--limit-mb``.

``--root`` runs another checkout of the project (e.g. the commit before the limits,
extracted with ``git archive``) with the same files and virtual environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(HERE))

from kiemdiem.imports.tests import hostile  # noqa: E402  (builds files; no Django needed)

PYTHON = str(HERE / ".venv" / "bin" / "python")


def legit_rows(path: Path, rows: int = 100_000, columns: int = 23) -> Path:
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(i) for i in range(1, columns + 1)]

    def parts():
        yield hostile.row(1, hostile.people_header())
        for r in range(2, rows + 2):
            yield hostile.row(
                r, [f'<c r="{c}{r}"><v>{r * 7 + i}</v></c>' for i, c in enumerate(letters)]
            )

    return hostile.xlsx(path, parts(), dimension=f"A1:{letters[-1]}{rows + 1}")


def ods_repeated(path: Path) -> Path:
    row = (
        '<table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="3" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
    )
    path.write_bytes(hostile.ods(row))
    return path


def far_xls(path: Path) -> Path:
    return hostile.xls(path, [(0, 0, 1.0), (65535, 255, 2.0)])


FILES = [
    ("cell at XFD1048576 (declared)", "far.xlsx", hostile.far_cell),
    ("cell at XFD1048576, no dimension", "far-nodim.xlsx", hostile.far_cell_undeclared),
    ("cell at XFD1048576, dimension says A1:C2", "far-lying.xlsx", hostile.lying_dimension),
    ("a million empty rows", "rows.xlsx", hostile.million_empty_rows),
    ("zip bomb (2 GB inflated)", "bomb.xlsx", hostile.zip_bomb),
    ("CSV with a 200 KB field", "field.csv", hostile.csv_big_field),
    ("text renamed .xlsx", "text.xlsx", hostile.not_a_zip),
    (".ods repeating a row 1,048,575 times", "repeat.ods", ods_repeated),
    ("BIFF8 .xls, cells at A1 and IV65536", "far.xls", far_xls),
    ("2,500,000 different texts (shared strings)", "texts.xlsx", hostile.many_texts),
    (
        "2,000,000 texts (shared strings, at the limit)",
        "texts-2m.xlsx",
        lambda path: hostile.many_texts(path, 2_000_000),
    ),
    ("styles part of 250 MB", "styles.xlsx", hostile.big_styles),
    ("legitimate 100,000 × 23 sheet (calamine)", "legit.xlsx", legit_rows),
    (
        "legitimate 130,000 × 23 sheet (2,990,000 cells: calamine's largest)",
        "legit-130k.xlsx",
        lambda path: legit_rows(path, rows=129_999),
    ),
    (
        "legitimate 173,000 × 23 sheet (3,979,000 cells: openpyxl, streamed)",
        "legit-173k.xlsx",
        lambda path: legit_rows(path, rows=172_999),
    ),
    (
        "legitimate 25,000 × 200 sheet (5,000,000 cells: openpyxl, streamed)",
        "legit-wide.xlsx",
        lambda path: legit_rows(path, rows=25_000, columns=200),
    ),
]


def run(args, env, cwd) -> tuple[str, str, float, float, float]:
    """(how it ended, first line of output, wall seconds, CPU seconds, peak RSS MiB) of one
    child process (CPU time: the machine is shared, wall time varies with its load)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [PYTHON, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out = child.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    if os.WIFSIGNALED(status):
        ended = f"killed by signal {os.WTERMSIG(status)}"
    else:
        ended = f"exit {os.WEXITSTATUS(status)}"
    lines = [
        line.strip()
        for line in out.replace("\r", "\n").splitlines()
        if line.strip() and not line.startswith(("checking:", "report:"))
    ]
    telling = [line for line in lines if "memory allocation" in line or "[file." in line]
    first = (telling or lines or [""])[0]
    cpu = usage.ru_utime + usage.ru_stime
    return ended, first[:160], seconds, cpu, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=str(HERE))
    parser.add_argument("--limit-mb", type=float, default=512)
    parser.add_argument("--only", help="substring of the file names to run")
    options = parser.parse_args()
    root = Path(options.root).resolve()
    work = Path(tempfile.mkdtemp(prefix="hostile-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "KIEMDIEM_VAR_DIR": str(work / "var"),
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "PYTHONPATH": str(root),
    }
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], env=env, cwd=root, check=True)
    setup = (
        "import django; django.setup();"
        "from django.contrib.auth import get_user_model;"
        "from kiemdiem.orgtree import services as tree;"
        "import datetime;"
        "get_user_model().objects.create_superuser('bench', password='bench-pass-1');"
        "tree.unit_create(code='T', name='Đảng bộ tỉnh Thử', kind='dang_bo_tinh', parent=None,"
        " valid_from=datetime.date(2020, 1, 1), actor=None)"
    )
    subprocess.run([PYTHON, "-c", setup], env=env, cwd=root, check=True)
    print("| file | size | outcome | first line of output | wall | CPU | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    over = []
    for label, name, build in FILES:
        if options.only and options.only not in name:
            continue
        path = build(work / name)
        args = ["manage.py", "import_data", "--kind", "people", "--unit", "T", "--check"]
        ended, first, seconds, cpu, peak = run([*args, "--quiet-progress", str(path)], env, root)
        size = path.stat().st_size
        print(
            f"| {label} | {size / 1024:,.0f} KB | {ended} | {first} | {seconds:.1f} s "
            f"| {cpu:.1f} s | **{peak:,.0f} MiB** |",
            flush=True,
        )
        if peak > options.limit_mb or "signal" in ended:
            over.append(label)
    if over:
        print(f"\nover {options.limit_mb} MiB or killed: {', '.join(over)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
