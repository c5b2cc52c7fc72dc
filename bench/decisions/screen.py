"""Benchmark: the decision screen for 500 members of one grassroots organization.

Builds, in a scratch database, a province with one commune party committee of 25 cells and 500
party members, opens the 2025 cycle, submits every self-review through the services (the
engine's result stored with its pool and rank key, tiers from 70 to 97 points) and records a
proposal for each (about a quarter HTXSNV, so the pool is over its quota). Then it times, as the
province's decision maker:

* the selector ``decisions.screen.screen`` (rows, the pool over the whole commune, caps);
* the page ``/decisions/<cycle>/screen/?unit=…&group=members`` through the Django test client
  (server time: the selector, the door, the template), and counts its queries.

    createdb -h 127.0.0.1 -U postgres screen_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/screen_bench \\
        .venv/bin/python bench/decisions/screen.py

Without DATABASE_URL it uses a scratch SQLite file in /tmp. ``--reuse`` times again without
rebuilding. Target (issue #12): the screen for 500 subjects answers in < 300 ms.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.gettempdir()}/kiemdiem_bench_screen.sqlite3"

D = datetime.date
CODE = "BENCHSCREEN2025"
MEMBERS = 500
CELLS = 25
GIVEN = [
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Khánh", "Lan",
    "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
    "Tuấn",
]  # fmt: skip
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thu", "Quang", "Ngọc", "Hữu"]


def timed(label, fn, repeat=7):
    times, result = [], None
    fn()  # warm: packs loaded, templates compiled
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<58} median {statistics.median(times):6.0f} ms  (min {min(times):.0f}, n={repeat})"
    )
    return result


def build():
    from kiemdiem.accounts import services as accounts
    from kiemdiem.cycles import subjects
    from kiemdiem.cycles.models import Subject, SubjectKind
    from kiemdiem.decisions import services as decisions
    from kiemdiem.orgtree import services as tree
    from kiemdiem.people import services as people
    from kiemdiem.reviews import services as reviews
    from kiemdiem.testing import WRITTEN, open_annual

    start = time.perf_counter()
    p = tree.unit_create(
        code="BP",
        name="Đảng bộ tỉnh Đo",
        kind="dang_bo_tinh",
        parent=None,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    commune = tree.unit_create(
        code="BX",
        name="Đảng bộ xã Đo Đạc",
        kind="dang_bo_xa",
        parent=p,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    cells = [
        tree.unit_create(
            code=f"BC{i:02}", name=f"Chi bộ thôn {i + 1}", kind="chi_bo_truc_thuoc", parent=commune,
            valid_from=D(2020, 1, 1), actor=None,
        )
        for i in range(CELLS)
    ]  # fmt: skip
    for i in range(MEMBERS):
        person = people.person_create(
            family_name=FAMILY[i % len(FAMILY)],
            middle_name=MIDDLE[(i // 10) % len(MIDDLE)],
            given_name=GIVEN[(i // 3) % len(GIVEN)],
            birth_date=D(1960 + i % 30, 1 + i % 12, 1 + i % 28),
            actor=None,
        )
        people.member_admit(
            person=person, admitted_on=D(2010, 1, 1), official_on=D(2011, 1, 1), actor=None
        )
        people.affiliation_start(
            person=person, unit=cells[i % CELLS], kind="cell", valid_from=D(2020, 1, 1), actor=None
        )
    user = accounts.user_create(username="bench_decider", password="pass12345!", actor=None)
    accounts.grant_add(user=user, role="decider", unit=p, actor=None)
    cycle = open_annual(type("P", (), {"province": p}), 2025)
    cycle.code = CODE
    cycle.save(update_fields=["code"])
    subjects.subjects_generate(cycle=cycle, actor=None)
    members = Subject.objects.filter(cycle=cycle, kind=SubjectKind.PARTY_MEMBER).order_by("pk")
    for i, subject in enumerate(members):
        general, task = 20 + i % 11, 50 + (i * 7) % 21  # 70–101 → capped by the form
        rating = {
            "fact.general_score": str(min(general, 30)),
            "fact.task_score": str(min(task, 70)),
            "fact.pct_tasks_done": "100",
            "fact.on_time_quality": "on",
            "fact.pct_tasks_exceeded": str(10 + i % 40),
            "fact.pct_tasks_late": "0",
        }
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_submit(
            review=review,
            content={**WRITTEN, "xep_loai": rating},
            proposed_tier="HTTNV",
            actor=None,
        )
        tier = "HTXSNV" if i % 4 == 0 else "HTTNV"
        decisions.propose(subject=subject, tier=tier, reason="Chi ủy đề xuất", actor=None)
    print(
        f"built {members.count()} members with reviews and proposals in {time.perf_counter() - start:.0f} s"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from kiemdiem.accounts.models import User
    from kiemdiem.cycles.models import ReviewCycle
    from kiemdiem.decisions import screen as screens
    from kiemdiem.orgtree.models import Unit

    call_command("migrate", verbosity=0)
    if not (args.reuse and ReviewCycle.objects.filter(code=CODE).exists()):
        if ReviewCycle.objects.exists():
            sys.exit("The bench needs an empty scratch database (or --reuse).")
        with translation.override("vi"):
            build()
    cycle = ReviewCycle.objects.get(code=CODE)
    commune = Unit.objects.get(code="BX")
    user = User.objects.get(username="bench_decider")
    print(
        f"{connection.vendor}, {os.cpu_count()} CPUs, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    )
    with translation.override("vi"):
        view = timed(
            "selector decisions.screen.screen (500 rows, 1 pool)",
            lambda: screens.screen(cycle=cycle, unit=commune, group="members", user=user),
        )
    (pool,) = view.pools
    print(
        f"  rows {len(view.rows)}; pool {pool.members} subjects, {pool.httnv} HTTNV, {pool.candidates} proposed HTXSNV, {pool.allowed} allowed"
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/decisions/{cycle.pk}/screen/?unit={commune.pk}&group=members"

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    response = timed("page GET (request, door, selector, template)", page)
    with CaptureQueriesContext(connection) as queries:
        page()
    print(f"  page: {len(response.content) // 1024} kB, {len(queries)} queries")


if __name__ == "__main__":
    main()
