"""The decider's to-do lines: one per unit for a few units, one per cycle for many."""

import datetime

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


def test_many_units_gathered_in_one_line_per_cycle(province, monkeypatch):
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
    ]
    monkeypatch.setattr(todos, "queue", lambda user: _groups(cycle, units))
    (line,) = todos.decide_queue(province.users["decider"])
    assert line.extra == {"count": sum(range(1, 9)), "cycle": cycle.pk, "units": 8}
    assert "36" in line.detail and "8" in line.detail  # subjects, units
    assert line.items[0] == f"{province.commune_a.name} (1)"  # the soonest deadline first
    assert len(line.items) == todos.NAMED and line.more == 2
    assert line.due == D(2026, 1, 10)
    assert "?unit=" not in line.url  # the whole decision screen of the cycle


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
