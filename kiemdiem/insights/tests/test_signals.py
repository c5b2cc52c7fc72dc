"""Each signal fires on a scene built for it, with the numbers of that scene, and stays silent
on a clean one; the rows are stored per cycle by the service (and its job), read through the
door, and explained in words."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions.models import Decision
from kiemdiem.insights import policies, selectors, services, signals
from kiemdiem.insights.explain import explain
from kiemdiem.insights.models import Signal, SignalKind, SignalRun
from kiemdiem.insights.tests.conftest import rate
from kiemdiem.orgtree import services as tree
from kiemdiem.reviews.models import SelfReview

pytestmark = pytest.mark.django_db


def clean(cycle):
    """Everyone HTTNV, every unit HTTNV: nothing to signal."""
    Subject.objects.filter(cycle=cycle).update(tier="HTTNV", status="rated")


def found(cycle, kind):
    rows, _read = signals.compute(cycle)
    return [s for s in rows if s.kind == kind]


def test_a_clean_cycle_has_no_signal(province, cycle):
    clean(cycle)
    rows, read = signals.compute(cycle)
    assert rows == []
    assert read == Subject.objects.filter(cycle=cycle).count() == 12


def test_everyone_good_while_the_unit_missed_its_targets(province, cycle):
    clean(cycle)
    rate(cycle, unit=province.commune_a, tier="HTNV")  # commune A: An, Bình, Cường all HTTNV
    rate(cycle, person=province.members["an"], tier="HTXSNV")
    [s] = found(cycle, SignalKind.ALL_GOOD_UNIT_MISSED)
    assert s.unit_id == province.commune_a.pk
    assert s.numbers["people"] == 3 and s.numbers["good"] == 3 and s.numbers["htxsnv"] == 1
    assert s.numbers["unit_tier"] == "HTNV" and s.numbers["reasons"] == ["tier"]
    assert "3" in explain(s) and "HTNV" in explain(s)
    # one person rated HTNV too: not everyone is good any more
    rate(cycle, person=province.members["cuong"], tier="HTNV")
    assert found(cycle, SignalKind.ALL_GOOD_UNIT_MISSED) == []


def test_a_report_that_records_tasks_not_done_counts_as_missed(province, cycle):
    clean(cycle)
    unit_subject = Subject.objects.get(cycle=cycle, unit=province.commune_a, person__isnull=True)
    SelfReview.objects.create(
        subject=unit_subject,
        form_key="mau_01",
        content={"xep_loai": {"fact.pct_tasks_done": "85", "fact.general_score": "20"}},
    )
    [s] = found(cycle, SignalKind.ALL_GOOD_UNIT_MISSED)
    assert s.numbers["pct_tasks_done"] == "85" and s.numbers["reasons"] == ["tasks"]
    assert "85%" in explain(s)


def test_a_gap_of_two_tiers_between_self_proposal_and_decision(province, cycle):
    clean(cycle)
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    SelfReview.objects.create(subject=binh, form_key="2c", proposed_tier="HTXSNV")
    rate(cycle, person=province.members["binh"], tier="HTTNV")
    assert found(cycle, SignalKind.TIER_GAP) == []  # one tier apart
    Decision.objects.create(subject=binh, state="decided", proposed_tier="HTNV", tier="HTNV")
    rate(cycle, person=province.members["binh"], tier="HTNV")
    [s] = found(cycle, SignalKind.TIER_GAP)
    assert (s.subject_id, s.person_id) == (binh.pk, province.members["binh"].pk)
    assert s.numbers | {} == {
        "self": "HTXSNV",
        "vote": "",
        "proposed": "HTNV",
        "decided": "HTNV",
        "gap": 2,
        "votes_recorded": True,  # the meetings app records votes (none here)
    }


def test_the_voted_tier_comes_from_a_registered_source(province, cycle):
    from kiemdiem.cycles import votes

    clean(cycle)
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    votes.register_source("test.votes", lambda cycle_id, ids=None: {binh.pk: "KHTNV"})
    try:
        [s] = found(cycle, SignalKind.TIER_GAP)
    finally:
        votes.unregister_source("test.votes")
    assert s.numbers["vote"] == "KHTNV" and s.numbers["gap"] == 2
    assert s.numbers["votes_recorded"] is True


@pytest.fixture
def six_cells(province, cycle):
    """Six cells under commune B, five people rated in each (the same five people: a person may
    be reviewed in several places), one HTXSNV in each."""
    from kiemdiem.people import services as people_services

    five = [province.members[n] for n in ("an", "binh", "cuong", "dung")]
    five.append(
        people_services.person_create(
            family_name="Võ",
            middle_name="Thị",
            given_name="Năm",
            birth_date=datetime.date(1985, 1, 1),
            actor=None,
        )
    )
    cells = []
    for i in range(6):
        cell = tree.unit_create(
            code=f"BX{i}",
            name=f"Chi bộ khu phố {10 + i}",
            kind="chi_bo_truc_thuoc",
            parent=province.commune_b,
            valid_from=datetime.date(2020, 1, 1),
            actor=None,
        )
        cells.append(cell)
        Subject.objects.bulk_create(
            Subject(
                cycle=cycle,
                kind=SubjectKind.PARTY_MEMBER,
                track="party",
                person=p,
                unit=cell,
                tier="HTXSNV" if j == 0 else "HTTNV",
                status="rated",
            )
            for j, p in enumerate(five)
        )
    clean(cycle)
    for cell in cells:  # one HTXSNV in each cell again (clean() made everyone HTTNV)
        first = Subject.objects.filter(cycle=cycle, unit=cell).order_by("pk").first()
        Subject.objects.filter(pk=first.pk).update(tier="HTXSNV")
    return cells


def test_an_htxsnv_share_far_above_comparable_units(province, cycle, six_cells):
    assert found(cycle, SignalKind.HTXSNV_OUTLIER) == []  # 20 % everywhere
    loud = six_cells[0]
    Subject.objects.filter(cycle=cycle, unit=loud).update(tier="HTXSNV")  # 5 of 5
    [s] = found(cycle, SignalKind.HTXSNV_OUTLIER)
    assert s.unit_id == loud.pk
    n = s.numbers
    assert (n["htxsnv"], n["people"], n["share"]) == (5, 5, 100.0)
    assert (n["median"], n["mad"], n["threshold"]) == (20.0, 0.0, 20.0)
    # the other five cells: 5 HTXSNV of 25 people, pooled 20 %; P(X ≥ 5 | 5, 0.2) = 0.2⁵
    assert n["pooled"] == 20.0 and n["p_value"] == pytest.approx(0.00032)
    assert n["group_units"] == 6 and n["unit_kind"] == "chi_bo_truc_thuoc"
    text = explain(s)
    assert "100.0%" in text and "0.00032" in text and "20.0%" in text


def test_a_share_above_the_median_by_chance_is_not_a_signal(province, cycle, six_cells):
    """2 of 5 (40 %) is above a median of 20 % with no spread, but 2 or more HTXSNV of 5 at 20 %
    happens one time in four (binomial test): no signal."""
    cell = six_cells[0]
    second = Subject.objects.filter(cycle=cycle, unit=cell, tier="HTTNV").first()
    Subject.objects.filter(pk=second.pk).update(tier="HTXSNV")
    assert found(cycle, SignalKind.HTXSNV_OUTLIER) == []
    assert signals.binomial_upper(2, 5, 0.2) == pytest.approx(0.26272)


def test_quota_and_cap_overrides(province, cycle):
    clean(cycle)
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    Decision.objects.create(
        subject=binh,
        state="decided",
        tier="HTXSNV",
        override_reason="Thành tích đột xuất",
        overrides=[{"kind": "quota", "code": "Q1", "text": "Vượt 20% HTXSNV của chi bộ"}],
    )
    Decision.objects.create(
        subject=Subject.objects.get(cycle=cycle, person=province.members["cuong"]),
        state="decided",
        tier="HTTNV",
    )
    [s] = found(cycle, SignalKind.OVERRIDE)
    assert s.subject_id == binh.pk
    assert s.numbers["broken"] == ["Vượt 20% HTXSNV của chi bộ"]
    assert "Thành tích đột xuất" in explain(s)


def test_a_leader_rated_above_their_unit(province, cycle):
    clean(cycle)
    rate(cycle, person=province.members["an"], tier="HTXSNV")  # head of cell A1 (HTTNV)
    [s] = found(cycle, SignalKind.LEADER_ABOVE_UNIT)
    assert s.unit_id == province.cell_a1.pk and s.person_id == province.members["an"].pk
    assert s.numbers == {"tier": "HTXSNV", "unit_tier": "HTTNV", "led_unit": province.cell_a1.pk}
    rate(cycle, unit=province.cell_a1, tier="HTXSNV")
    assert found(cycle, SignalKind.LEADER_ABOVE_UNIT) == []


def test_stored_per_cycle_replaced_whole_audited_and_read_through_the_door(province, cycle):
    clean(cycle)
    rate(cycle, person=province.members["an"], tier="HTXSNV")  # leader above unit, cell A1
    rate(cycle, unit=province.cell_b1, tier="KHTNV")
    rate(cycle, person=province.members["dung"], tier="HTXSNV")  # … and in cell B1
    with pytest.raises(PermissionDenied):
        services.signals_refresh(cycle=cycle, actor=province.users["staff_a"])
    assert not Signal.objects.exists()
    run = services.signals_refresh(cycle=cycle, actor=province.users["staff_p"])
    assert run.counts == {"leader_above_unit": 1}  # Dung is no leader
    assert LogEntry.objects.filter(action="insights.signals_computed").count() == 1
    run = services.signals_refresh(cycle=cycle, actor=None)  # replaced, not added
    assert Signal.objects.filter(cycle=cycle).count() == 1
    assert SignalRun.objects.get(cycle=cycle).computed_at == run.computed_at
    p, a, b = (province.users[n] for n in ("staff_p", "staff_a", "staff_b"))
    assert selectors.signal_list(p, cycle).count() == 1
    assert selectors.signal_list(a, cycle).count() == 1
    assert selectors.signal_list(b, cycle).count() == 0
    assert selectors.signal_list(province.users["member"], cycle).count() == 0


def test_a_reader_of_the_whole_cycle_gets_the_stored_counts(province, cycle):
    """Whoever reads the whole cycle (a grant at or above its root) is given the counts stored
    with the rows; a reader of part of it has its rows counted."""
    clean(cycle)
    rate(cycle, person=province.members["an"], tier="HTXSNV")  # leader above unit, cell A1
    rate(cycle, unit=province.cell_b1, tier="KHTNV")
    rate(cycle, person=province.members["dung"], tier="HTXSNV")
    services.signals_refresh(cycle=cycle, actor=None)
    staff_p, staff_a = province.users["staff_p"], province.users["staff_a"]
    assert policies.may_read_whole_cycle(staff_p, cycle)
    assert not policies.may_read_whole_cycle(staff_a, cycle)
    assert selectors.signal_counts(staff_p, cycle) == {"leader_above_unit": 1}
    SignalRun.objects.filter(cycle=cycle).update(counts={"leader_above_unit": 7, "override": 0})
    assert selectors.signal_counts(staff_p, cycle) == {"leader_above_unit": 7}  # not counted
    assert selectors.signal_counts(staff_a, cycle) == {"leader_above_unit": 1}  # counted
    within = selectors.signal_counts(staff_p, cycle, within=province.commune_b)
    assert within == {}  # counted too: B has none


@pytest.mark.django_db(transaction=True)
def test_recording_decisions_queues_one_computation_per_cycle(province):
    from kiemdiem.cycles import subjects
    from kiemdiem.decisions import services as decisions
    from kiemdiem.insights import jobs
    from kiemdiem.jobs.models import Job
    from kiemdiem.testing import open_annual

    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    from django.db import transaction

    with transaction.atomic():
        for name in ("binh", "cuong"):
            subject = Subject.objects.get(cycle=cycle, person=province.members[name])
            decisions.propose(subject=subject, tier="HTTNV", actor=None)
    # The test settings run jobs at once: the one job ran after the commit.
    ran = Job.objects.filter(kind=jobs.KIND)
    assert ran.count() == 1 and ran.get().params == {"cycle": cycle.pk}
    assert ran.get().status == "done" and SignalRun.objects.filter(cycle=cycle).exists()
    # While one waits on the queue, recording more decisions queues no other.
    Job.objects.create(kind=jobs.KIND, params={"cycle": cycle.pk}, status="queued")
    subject = Subject.objects.get(cycle=cycle, person=province.members["dung"])
    decisions.propose(subject=subject, tier="HTTNV", actor=None)
    assert ran.count() == 2
    # A transaction rolled back queues nothing.
    Job.objects.filter(kind=jobs.KIND, status="queued").delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        decisions.propose(subject=subject, tier="HTNV", actor=None)
        raise RuntimeError
    assert ran.count() == 1


def test_a_moved_unit_queues_the_signals_again(province, cycle, django_capture_on_commit_callbacks):
    """Commune A's people are all HTTNV while A is HTNV: a signal naming 3 people. Cell A1 (An,
    Bình) moves to commune B: once the move commits the cycle is computed again on the new
    tree, and A (only Cường left) no longer has the 3 people the signal needs."""
    from kiemdiem.insights import jobs
    from kiemdiem.jobs.models import Job

    clean(cycle)
    rate(cycle, unit=province.commune_a, tier="HTNV")
    services.signals_refresh(cycle=cycle, actor=None)
    [s] = Signal.objects.filter(cycle=cycle, kind=SignalKind.ALL_GOOD_UNIT_MISSED)
    assert s.unit_id == province.commune_a.pk and s.numbers["people"] == 3
    with django_capture_on_commit_callbacks(execute=True) as queued:
        tree.unit_move(
            unit=province.cell_a1,
            new_parent=province.commune_b,
            effective=datetime.date(2025, 6, 1),
            actor=None,
        )
    assert len(queued) == 1
    assert Job.objects.get(kind=jobs.KIND).status == "done"
    assert not Signal.objects.filter(cycle=cycle, kind=SignalKind.ALL_GOOD_UNIT_MISSED).exists()


def test_a_move_outside_every_computed_cycle_queues_nothing(
    province, cycle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:  # no signals computed yet
        tree.unit_move(
            unit=province.cell_a1,
            new_parent=province.commune_b,
            effective=datetime.date(2025, 6, 1),
            actor=None,
        )
    assert queued == []


def test_the_computation_reads_the_cycle_in_a_fixed_number_of_queries(province, cycle, six_cells):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        signals.compute(cycle)
    more = tree.unit_create(
        code="BX9",
        name="Chi bộ khu phố 99",
        kind="chi_bo_truc_thuoc",
        parent=province.commune_b,
        valid_from=datetime.date(2020, 1, 1),
        actor=None,
    )
    Subject.objects.bulk_create(
        Subject(cycle=cycle, kind="party_member", track="party", person=p, unit=more, tier="HTXSNV")
        for p in province.members.values()
    )
    with CaptureQueriesContext(connection) as large:
        signals.compute(cycle)
    assert len(large) == len(small) <= 6


def test_the_nightly_command_computes_the_open_cycles(province, cycle):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    clean(cycle)
    rate(cycle, person=province.members["an"], tier="HTXSNV")
    out = io.StringIO()
    call_command("compute_signals", stdout=out)
    assert out.getvalue() == "KD2025: 1 signals from 12 subjects\n"
    assert SignalRun.objects.get(cycle=cycle).counts == {"leader_above_unit": 1}
    with pytest.raises(CommandError):
        call_command("compute_signals", cycle=999999)


# The charts: the signals by kind (the page's counts) and by unit below (the page's rows).


def _two_signals(province, cycle):
    """An above his cell A1 (commune A); an override in cell B1 (commune B)."""
    clean(cycle)
    rate(cycle, person=province.members["an"], tier="HTXSNV")
    dung = Subject.objects.get(cycle=cycle, person=province.members["dung"])
    Decision.objects.create(
        subject=dung,
        state="decided",
        tier="HTTNV",
        override_reason="Có thành tích đột xuất",
        overrides=[{"code": "Q", "text": "Vượt tỷ lệ"}],
    )
    services.signals_refresh(cycle=cycle, actor=None)


def test_the_charts_count_the_rows_the_page_lists(province, cycle):
    from kiemdiem.insights import charts

    _two_signals(province, cycle)
    staff_p, staff_a = province.users["staff_p"], province.users["staff_a"]
    below, itself = selectors.signals_below(staff_p, cycle)  # the province's communes
    assert [(r.unit, r.counts) for r in below] == [
        (province.commune_a, {"leader_above_unit": 1}),
        (province.commune_b, {"override": 1}),
    ]
    assert sum(r.total for r in below) + itself == selectors.signal_list(staff_p, cycle).count()
    # a reader of the whole cycle reads the counts stored with the signals, no signal row
    with CaptureQueriesContext(connection) as seen:
        assert selectors.signals_below(staff_p, cycle) == (below, itself)
    assert not [q for q in seen.captured_queries if '"insights_signal"' in q["sql"]]
    assert SignalRun.objects.get(cycle=cycle).counts_below == {
        province.commune_a.path: {"leader_above_unit": 1},
        province.commune_b.path: {"override": 1},
    }
    # the kind filter and the scope narrow the list and the chart alike
    below, _ = selectors.signals_below(staff_p, cycle, kind="override")
    assert [(r.unit, r.total) for r in below] == [(province.commune_b, 1)]
    below, _ = selectors.signals_below(staff_p, cycle, within=province.commune_a)
    assert [(r.unit, r.counts) for r in below] == [(province.cell_a1, {"leader_above_unit": 1})]
    assert selectors.signals_below(staff_p, cycle, within=province.cell_a1) == ([], 1)  # itself
    # a commune's staff: their commune's cells, through the door
    below, _ = selectors.signals_below(staff_a, cycle)
    assert [(r.unit, r.total) for r in below] == [(province.cell_a1, 1)]
    # the chart by kind draws the page's counts: one bar a kind, its number after it
    counts = [
        (code, label, {"override": 1, "leader_above_unit": 1}.get(code, 0))
        for code, label in SignalKind.choices
    ]
    drawn = charts.signal_charts(counts, *selectors.signals_below(staff_p, cycle))
    assert drawn.kinds.count("<rect") == 2 and drawn.units.count("<rect") == 2 + 2  # + legend
    assert f"{SignalKind.OVERRIDE.label}: 1</title>" in drawn.units
    empty = charts.signal_charts([(c, label, 0) for c, label in SignalKind.choices], [], 0)
    assert (empty.kinds, empty.units) == ("", "")


def test_the_signals_page_draws_the_charts_with_names_escaped(client, province, cycle):
    _two_signals(province, cycle)
    type(province.commune_a).objects.filter(pk=province.commune_a.pk).update(
        name="<script>alert(1)</script>", short_name=""
    )
    client.force_login(province.users["staff_p"])
    page = client.get("/insights/signals/", {"cycle": cycle.pk})
    assert page.status_code == 200
    assert page.text.count('class="chart"') == 2
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    # nothing found: no chart, the list's sentence
    clean(cycle)
    Decision.objects.all().delete()
    services.signals_refresh(cycle=cycle, actor=None)
    page = client.get("/insights/signals/", {"cycle": cycle.pk})
    assert "<svg" not in page.text and "signal-list" in page.text
