"""The reports to-dos: a level's report to submit upward once its subjects are all decided (or
the plan's end is near), and the units directly below that have not submitted — from the
submissions and the summaries, in a number of queries that does not grow with the tree."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kiemdiem.common import todos
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectStatus
from kiemdiem.orgtree import services as tree
from kiemdiem.reports import services as reports
from kiemdiem.reports import todos as report_todos
from kiemdiem.testing import open_annual

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def day(monkeypatch):
    class Clock:
        value = D(2025, 11, 1)

    clock = Clock()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: clock.value)
    return clock


@pytest.fixture
def cycle(province, day):
    cycle = open_annual(province, 2025)  # the plan's last stage is due on 31/12/2025
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def mine(user, code):
    return [t for t in todos.todos_for(user, strict=True) if t.code == code]


def _decide_all(cycle, unit):
    """Every subject of the subtree rated (a plain UPDATE: the summaries' triggers see it like
    any writer's)."""
    Subject.objects.filter(
        cycle=cycle, unit__path__startswith=unit.path, status=SubjectStatus.PENDING
    ).update(status=SubjectStatus.RATED, tier="HTTNV")


def test_once_all_is_decided_the_level_submits_and_chases_the_units_below(province, cycle):
    staff_b = province.users["staff_b"]  # commune B: cell B1 below
    assert mine(staff_b, "reports.own") == mine(staff_b, "reports.below") == []  # far, pending
    _decide_all(cycle, province.commune_b)
    [own] = mine(staff_b, "reports.own")
    assert own.extra == {"cycle": cycle.pk, "unit": province.commune_b.pk, "decided": True}
    assert own.due == D(2025, 12, 31)
    assert own.url == reverse("report", args=[cycle.pk, province.commune_b.pk])
    [below] = mine(staff_b, "reports.below")
    assert below.items == (province.cell_b1.name,) and below.more == 0
    reports.report_submit(cycle=cycle, unit=province.cell_b1, actor=staff_b)
    assert mine(staff_b, "reports.below") == []
    reports.report_submit(cycle=cycle, unit=province.commune_b, actor=staff_b)
    assert mine(staff_b, "reports.own") == []
    # commune A is not decided and far from the plan's end: nothing for its staff
    assert [
        t for t in todos.todos_for(province.users["staff_a"]) if t.code.startswith("reports")
    ] == []
    # a member with no grant to change has no report to send
    assert mine(province.users["member"], "reports.own") == []


def test_near_the_plans_end_the_report_is_due_decided_or_not(province, cycle, day):
    staff_a = province.users["staff_a"]
    day.value = D(2025, 12, 26)
    [own] = mine(staff_a, "reports.own")
    assert own.extra["decided"] is False and "31/12/2025" in own.detail
    [below] = mine(staff_a, "reports.below")
    assert province.cell_a1.name in below.items and province.cell_a2.name in below.items
    # the secretary of cell A1 submits the cell's report
    [cell] = mine(province.users["secretary"], "reports.own")
    assert cell.extra["unit"] == province.cell_a1.pk
    assert mine(province.users["secretary"], "reports.below") == []


def test_a_few_units_named_and_the_queries_do_not_grow_with_the_tree(province, cycle, day):
    staff_b = province.users["staff_b"]
    day.value = D(2025, 12, 26)
    staff_b.grants.all()

    def read():
        with CaptureQueriesContext(connection) as captured:
            found = report_todos.reports_to_send(staff_b)
        return found, len(captured)

    read()  # the grants' scope is cached on the user
    found, before = read()
    for i in range(7):
        tree.unit_create(
            code=f"BX{i}",
            name=f"Chi bộ thôn Mới {i}",
            kind="chi_bo_truc_thuoc",
            parent=province.commune_b,
            valid_from=province.commune_b.valid_from,
            actor=None,
        )
    found, after = read()
    [below] = [t for t in found if t.code == "reports.below"]
    assert len(below.items) == report_todos.NAMED and below.more == 8 - report_todos.NAMED
    assert after <= before + 1  # the count behind "n more"
