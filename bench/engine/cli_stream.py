"""Peak memory of ``kiemdiem rate`` over many subjects. Not a test: run by hand, the figures go
to RESULTS.md (the section between the ``cli_stream`` markers; ``run.py`` keeps it).

    .venv/bin/python bench/engine/cli_stream.py                    # 10,000 and 100,000 subjects
    .venv/bin/python bench/engine/cli_stream.py --before 26c117c   # also the code at a revision
    .venv/bin/python bench/engine/cli_stream.py --no-write

Each run is the real command in a subprocess reading an NDJSON file and writing to a file;
peak resident memory is the child's ``ru_maxrss`` (``os.wait4``). Target: memory does not grow
with the number of subjects (constant, well under 100 MB for 100,000 subjects).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.engine.run import RESULTS, machine  # noqa: E402

BEGIN, END = "<!-- cli_stream: begin -->", "<!-- cli_stream: end -->"


# `python -m kiemdiem.cli` from a given source tree: the editable install's import finder would
# otherwise always load this branch's code.
RUNNER = (
    "import sys; src = sys.argv.pop(1); "
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; "
    "sys.path.insert(0, src); from kiemdiem.cli import main; sys.exit(main(sys.argv[1:]))"
)


def write_subjects(path: Path, n: int, seed: int = 7) -> None:
    """R2025 party members with varied scores (every tier, some KHTNV triggers, some missing
    optional values), one per line."""
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            facts = {
                "general_score": rnd.randint(10, 30),
                "task_score": rnd.randint(30, 70),
                "pct_tasks_done": rnd.choice([100, 100, 100, 90]),
                "on_time_quality": rnd.random() < 0.8,
                "pct_tasks_exceeded": rnd.randint(0, 60),
            }
            if rnd.random() < 0.7:
                facts["shortcomings_remedied_pct"] = rnd.choice([100, 100, 80])
            if rnd.random() < 0.02:
                facts["disciplined_in_year"] = True
            subject = {
                "id": f"dv-{i:06}",
                "kind": "party_member",
                "pool_key": f"cb-{i // 40}",
                "facts": facts,
            }
            fh.write(json.dumps(subject) + "\n")


def measure(argv: list[str], env: dict[str, str], out: Path) -> tuple[float, float, int]:
    """(peak RSS in MiB, seconds, output lines) of one run of the command."""
    start = time.perf_counter()
    with out.open("wb") as fh:
        proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.PIPE, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{argv} failed: {err[-2000:]}")
    with out.open("rb") as fh:
        lines = sum(1 for _ in fh)
    return usage.ru_maxrss / 1024, seconds, lines  # ru_maxrss is in KiB on Linux


def checkout(rev: str, into: Path) -> Path:
    """The package as it was at ``rev`` (git archive), to measure the code before a change."""
    into.mkdir(parents=True, exist_ok=True)
    tar = into / "src.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(tar), rev, "kiemdiem"], check=True)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--before", help="also measure the code at this git revision")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    rows: list[tuple[str, int, str, float, float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        sources = [("this branch", ROOT)]
        if args.before:
            sources.append((f"before ({args.before})", checkout(args.before, tmpdir / "before")))
        for n in args.sizes:
            data = tmpdir / f"subjects-{n}.ndjson"
            write_subjects(data, n)
            for label, src in sources:
                env = dict(os.environ)
                for mode in (["--no-trace"], []):
                    argv = [sys.executable, "-c", RUNNER, str(src), "rate", "--pack", "R2025"]
                    argv += [str(data), *mode]
                    mib, secs, lines = measure(argv, env, tmpdir / "out.ndjson")
                    name = "no trace" if mode else "full trace"
                    rows.append((label, n, name, mib, secs, lines))
                    print(f"{label:<22} {n:>8,} {name:<10} {mib:8.1f} MiB {secs:7.1f} s {lines:,}")

    if args.no_write:
        return
    info = machine()
    section = [
        BEGIN,
        "## `kiemdiem rate` memory over many subjects (`cli_stream.py`)",
        "",
        "The real command in a subprocess, NDJSON file in, NDJSON file out; peak resident "
        "memory of the child (`ru_maxrss`). Target: flat in the number of subjects.",
        "",
        f"Recorded {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {info['cores']} "
        f"cores shared with other work (load average when written "
        f"{info['load average at start (1/5/15 min)']}, so the times are only indicative); "
        f"python {info['python']}, duckdb {info['duckdb']}.",
        "",
        "Without a trace the command rates chunks of 2,000 subjects through the compiled DuckDB "
        "query (the flat ~90 MiB is mostly DuckDB itself); with the trace it rates and prints "
        "one subject at a time. The code before the change read the whole input and held every "
        "result until the end.",
        "",
        "| code | subjects | output | peak RSS | time | lines out |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for label, n, name, mib, secs, lines in rows:
        section.append(f"| {label} | {n:,} | {name} | {mib:.1f} MiB | {secs:.1f} s | {lines:,} |")
    section += ["", END]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1] if END in rest else ""
        text = head + "\n".join(section) + tail
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(section) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
