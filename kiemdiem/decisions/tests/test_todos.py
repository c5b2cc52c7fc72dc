"""The decider's to-do lines: one per unit for a few units, one per cycle for many."""

import datetime

from django.urls import reverse

from kiemdiem.decisions import todos
from kiemdiem.decisions.selectors import QueueGroup
from kiemdiem.testing import open_annual

D = datetime.date
START = D(2026, 1, 10)


def _groups(cycle, units, start=START):
    return [
        QueueGroup(cycle=cycle, unit=u, count=i + 1, due=start + datetime.timedelta(days=i))
        for i, u in enumerate(units)
    ]


def test_a_few_units_one_line_each(province, monkeypatch):
    cycle = open_annual(province, 2025)
    units = [province.cell_a1, province.cell_a2]
    monkeypatch.setattr(todos, "queue", lambda user: _groups(cycle, units))
    lines = todos.decide_queue(province.users["decider"])
    assert [t.extra["unit"] for t in lines] == [u.pk for u in units]
    assert lines[0].url.endswith(f"?unit={province.cell_a1.pk}")
    assert [t.due for t in lines] == [D(2026, 1, 10), D(2026, 1, 11)]


def test_many_units_the_soonest_each_a_line_the_rest_summed_up(province, monkeypatch):
    cycle = open_annual(province, 2025)
    units = [
        province.commune_a,
        province.commune_b,
        province.cell_a1,
        province.cell_a2,
        province.cell_b1,
        province.standing,
        province.agency,
        province.province,
    ] * 2  # sixteen groups (a unit may wait in two cycles; here twice in one, for the count)
    monkeypatch.setattr(todos, "queue", lambda user: _groups(cycle, units))
    lines = todos.decide_queue(province.users["decider"])
    assert len(lines) == todos.SHOWN + 1
    assert [t.extra["unit"] for t in lines[: todos.SHOWN]] == [u.pk for u in units[: todos.SHOWN]]
    rest = lines[-1]
    assert "11" in rest.detail and str(sum(range(1, 17))) in rest.detail  # units, subjects
    assert rest.items[0] == f"{units[todos.SHOWN].name} ({todos.SHOWN + 1})"
    assert len(rest.items) == todos.NAMED + 1 and rest.more == 0
    assert rest.items[-1] == f"và {11 - todos.NAMED} đơn vị khác"  # units, not people
    assert rest.due == D(2026, 1, 10) + datetime.timedelta(days=todos.SHOWN)
    assert rest.url == reverse("decision-screen", args=[cycle.pk])  # the cycle's whole screen


def test_the_queue_asks_nothing_heavy_of_who_rates_no_one(province):
    """``cycles.policies.rates_anyone`` is False only where ``subjects_to_rate`` holds nothing
    (no decide right, heads no unit): the queue is then empty without its heavy query."""
    from kiemdiem.accounts import services as accounts
    from kiemdiem.cycles import subjects
    from kiemdiem.cycles.policies import rates_anyone, subjects_to_rate
    from kiemdiem.testing import employ, hold_post

    employ(province.members["binh"], province.agency, title="Chuyên viên")
    hold_post(province.members["cuong"], province.agency, title="Giám đốc", role="head")
    head = accounts.user_create(
        username="giamdoc", password=None, person=province.members["cuong"], actor=None
    )
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    users = {**province.users, "giamdoc": head}
    answers = {}
    for name, user in users.items():
        answers[name] = rates_anyone(user)
        if subjects_to_rate(user).exists():
            assert answers[name], name
        else:
            assert todos.decide_queue(user) == [], name
    assert answers["decider"] and answers["giamdoc"]  # a decide right; the agency-head rule
    assert not answers["member"] and not answers["staff_a"]
