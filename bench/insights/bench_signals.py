"""Benchmark: the signals of formalism (``insights``) of a province and of the country, beside
DuckDB computing the same signals over the same subjects.

The national generator (``bench/reports/bench_national.py``) writes summary rows only; the
signals read the subjects one by one (decided, proposed and self-proposed tiers, the units'
own task figures), so this script generates:

* the same units tree (300,241 units: the country → 40 → 3,800 communes → 296,400 cells,
  COPY) and one open annual cycle;
* the subjects of the whole country with what the signals read — decided tier, the advisory
  body's proposal, the self-proposed tier, a collective's ``pct_tasks_done``, an override — by
  DuckDB into a Parquet file (about 5.9 million rows), with a few lenient cells (everyone
  HTTNV or better) and a few generous ones (most HTXSNV) so every signal has something to find;
* for the first province (T0, about 450,000 subjects) the same rows as **real rows** in
  PostgreSQL with COPY: ``people.Person``, ``cycles.Subject``, ``decisions.Decision``,
  ``reviews.SelfReview`` (the tally triggers fire as for any writer). The cycle holds only that
  province's subjects, so the signals job of the cycle *is* the province's job;

then measures:

* the signals job (``insights.services.signals_refresh``, what the ``insights.signals`` job
  runs) for the province, once, with its peak memory;
* the signals page (``/insights/signals/``) and the start page (whose first line counts the
  signals) as the province's staff, median of 7 after a warm-up; the signals page of a
  national reader with T0's signals copied onto the other 39 top units;
* a commune of T0 moved to T1 and back (``orgtree.services.unit_move``): the move, the
  summaries' hook within it, and ``tallies --verify --unit`` of both provinces after it;
* DuckDB computing the same five signals with set-based SQL over the Parquet file, for the
  province (the counts must equal ours: a cross-check) and for the country.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_tallies_bench \\
        .venv/bin/python bench/insights/bench_signals.py          # generate (re-creates it)
    ... bench_signals.py --reuse                                   # measure again
    ... bench_signals.py --reuse --no-job                          # the reads and DuckDB only

Votes (``cycles.votes``) are not generated: the meetings app records none here, as in a cycle
whose meetings were not held in kiemdiem.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
OUT = Path(os.environ.get("BENCH_OUT", "/tmp/kiemdiem_bench_signals"))
PARQUET = OUT / "signal_subjects.parquet"


def _national():
    """The units tree of the national benchmark (one tree, one definition)."""
    path = ROOT / "bench" / "reports" / "bench_national.py"
    spec = importlib.util.spec_from_file_location("bench_national", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if os.environ.get("BENCH_SMALL"):  # a smoke run of the script: 2 × 3 × 4 cells
        module.TOPS, module.COMMUNES, module.CELLS = 2, 3, 4
    return module


def timed(call, runs=7):
    """Median and best of ``runs`` after a warm-up, in ms (the national benchmark's timer)."""
    return _national().timed(call, runs)


# One row per subject of the country. h: a reproducible hash; tiers in proportions like the
# recorded national ones (~90 % HTTNV or better, < 1 % KHTNV); 2 % of cells lenient (everyone
# HTTNV or better), 1 % generous (70 % HTXSNV); people propose themselves one tier higher one
# time in five, two tiers higher one in two hundred; the advisory body proposes another tier
# one time in fifty; 3 % of subjects still pending (a proposal only), 0.8 % not rated; one
# decision in two thousand overrides a quota or cap; one collective in ten records tasks not
# fully done.
SUBJECTS_SQL = """
CREATE TABLE s AS
WITH members AS (
  SELECT c.unit_id, c.province_id, c.commune_id, i,
         hash(c.unit_id * 1000 + i + 7) AS h, hash(c.unit_id * 31 + 5) AS ch
  FROM (SELECT unit_id, province_id, commune_id, unnest(range(members)) AS i FROM cells) c
), people AS (
  SELECT unit_id, province_id, commune_id, i,
    CASE WHEN i = 0 THEN 'head' WHEN h % 31 = 0 THEN 'leader'
         WHEN h % 17 = 0 THEN 'party_member_outside' ELSE 'party_member' END AS kind,
    h, ch % 100 AS cell_mood
  FROM members
), orgs AS (
  SELECT u.unit_id, u.province_id, u.commune_id, -1 AS i, 'party_org' AS kind,
         hash(u.unit_id + 13) AS h, 50 AS cell_mood
  FROM units_of_org u
), all_ AS (SELECT * FROM people UNION ALL SELECT * FROM orgs),
rated AS (
  SELECT *,
    CASE WHEN h % 1000 < 8 THEN 'not_rated' WHEN h % 100 >= 97 THEN 'pending'
         ELSE 'rated' END AS status,
    CASE WHEN kind <> 'party_org' AND cell_mood < 2 THEN
              CASE WHEN (h >> 12) % 1000 < 200 THEN 'HTXSNV' ELSE 'HTTNV' END
         WHEN kind <> 'party_org' AND cell_mood = 2 THEN
              CASE WHEN (h >> 12) % 1000 < 700 THEN 'HTXSNV' ELSE 'HTTNV' END
         WHEN (h >> 12) % 1000 < 150 THEN 'HTXSNV' WHEN (h >> 12) % 1000 < 880 THEN 'HTTNV'
         WHEN (h >> 12) % 1000 < 994 THEN 'HTNV' ELSE 'KHTNV' END AS t
  FROM all_
)
SELECT row_number() OVER (ORDER BY unit_id, i) AS sid,
  unit_id, province_id, commune_id, kind, kind <> 'party_org' AS is_person, status,
  CASE WHEN status = 'rated' THEN t ELSE '' END AS decided,
  CASE WHEN status = 'not_rated' THEN ''
       WHEN (h >> 24) % 50 = 0 THEN (['HTXSNV','HTTNV','HTNV','KHTNV'])[least(4, greatest(1,
            (CASE t WHEN 'HTXSNV' THEN 1 WHEN 'HTTNV' THEN 2 WHEN 'HTNV' THEN 3 ELSE 4 END)
            + CASE WHEN (h >> 30) % 2 = 0 THEN 1 ELSE -1 END))]
       ELSE t END AS proposed,
  CASE WHEN kind = 'party_org' OR status = 'not_rated' THEN ''
       WHEN (h >> 36) % 200 = 0 THEN (['HTXSNV','HTTNV','HTNV','KHTNV'])[greatest(1,
            (CASE t WHEN 'HTXSNV' THEN 1 WHEN 'HTTNV' THEN 2 WHEN 'HTNV' THEN 3 ELSE 4 END) - 2)]
       WHEN (h >> 36) % 5 = 0 THEN (['HTXSNV','HTTNV','HTNV','KHTNV'])[greatest(1,
            (CASE t WHEN 'HTXSNV' THEN 1 WHEN 'HTTNV' THEN 2 WHEN 'HTNV' THEN 3 ELSE 4 END) - 1)]
       ELSE t END AS self_tier,
  CASE WHEN kind = 'party_org' AND (h >> 40) % 10 = 0 THEN 80 + (h >> 44) % 20
       WHEN kind = 'party_org' THEN 100 ELSE NULL END AS pct_done,
  status = 'rated' AND (h >> 48) % 2000 = 0 AS override
FROM rated
"""

# The five signals, set-based, over the rows of table ``x`` (the province's or the country's
# subjects). Same definitions as insights/signals.py: a subject's tier is the decided one, else
# the proposal; subjects out of the rating are left out; cells are under communes (their
# parent's kind), communes under provinces, provinces under the country.
DUCK_SIGNALS = {
    "all_good_unit_missed": """
WITH p AS (SELECT * FROM x WHERE is_person AND status <> 'not_rated'
             AND coalesce(nullif(decided, ''), proposed) <> ''),
per AS (
  SELECT unit_id AS u, count(*) n, count(*) FILTER (coalesce(nullif(decided, ''), proposed)
         IN ('HTXSNV', 'HTTNV')) good FROM p GROUP BY 1
  UNION ALL SELECT commune_id, count(*), count(*) FILTER (coalesce(nullif(decided, ''),
         proposed) IN ('HTXSNV', 'HTTNV')) FROM p GROUP BY 1
  UNION ALL SELECT province_id, count(*), count(*) FILTER (coalesce(nullif(decided, ''),
         proposed) IN ('HTXSNV', 'HTTNV')) FROM p GROUP BY 1
)
SELECT count(*) FROM x JOIN per ON per.u = x.unit_id
WHERE x.kind = 'party_org' AND x.status <> 'not_rated' AND per.n >= 3 AND per.good = per.n
  AND (coalesce(nullif(x.decided, ''), x.proposed) IN ('HTNV', 'KHTNV') OR x.pct_done < 100)
""",
    "tier_gap": """
WITH r AS (SELECT list_filter([
    CASE self_tier WHEN 'HTXSNV' THEN 0 WHEN 'HTTNV' THEN 1 WHEN 'HTNV' THEN 2
                   WHEN 'KHTNV' THEN 3 END,
    CASE proposed WHEN 'HTXSNV' THEN 0 WHEN 'HTTNV' THEN 1 WHEN 'HTNV' THEN 2
                  WHEN 'KHTNV' THEN 3 END,
    CASE decided WHEN 'HTXSNV' THEN 0 WHEN 'HTTNV' THEN 1 WHEN 'HTNV' THEN 2
                 WHEN 'KHTNV' THEN 3 END], lambda v: v IS NOT NULL) AS ranks
  FROM x WHERE is_person AND status <> 'not_rated')
SELECT count(*) FROM r WHERE len(ranks) >= 2 AND list_max(ranks) - list_min(ranks) >= 2
""",
    "htxsnv_outlier": """
WITH p AS (SELECT unit_id, coalesce(nullif(decided, ''), proposed) AS tier FROM x
           WHERE is_person AND status <> 'not_rated'),
u AS (SELECT unit_id, count(*) n, count(*) FILTER (tier = 'HTXSNV') hx FROM p
      WHERE tier <> '' GROUP BY 1 HAVING count(*) >= 5),
g AS (SELECT median(hx / n) med, sum(hx) x_all, sum(n) n_all, count(*) units FROM u),
m AS (SELECT median(abs(hx / n - med)) mad FROM u, g),
c AS (SELECT u.*, (x_all - hx) / (n_all - n) AS p0 FROM u, g, m
      WHERE units >= 5 AND hx / n > med + 3.0 * 1.4826 * mad),
t AS (SELECT unit_id, sum(exp(lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
                             + k * ln(p0) + (n - k) * ln(1 - p0))) AS pv
      FROM (SELECT *, unnest(range(hx, n + 1)) AS k FROM c) GROUP BY 1)
SELECT count(*) FROM t WHERE pv < 0.01
""",
    "override": "SELECT count(*) FROM x WHERE override AND status <> 'not_rated'",
    "leader_above_unit": """
WITH r AS (SELECT unit_id, kind, status, CASE coalesce(nullif(decided, ''), proposed)
             WHEN 'HTXSNV' THEN 0 WHEN 'HTTNV' THEN 1 WHEN 'HTNV' THEN 2 WHEN 'KHTNV' THEN 3
             END AS rk FROM x WHERE status <> 'not_rated')
SELECT count(*) FROM r l JOIN r o ON o.unit_id = l.unit_id AND o.kind = 'party_org'
WHERE l.kind IN ('head', 'leader') AND l.rk < o.rk
""",
}


def generate(url: str) -> None:
    import psycopg
    from django.core.management import call_command

    national = _national()
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t0:.1f} s", flush=True)
    from django.contrib.auth import get_user_model

    from kiemdiem.accounts.models import Grant
    from kiemdiem.cycles.models import ReviewCycle
    from kiemdiem.orgtree.models import Unit

    t0 = time.perf_counter()
    cells = national.copy_units(url)
    print(f"units: {Unit.objects.count():,} in {time.perf_counter() - t0:.1f} s", flush=True)
    root = Unit.objects.get(code="VN")
    province = Unit.objects.get(code="T0")
    cycle = ReviewCycle.objects.create(
        code="KD2025",
        name="Kiểm điểm năm 2025",
        kind="annual",
        year=2025,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        root=root,
        status="open",
    )

    t0 = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    db = national.duckdb_tree(cells, OUT)
    db.execute(SUBJECTS_SQL)
    db.execute(f"COPY s TO '{PARQUET}' (FORMAT parquet)")
    total = db.execute("SELECT count(*) FROM s").fetchone()[0]
    db.execute(f"CREATE TABLE t0 AS SELECT * FROM s WHERE province_id = {province.pk}")
    big = db.execute("SELECT count(*) FROM t0").fetchone()[0]
    print(
        f"subjects (DuckDB → Parquet): {total:,} in the country, {big:,} in T0, "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )

    # The province's rows, as the tables hold them (COPY text from DuckDB).
    now = "2026-01-05 08:00:00+07"
    exports = {
        "people_person": (
            "id, family_name, middle_name, given_name, full_name, sort_key, search_text, "
            "gender, ethnicity, phone, email",
            "SELECT sid, 'Nguyễn', 'Văn', 'Người ' || sid, 'Nguyễn Văn Người ' || sid, "
            "'nguoi ' || sid, 'nguyen van nguoi ' || sid, '', 'Kinh', '', '' "
            "FROM t0 WHERE is_person",
        ),
        "cycles_subject": (
            "id, cycle_id, kind, track, person_id, unit_id, status, reason, added_by_hand, "
            "tier, rating_note",
            f"SELECT sid, {cycle.pk}, kind, 'party', CASE WHEN is_person THEN sid END, unit_id, "
            "status, CASE WHEN status = 'not_rated' THEN 'Ốm dài ngày' ELSE '' END, false, "
            "decided, '' FROM t0",
        ),
        "decisions_decision": (
            "id, subject_id, state, proposed_tier, proposed_reason, tier, reason, "
            "override_reason, overrides, reopened_reason, revision, updated_at",
            "SELECT sid, sid, CASE WHEN decided <> '' THEN 'decided' ELSE 'proposed' END, "
            "proposed, '', decided, '', "
            "CASE WHEN override THEN 'Thành tích đặc biệt, được Ban Thường vụ đồng ý' "
            "ELSE '' END, "
            """CASE WHEN override THEN '[{"code": "quota_htxsnv", "text": "Vượt tỷ lệ 20 % """
            """HTXSNV"}]' ELSE '[]' END, """
            f"'', 0, '{now}' FROM t0 WHERE proposed <> ''",
        ),
        "reviews_selfreview": (
            "id, subject_id, form_key, status, content, unsaved, proposed_tier, engine_result, "
            "version, amendment_reason, return_comment, updated_at, submitted_at",
            "SELECT sid, sid, CASE WHEN is_person THEN 'mau_02a' ELSE 'mau_01' END, "
            "'submitted', "
            """CASE WHEN is_person THEN '{}' ELSE '{"xep_loai": {"fact.pct_tasks_done": "' """
            """|| pct_done || '"}}' END, '{}', self_tier, '{}', 1, '', '', """
            f"'{now}', '{now}' FROM t0 WHERE status <> 'not_rated'",
        ),
    }
    with psycopg.connect(url) as conn:
        for table, (cols, select) in exports.items():
            t1 = time.perf_counter()
            path = OUT / f"{table}.tsv"
            db.execute(f"COPY ({select}) TO '{path}' (FORMAT csv, DELIMITER '\t', HEADER false)")
            with conn.cursor().copy(
                f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t')"
            ) as copy:
                with open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
            path.unlink()
            conn.commit()
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            print(f"  {table}: {n:,} rows in {time.perf_counter() - t1:.1f} s", flush=True)
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.execute("ANALYZE")
    print(f"province rows (COPY): {time.perf_counter() - t0:.1f} s", flush=True)

    User = get_user_model()
    staff = User.objects.create_user(username="staff_t0", password="x")
    Grant.objects.create(user=staff, role="staff", unit=province)


def measure(job: bool) -> None:
    import duckdb
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from kiemdiem.cycles.models import ReviewCycle
    from kiemdiem.insights import services
    from kiemdiem.insights.models import Signal
    from kiemdiem.orgtree.models import Unit

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False  # as served (dev settings turn it on)
    cycle = ReviewCycle.objects.get(code="KD2025")
    province = Unit.objects.get(code="T0")
    staff = get_user_model().objects.get(username="staff_t0")

    from kiemdiem.cycles import tallies

    t0 = time.perf_counter()
    folded = 0
    while n := tallies.fold():  # what the minute's cron does (the COPY appended deltas)
        folded += n
    if folded:
        print(f"folded {folded:,} pending deltas in {time.perf_counter() - t0:.1f} s", flush=True)

    if job:
        statements: list[tuple[float, str]] = []

        def clock(execute, sql, params, many, context):
            t1 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - t1, sql))

        t0 = time.perf_counter()
        with connection.execute_wrapper(clock):
            run = services.signals_refresh(cycle=cycle, actor=None)
        took = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"signals job (signals_refresh): {took:.1f} s for {run.subjects:,} subjects; "
            f"{len(statements)} statements taking {sum(t for t, _ in statements):.1f} s; "
            f"peak RSS {peak:,.0f} MiB; found " + str({str(k): v for k, v in run.counts.items()}),
            flush=True,
        )
        for seconds, sql in sorted(statements, reverse=True)[:6]:
            print(f"  {seconds * 1000:8.0f} ms  {' '.join(sql.split())[:150]}")
    ours = {k: Signal.objects.filter(cycle=cycle, kind=k).count() for k in DUCK_SIGNALS}

    db = duckdb.connect()
    db.execute("SET threads TO 2")
    db.execute(f"CREATE VIEW country AS SELECT * FROM read_parquet('{PARQUET}')")
    db.execute(f"CREATE TABLE t0 AS SELECT * FROM country WHERE province_id = {province.pk}")
    print(f"{'signal':<22} {'ours':>7} {'duckdb T0':>10} {'T0 ms':>8} {'country':>9} {'ms':>8}")
    duck_total = {"T0": 0.0, "country": 0.0}
    for kind, sql in DUCK_SIGNALS.items():
        found = {}
        for scope, source in (("T0", "t0"), ("country", "country")):
            db.execute(f"CREATE OR REPLACE VIEW x AS SELECT * FROM {source}")
            t0 = time.perf_counter()
            found[scope] = db.execute(sql).fetchone()[0]
            ms = (time.perf_counter() - t0) * 1000
            found[scope + "_ms"] = ms
            duck_total[scope] += ms
        mark = "" if found["T0"] == ours[kind] else "  ← differs"
        print(
            f"{kind:<22} {ours[kind]:>7,} {found['T0']:>10,} {found['T0_ms']:>6.0f} ms "
            f"{found['country']:>9,} {found['country_ms']:>6.0f} ms{mark}",
            flush=True,
        )
    print(
        f"DuckDB, all five: T0 {duck_total['T0']:.0f} ms, country {duck_total['country']:.0f} ms "
        "(one run each, cold file cache for the first)"
    )

    client = Client()
    client.force_login(staff)
    pages = {
        "signals page (first page, counts)": f"/insights/signals/?cycle={cycle.pk}",
        "signals page, one kind (tier_gap)": f"/insights/signals/?cycle={cycle.pk}&kind=tier_gap",
        "signals page, page 20": f"/insights/signals/?cycle={cycle.pk}&page=20",
        "start page (signals first line)": "/",
    }
    for label, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        count = [0]

        def counter(execute, sql, params, many, context, count=count):
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            client.get(url)
        queries = count[0]
        median, best = timed(lambda u=url: client.get(u))
        print(f"{label:<40} {median:8.1f} ms (best {best:.1f}) {queries:>3} queries", flush=True)
    national_page(cycle)
    move_a_commune(cycle)


def national_page(cycle) -> None:
    """The signals page of a national reader: T0's signals copied onto the same-shaped units
    of the 39 other top units (about 40 × as many rows), read, then deleted."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from kiemdiem.accounts.models import Grant
    from kiemdiem.orgtree.models import Unit

    national = _national()
    step = 1 + national.COMMUNES + national.COMMUNES * national.CELLS
    province = Unit.objects.get(code="T0")
    last = province.pk + step - 1  # T0's block of ids: the province, its communes and cells
    User = get_user_model()
    reader, created = User.objects.get_or_create(username="staff_vn")
    if created:
        Grant.objects.create(user=reader, role="staff", unit=Unit.objects.get(code="VN"))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO insights_signal (cycle_id, kind, unit_id, subject_id, person_id, "
            "strength, numbers) SELECT cycle_id, kind, unit_id + k * %s, NULL, NULL, strength, "
            f"numbers FROM insights_signal, generate_series(1, {national.TOPS - 1}) k "
            "WHERE cycle_id = %s AND unit_id BETWEEN %s AND %s",
            [step, cycle.pk, province.pk, last],
        )
        cursor.execute("ANALYZE insights_signal")
        cursor.execute(  # the counts stored with the rows, as the job would have them
            "UPDATE insights_signalrun SET counts = (SELECT jsonb_object_agg(kind, n) FROM "
            "(SELECT kind, count(*) n FROM insights_signal WHERE cycle_id = %s GROUP BY 1) c) "
            "WHERE cycle_id = %s",
            [cycle.pk, cycle.pk],
        )
        cursor.execute("SELECT count(*) FROM insights_signal WHERE cycle_id = %s", [cycle.pk])
        rows = cursor.fetchone()[0]
    try:
        for who, user in (("national staff", reader), ("province staff", "staff_t0")):
            if isinstance(user, str):
                user = User.objects.get(username=user)
            client = Client()
            client.force_login(user)
            url = f"/insights/signals/?cycle={cycle.pk}"
            assert client.get(url).status_code == 200
            median, best = timed(lambda c=client, u=url: c.get(u))
            print(
                f"signals page, {who}, {rows:,} signals in the cycle: {median:.1f} ms "
                f"(best {best:.1f})",
                flush=True,
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM insights_signal WHERE cycle_id = %s AND unit_id > %s",
                [cycle.pk, last],
            )
            cursor.execute(
                "UPDATE insights_signalrun SET counts = (SELECT jsonb_object_agg(kind, n) FROM "
                "(SELECT kind, count(*) n FROM insights_signal WHERE cycle_id = %s GROUP BY 1) "
                "c) WHERE cycle_id = %s",
                [cycle.pk, cycle.pk],
            )


def move_a_commune(cycle) -> None:
    """Move a commune of T0 (78 cells, about 4,700 subjects) to T1 and back: the whole move,
    the summaries' hook within it, and the subtree checks after it."""
    from kiemdiem.cycles import tallies
    from kiemdiem.orgtree import hooks
    from kiemdiem.orgtree import services as tree
    from kiemdiem.orgtree.models import Unit, UnitPlacement

    commune, t0_, t1 = (Unit.objects.get(code=c) for c in ("T0X0", "T0", "T1"))
    subtree = list(Unit.objects.filter(path__startswith=commune.path))
    if not UnitPlacement.objects.filter(unit=commune).exists():  # COPY wrote no history
        UnitPlacement.objects.bulk_create(
            UnitPlacement(
                unit=u,
                parent_id=u.parent_id,
                path=u.path,
                depth=u.depth,
                name=u.name,
                valid_from=u.valid_from,
            )
            for u in subtree
        )
    spent: list[float] = []

    def timed_hook(event, hook=tallies.unit_moved):
        t1_ = time.perf_counter()
        hook(event)
        spent.append(time.perf_counter() - t1_)

    hooks._move_hooks[hooks._move_hooks.index(tallies.unit_moved)] = timed_hook
    try:
        since = UnitPlacement.objects.get(unit=commune, valid_to__isnull=True).valid_from
        since = max(since, datetime.date(2025, 5, 31))  # a later run moves after the last one
        one = datetime.timedelta(days=1)
        for target, day in ((t1, since + one), (t0_, since + 2 * one)):
            t1_ = time.perf_counter()
            tree.unit_move(unit=commune, new_parent=target, effective=day, actor=None)
            took = (time.perf_counter() - t1_) * 1000
            t1_ = time.perf_counter()
            differing = tallies.differences([cycle.pk], under=t0_) + tallies.differences(
                [cycle.pk], under=t1
            )
            check = time.perf_counter() - t1_
            print(
                f"move {commune.code} ({len(subtree)} units) under {target.code}: {took:.0f} ms, "
                f"of which the summaries' hook {spent[-1] * 1000:.1f} ms; "
                f"tallies --verify --unit T0 and T1: {len(differing)} differences "
                f"({check:.1f} s)",
                flush=True,
            )
    finally:
        hooks._move_hooks[hooks._move_hooks.index(timed_hook)] = tallies.unit_moved


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", action="store_true", help="measure an existing database")
    parser.add_argument("--no-job", action="store_true", help="skip the signals job")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        parser.error("set DATABASE_URL=postgres://…/wt_tallies_bench (it is re-created)")
    if not args.reuse:
        _national().reset_database(url)
    import django

    django.setup()
    t0 = time.perf_counter()
    if not args.reuse:
        generate(url)
        print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
    measure(job=not args.no_job)


if __name__ == "__main__":
    main()
