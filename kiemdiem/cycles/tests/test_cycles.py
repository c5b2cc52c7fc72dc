import datetime

import pytest
from django.core.exceptions import ValidationError

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import services, subjects
from kiemdiem.cycles.models import PinnedPack, Plan, Subject, SubjectKind, SubjectStatus
from kiemdiem.cycles.selectors import prerequisites
from kiemdiem.cycles.services import StageWindow
from kiemdiem.people import services as people
from kiemdiem.testing import employ, hold_post, open_annual

D = datetime.date


@pytest.mark.parametrize(
    ("year", "party_pack", "state_packs"),
    # NĐ 90 starts with 2020; the 2019 state decrees (NĐ 56/88) are not covered
    [
        (2019, "R2019", set()),
        (2023, "R2023", {"ND90-48"}),
        (2025, "R2025", {"ND90-48"}),
        (2026, "R2025", {"ND335", "ND90-48"}),
    ],
)
def test_a_cycle_pins_the_rule_sets_of_its_year(province, year, party_pack, state_packs):
    cycle = open_annual(province, year)
    pins = {p.track: set() for p in cycle.packs.all()}
    for pin in cycle.packs.all():
        pins[pin.track].add(pin.pack_id)
        assert pin.pack_hash.startswith("sha256:")
    assert pins["party"] == {party_pack}
    assert pins.get("state", set()) == state_packs


def test_a_pinned_pack_can_never_change(province):
    cycle = open_annual(province, 2025)
    pin = cycle.packs.get(track="party")
    pin.pack_hash = "sha256:other"
    with pytest.raises(ValueError):
        pin.save()
    assert PinnedPack.objects.get(pk=pin.pk).pack_hash != "sha256:other"


def test_quarterly_cycles_rate_q1_to_q3_only(province):
    common = dict(
        code="Q",
        name="Quý",
        kind="quarterly",
        year=2026,
        period_start=D(2026, 10, 1),
        period_end=D(2026, 12, 31),
        root=province.province,
        stages=[],
        actor=None,
    )
    with pytest.raises(ValidationError) as error:
        services.cycle_open(quarter=4, **common)
    assert "Hướng dẫn 43" in str(error.value)
    cycle = services.cycle_open(
        **{**common, "quarter": 2, "period_start": D(2026, 4, 1), "period_end": D(2026, 6, 30)}
    )
    assert [p.pack_id for p in cycle.packs.all()] == ["R2025"]


def test_a_lower_plan_must_fit_inside_its_parents_windows(province):
    cycle = open_annual(province, 2025)
    too_late = [StageWindow("self_review", D(2025, 11, 20), D(2025, 12, 12))]
    with pytest.raises(ValidationError) as error:
        services.plan_issue(cycle=cycle, unit=province.commune_a, stages=too_late, actor=None)
    assert "15/11/2025 – 10/12/2025" in str(error.value)
    assert not Plan.objects.filter(unit=province.commune_a).exists()
    commune = services.plan_issue(
        cycle=cycle,
        unit=province.commune_a,
        stages=[StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
        actor=None,
    )
    # the cell's plan fits inside the commune's, not only the province's
    with pytest.raises(ValidationError):
        services.plan_issue(
            cycle=cycle,
            unit=province.cell_a1,
            stages=[StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 8))],
            actor=None,
        )
    cell = services.plan_issue(
        cycle=cycle,
        unit=province.cell_a1,
        stages=[StageWindow("self_review", D(2025, 11, 18), D(2025, 12, 1))],
        actor=None,
    )
    assert cell.parent == commune
    assert LogEntry.objects.filter(action="plan.issued").count() == 2


def test_a_plan_sent_back_is_revised_inside_the_windows(province):
    cycle = open_annual(province, 2025)
    plan = services.plan_issue(
        cycle=cycle,
        unit=province.commune_a,
        stages=[StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
        actor=None,
    )
    services.plan_return(plan=plan, comment="Thiếu lịch họp chi bộ", actor=None)
    assert Plan.objects.get(pk=plan.pk).status == "returned"
    services.plan_revise(
        plan=plan,
        guidance="Bổ sung",
        actor=None,
        stages=[
            StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5)),
            StageWindow("meeting", D(2025, 12, 6), D(2025, 12, 15)),
        ],
    )
    plan.refresh_from_db()
    assert (plan.status, plan.stages.count()) == ("issued", 2)


def test_the_subject_list_follows_the_registry(province):
    # given: An heads cell A1 and sits on the standing committee; Cường is exempt; Dung works
    # in the commune's agency as a civil servant; Bình moved from A1 to B1 during the year
    an, binh, cuong, dung = (province.members[k] for k in ("an", "binh", "cuong", "dung"))
    hold_post(an, province.standing, title="Ủy viên")
    people.member_status_change(
        member=cuong.membership,
        status="exempt",
        effective=D(2025, 3, 1),
        reason="Tuổi cao",
        actor=None,
    )
    employ(dung, province.agency, title="Văn thư")
    people.member_transfer(
        person=binh, to_cell=province.cell_b1, effective=D(2025, 6, 1), actor=None
    )
    cycle = open_annual(province, 2025)
    # when
    count = subjects.subjects_generate(cycle=cycle, actor=None)
    # then
    rows = {
        (s.kind, s.person.given_name if s.person_id else None, s.unit.code, s.status)
        for s in cycle.subjects.select_related("person", "unit")
    }
    assert count == len(rows)
    assert ("head", "An", "A1", "pending") in rows  # head of the cell
    assert ("leader", "An", "PBTV", "pending") in rows  # seat in the collective
    assert ("party_member", "Bình", "B1", "pending") in rows  # where she is at the end of the year
    assert not any(r[1] == "Bình" and r[2] == "A1" for r in rows)
    assert ("party_member", "Cường", "A2", "pending") not in rows
    assert any(r[1] == "Cường" and r[3] == "not_rated" for r in rows)
    assert ("cong_chuc", "Dung", "UBA", "pending") in rows
    assert ("leadership_collective", None, "PBTV", "pending") in rows
    assert ("party_org", None, "A1", "pending") in rows
    assert ("state_agency", None, "UBA", "pending") in rows
    with pytest.raises(ValidationError):
        subjects.subjects_generate(cycle=cycle, actor=None)


def test_a_leader_is_reviewed_in_each_place_once(province):
    an = province.members["an"]
    hold_post(an, province.standing, title="Ủy viên")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    kinds = sorted(Subject.objects.filter(cycle=cycle, person=an).values_list("kind", "unit__code"))
    # the cell he heads (once, as its head) and the standing committee he sits on
    assert kinds == [("head", "A1"), ("leader", "PBTV")]


def test_quarterly_lists_leaders_only(province):
    cycle = services.cycle_open(
        code="Q2",
        name="Quý II/2026",
        kind="quarterly",
        year=2026,
        quarter=2,
        period_start=D(2026, 4, 1),
        period_end=D(2026, 6, 30),
        root=province.province,
        stages=[],
        actor=None,
    )
    subjects.subjects_generate(cycle=cycle, actor=None)
    assert set(cycle.subjects.values_list("kind", flat=True)) == {SubjectKind.HEAD}


def test_the_order_the_rules_require(province):
    an, dung = province.members["an"], province.members["dung"]
    hold_post(an, province.standing, title="Ủy viên")
    employ(dung, province.agency, title="Văn thư")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    get = lambda **kw: Subject.objects.get(cycle=cycle, **kw)  # noqa: E731
    # state rating before the party-member rating of the same person
    assert list(prerequisites(get(person=dung, kind="party_member"))) == [
        get(person=dung, kind="cong_chuc")
    ]
    # a leadership collective before its members
    assert get(kind="leadership_collective", unit=province.standing) in prerequisites(
        get(person=an, unit=province.standing)
    )
    # a unit before its head
    assert get(kind="party_org", unit=province.cell_a1) in prerequisites(
        get(person=an, kind="head")
    )
    # lower party organizations, and the same-level state agency, before higher ones
    assert set(
        prerequisites(get(kind="party_org", unit=province.commune_a)).values_list(
            "unit__code", flat=True
        )
    ) == {"A1", "A2", "UBA"}


def test_adjusting_the_list_needs_a_reason_and_is_audited(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    subject = Subject.objects.get(cycle=cycle, person=province.members["dung"])
    with pytest.raises(ValidationError):
        subjects.subject_exclude(subject=subject, reason=" ", actor=None)
    subjects.subject_exclude(subject=subject, reason="Đi học dài hạn cả năm", actor=None)
    assert Subject.objects.get(pk=subject.pk).status == SubjectStatus.NOT_RATED
    assert LogEntry.objects.filter(action="subject.excluded").exists()


@pytest.mark.parametrize(
    ("kind", "with_person"),
    [(SubjectKind.LEADER, False), (SubjectKind.PARTY_ORG, True)],
)
def test_a_subject_added_by_hand_is_a_person_exactly_when_its_kind_is(province, kind, with_person):
    """The rule the API's body check made alone: a command adding a subject meets it too."""
    cycle = open_annual(province, 2025)
    before = Subject.objects.count(), LogEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        subjects.subject_add(
            cycle=cycle,
            kind=kind,
            unit=province.cell_a1,
            person=province.members["an"] if with_person else None,
            reason="Bổ sung",
            actor=None,
        )
    assert list(error.value.message_dict) == ["person"]
    assert (Subject.objects.count(), LogEntry.objects.count()) == before
