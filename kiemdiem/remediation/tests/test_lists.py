"""The lists the regulations name, from the subjects' tiers over a few years; a person's tier
history; the organizations to consolidate with their actions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.remediation import lists, services
from kiemdiem.remediation.models import Consolidation
from kiemdiem.testing import open_annual

D = datetime.date


def rate(cycle, person=None, unit=None, tier="HTTNV", kind=None):
    rows = Subject.objects.filter(cycle=cycle)
    rows = rows.filter(person=person) if person else rows.filter(person__isnull=True, unit=unit)
    if kind:
        rows = rows.filter(kind=kind)
    assert rows.update(tier=tier, status="rated") >= 1


@pytest.fixture
def years(province):
    """Three annual cycles, everyone rated HTTNV unless a test says otherwise."""
    out = {}
    for year in (2023, 2024, 2025):
        cycle = open_annual(province, year)
        subjects.subjects_generate(cycle=cycle, actor=None)
        Subject.objects.filter(cycle=cycle).update(tier="HTTNV", status="rated")
        out[year] = cycle
    return out


def names(rows):
    return [r.name for r in rows]


def test_khtnv_once_twice_and_htxsnv_years_running(province, years):
    m = province.members
    rate(years[2025], m["binh"], tier="KHTNV")
    rate(years[2024], m["binh"], tier="KHTNV")
    rate(years[2025], m["cuong"], tier="KHTNV")
    rate(years[2024], m["dung"], tier="KHTNV")  # last year only: on no 2025 list
    for year in (2023, 2024, 2025):
        rate(years[year], m["an"], tier="HTXSNV")
    staff_p = province.users["staff_p"]
    _, once = lists.build(staff_p, province.province, "khtnv", 2025)
    assert {r.person_id for r in once} == {m["binh"].pk, m["cuong"].pk}
    years_read, twice = lists.build(staff_p, province.province, "khtnv_twice", 2025)
    assert years_read == [2024, 2025]
    assert names(twice) == [m["binh"].full_name]
    assert twice[0].tiers == {2024: "KHTNV", 2025: "KHTNV"}
    _, running = lists.build(staff_p, province.province, "htxsnv_running", 2025, n=3)
    assert names(running) == [m["an"].full_name]
    rate(years[2024], m["an"], tier="HTTNV")  # a year broke the run
    _, running = lists.build(staff_p, province.province, "htxsnv_running", 2025, n=3)
    assert running == []
    # a commune's staff see their commune only
    _, in_b = lists.build(province.users["staff_b"], province.province, "khtnv", 2025)
    assert in_b == []
    _, in_a = lists.build(province.users["staff_a"], province.commune_a, "khtnv", 2025)
    assert {r.person_id for r in in_a} == {m["binh"].pk, m["cuong"].pk}


def test_a_person_rated_in_two_places_counts_by_the_lowest_tier(province, years):
    an = province.members["an"]
    for year in (2023, 2024, 2025):
        rate(years[year], an, tier="HTXSNV")
    _, running = lists.build(None, province.province, "htxsnv_running", 2025, n=3)
    assert names(running) == [an.full_name]
    second = subjects.subject_add(
        cycle=years[2025],
        kind=SubjectKind.LEADER,
        unit=province.commune_b,
        person=an,
        reason="Kiêm nhiệm",
        actor=None,
    )
    Subject.objects.filter(pk=second.pk).update(tier="HTNV", status="rated")
    _, running = lists.build(None, province.province, "htxsnv_running", 2025, n=3)
    assert running == []


def test_organizations_htxsnv_years_running(province, years):
    for year in (2023, 2024, 2025):
        rate(years[year], unit=province.cell_a1, tier="HTXSNV", kind=SubjectKind.PARTY_ORG)
    rate(years[2023], unit=province.cell_a2, tier="HTXSNV", kind=SubjectKind.PARTY_ORG)
    _, orgs = lists.build(None, province.province, "orgs_running", 2025, n=3)
    assert [r.unit_id for r in orgs] == [province.cell_a1.pk]


def test_a_list_is_a_bounded_number_of_queries(province, years):
    for person in province.members.values():
        rate(years[2025], person, tier="KHTNV")
        rate(years[2024], person, tier="KHTNV")
    user = province.users["staff_p"]
    with CaptureQueriesContext(connection) as few:
        _, rows = lists.build(user, province.province, "khtnv_twice", 2025)
    assert len(rows) == len(province.members)
    assert len(few) <= 3  # the grants, the cycles, the subjects: none per person


def test_a_persons_history_across_years(province, years):
    binh = province.members["binh"]
    rate(years[2024], binh, tier="KHTNV")
    services.remedy_item_add(
        subject=Subject.objects.get(cycle=years[2024], person=binh),
        actor=None,
        source="decision",
        source_ref="decision:1",
        text="Không hoàn thành chỉ tiêu",
    )
    rows = lists.history(province.users["member"], binh)  # Bình's own
    assert [(r["year"], r["tier"]) for r in rows] == [
        (2025, "HTTNV"),
        (2024, "KHTNV"),
        (2023, "HTTNV"),
    ]
    assert [s.text for s in rows[1]["shortcomings"]] == ["Không hoàn thành chỉ tiêu"]
    assert lists.history(province.users["staff_b"], binh) == []  # another commune's staff


def test_the_consolidation_list_is_built_once_and_followed_up(province, years):
    cycle = years[2025]
    rate(cycle, unit=province.cell_a2, tier="KHTNV", kind=SubjectKind.PARTY_ORG)
    for person in (province.members["binh"],):
        rate(cycle, person, tier="KHTNV")  # one of A1's two rated members: not more than half
    rate(cycle, province.members["an"], tier="KHTNV")  # now both: weak by its members
    staff_a = province.users["staff_a"]
    built = services.consolidation_build(cycle=cycle, unit=province.commune_a, actor=staff_a)
    assert {(c.unit_id, c.reason) for c in built} == {
        (province.cell_a2.pk, "khtnv"),
        (province.cell_a1.pk, "members_khtnv"),
    }
    again = services.consolidation_build(cycle=cycle, unit=province.commune_a, actor=staff_a)
    assert sorted(c.pk for c in again) == sorted(c.pk for c in built)  # idempotent
    assert Consolidation.objects.count() == 2
    entry = LogEntry.objects.filter(action="remediation.consolidation_built").order_by("pk").last()
    assert (entry.data["added"], entry.data["kept"]) == (0, 2)
    with pytest.raises(PermissionDenied):
        services.consolidation_build(
            cycle=cycle, unit=province.commune_a, actor=province.users["staff_b"]
        )
    target = next(c for c in built if c.reason == "khtnv")
    action = services.consolidation_action_add(
        consolidation=target,
        actor=staff_a,
        text="Kiện toàn chi ủy",
        owner=province.members["an"],
        due_date=D(2026, 3, 31),
    )
    action = services.consolidation_action_update(
        action=action,
        actor=staff_a,
        text="Kiện toàn chi ủy",
        owner=province.members["an"],
        due_date=D(2026, 3, 31),
        status="done",
        result="Đã bầu bổ sung",
    )
    assert (action.status, action.result) == ("done", "Đã bầu bổ sung")
    with pytest.raises(ValidationError) as e:
        services.consolidation_action_update(action=action, actor=staff_a, text="", status="done")
    assert "text" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        services.consolidation_action_add(
            consolidation=target, actor=province.users["staff_b"], text="x"
        )


def test_no_list_before_the_subtree_is_decided(province, years):
    cycle = years[2025]
    Subject.objects.filter(cycle=cycle, unit=province.cell_a1).update(tier="", status="pending")
    with pytest.raises(ValidationError) as e:
        services.consolidation_build(cycle=cycle, unit=province.commune_a, actor=None)
    assert "cycle" in e.value.message_dict
    assert not Consolidation.objects.exists()


def test_the_state_track_has_its_own_lists_and_titles(province, years):
    """An's state-track subjects are not on the party list, and the titles name civil
    servants."""
    assert "Civil servants" in str(lists.title_of("khtnv", "state")) or "Công chức" in str(
        lists.title_of("khtnv", "state")
    )
    rate(years[2025], province.members["binh"], tier="KHTNV")
    _, state = lists.build(None, province.province, "khtnv", 2025, track="state")
    assert province.members["binh"].pk not in {r.person_id for r in state}


def test_weak_by_members_counts_a_cells_members_as_the_rule_reads(province, years):
    """HD 27's signal is "> 1/2 of **a cell's members** KHTNV" (regulations.md §3.4): the
    people rated in a party cell — its secretary too, rated there as its head — each once;
    never the leaders rated at a committee or a commune (not a cell's members)."""
    cycle = years[2025]
    an, binh = province.members["an"], province.members["binh"]
    rate(cycle, binh, tier="KHTNV")  # 1 of A1's 2 members (An, its secretary, HTTNV)
    # a leader rated at commune B (not a cell) KHTNV: no members' share there
    leader = subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.LEADER,
        unit=province.commune_b,
        person=province.members["dung"],
        reason="Kiêm nhiệm",
        actor=None,
    )
    Subject.objects.filter(pk=leader.pk).update(tier="KHTNV", status="rated")
    built = services.consolidation_build(cycle=cycle, unit=province.province, actor=None)
    assert [(c.unit.code, c.reason) for c in built] == []
    rate(cycle, an, tier="KHTNV", kind=SubjectKind.HEAD)
    built = services.consolidation_build(cycle=cycle, unit=province.province, actor=None)
    assert [(c.unit.code, c.reason, c.detail) for c in built] == [
        ("A1", "members_khtnv", "2/2 đảng viên xếp loại KHTNV")
    ]
