"""Where the time of the busiest pages goes, in one process (no HTTP): per page the mean time,
the queries and their SQL time, and with ``--profile`` the functions that cost most.

A companion of ``throughput.py`` for the work between two of its runs:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kiemdiem_speed \\
        .venv/bin/python bench/web/profile_pages.py [--profile home] [--runs 30]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--profile", default="", help="page name to profile (home, unit, board, autosave, bare)"
    )
    parser.add_argument(
        "--only", default="", help="show only functions whose file matches (a regex: kiemdiem/)"
    )
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(HERE)]
    os.chdir(ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from throughput import prepare

    setup = prepare(1)
    from kiemdiem.accounts.models import User

    staff = Client(HTTP_HOST="127.0.0.1")
    staff.force_login(User.objects.get(username="tochuc"))
    member_name, _person, subject = setup["members"][0]
    member = Client(HTTP_HOST="127.0.0.1")
    member.force_login(User.objects.get(username=member_name))
    review_page = member.get(f"/reviews/subjects/{subject}/")
    import html.parser  # noqa: F401

    from throughput import _Inputs

    inputs = _Inputs()
    inputs.feed(review_page.content.decode())
    fields = {k: v for k, v in inputs.fields.items() if k != "revision"}
    text_field = inputs.textareas[0]
    root, cycle = setup["root"], setup["cycle"]
    counter = [0]

    def autosave():
        counter[0] += 1
        body = dict(fields)
        body[text_field] = f"{body[text_field]} {counter[0]}"
        return member.post(f"/reviews/subjects/{subject}/save/", body, HTTP_HX_REQUEST="true")

    pages = {
        "bare": lambda: staff.get("/bench/bare/"),
        "home": lambda: staff.get("/"),
        "unit": lambda: staff.get(f"/units/{root}/"),
        "board": lambda: staff.get(f"/cycles/{cycle}/units/{root}/board/"),
        "autosave": autosave,
    }
    for name, call in pages.items():
        answer = call()
        assert answer.status_code == 200, (name, answer.status_code, answer.content[:300])
        queries: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context, queries=queries):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append((time.perf_counter() - t, sql))

        with connection.execute_wrapper(timed):
            call()
        sql_ms = sum(t for t, _ in queries) * 1000
        t0 = time.perf_counter()
        for _ in range(args.runs):
            call()
        mean = (time.perf_counter() - t0) / args.runs * 1000
        print(f"{name:<10} {mean:7.1f} ms  {len(queries):3d} queries  {sql_ms:6.1f} ms SQL")
        if name == args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.runs):
                call()
            profile.disable()
            stats = pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative"))
            stats.print_stats(*([args.only] if args.only else []), 60)
        if os.environ.get("SHOW_SQL") == name:
            for t, sql in queries:
                print(f"  {t * 1000:6.1f} ms  {sql[:400]}")


if __name__ == "__main__":
    main()
