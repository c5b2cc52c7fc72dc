"""Benchmark: the Vietnamese sort key, and the migration that recomputes it for every person.

Times computing keys in Python (the function itself, bypassing its cache; then repeated
names as in an import), then loads N people with stale keys at people 0001 and times
``migrate people 0002_recompute_sort_keys`` (the "C" collation and its index, then every key
rewritten in batches).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kiemdiem_bench_sort \
        .venv/bin/python bench/people/bench_sort_keys.py [--people 1000000]

The database named in DATABASE_URL is dropped and re-created (PostgreSQL) or the SQLite file
replaced. Results go to stdout; copy them into RESULTS.md with the machine's details.
"""

import argparse
import os
import random
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench_sort.sqlite3'}")
    os.environ["DATABASE_URL"] = url
    reset_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from kiemdiem.common import vietnamese
    from kiemdiem.demo.names import MIDDLE_FEMALE, person_name
    from kiemdiem.people.models import Person

    rng = random.Random(1)
    names = []
    for _ in range(args.people):
        family, middle, given = person_name(
            rng,
            gender=rng.choice("MF"),
            ethnicity="Kinh",
            southern=rng.random() < 0.4,
            young=rng.random() < 0.5,
        )
        if rng.random() < 0.25:
            middle += " " + rng.choice(MIDDLE_FEMALE)[0]
        names.append((family, middle, given))

    parts = [part for name in names[:100_000] for part in name]
    start = time.perf_counter()
    for part in parts:
        vietnamese.text_sort_key.__wrapped__(part)  # the function itself, not its cache
    per_key = (time.perf_counter() - start) / len(parts) * 1e6
    print(f"text_sort_key, {len(parts):,} name parts, uncached: {per_key:.2f} µs each")
    start = time.perf_counter()
    for name in names:
        vietnamese.name_sort_key(*name)
    elapsed = time.perf_counter() - start
    print(f"name_sort_key, {len(names):,} people, cached parts: {elapsed:.2f} s")

    call_command("migrate", "people", "0001", verbosity=0)
    start = time.perf_counter()
    batch = 20_000
    for i in range(0, len(names), batch):
        Person.objects.bulk_create(
            Person(
                family_name=f,
                middle_name=m,
                given_name=g,
                full_name=f"{f} {m} {g}",
                sort_key="stale",
                search_text="",
            )
            for f, m, g in names[i : i + batch]
        )
    print(f"loaded {len(names):,} people with stale keys in {time.perf_counter() - start:.1f} s")

    start = time.perf_counter()
    call_command("migrate", "people", "0002_recompute_sort_keys", verbosity=0)
    elapsed = time.perf_counter() - start
    print(
        f"migrate people 0002 ({connection.vendor}), {len(names):,} people: {elapsed:.1f} s"
        f" ({len(names) / elapsed:,.0f} people/s)"
    )
    stale = Person.objects.filter(sort_key="stale").count()
    first = list(Person.objects.order_by("sort_key").values_list("full_name", flat=True)[:3])
    print(f"stale keys left: {stale}; first in order: {first}")


if __name__ == "__main__":
    main()
