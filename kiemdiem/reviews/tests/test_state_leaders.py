"""State leaders are rated as leaders: the NĐ 335 leader formula and KHTNV trigger, NĐ 90's
manager conditions (regulations.md §12.1, §16.7–16.8); the Front and mass organizations are
rated on the record (§6)."""

import pytest

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.decisions import services as decisions
from kiemdiem.orgtree import services as tree
from kiemdiem.register import services as register
from kiemdiem.reviews import engine, services
from kiemdiem.testing import D, employ, hold_post, open_annual

# The same personal results for both: all tasks done, on time and with quality.
PERSONAL = {
    "fact.general_score": "27",
    "fact.qty_pct": "100",
    "fact.quality_pct": "100",
    "fact.progress_pct": "100",
}


@pytest.fixture
def cycle(province):
    school = tree.unit_create(
        code="UBA-TH",
        name="Trường Tiểu học An Bình",
        kind="don_vi_su_nghiep",
        parent=province.agency,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    tree.unit_create(
        code="UBA-TH-TV",
        name="Thư viện Trường Tiểu học An Bình",
        kind="don_vi_su_nghiep",
        parent=school,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    tree.unit_create(
        code="A-MT",
        name="Ủy ban MTTQ xã An Bình",
        kind="mat_tran",
        parent=province.commune_a,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    m = province.members
    employ(m["binh"], province.agency, title="Chủ tịch UBND xã", category="can_bo")
    hold_post(m["binh"], province.agency, title="Chủ tịch UBND xã", role="head")
    employ(m["dung"], province.agency, title="Chuyên viên")
    employ(m["cuong"], school, title="Hiệu trưởng", category="vien_chuc")
    hold_post(m["cuong"], school, title="Hiệu trưởng", role="head")
    cycle = open_annual(province, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def _state(cycle, person) -> Subject:
    return Subject.objects.get(cycle=cycle, person=person, track="state")


def test_the_nd335_leader_formula_reads_the_units_results(cycle, province):
    leader = _state(cycle, province.members["binh"])
    plain = _state(cycle, province.members["dung"])
    assert (leader.kind, plain.kind) == ("cong_chuc_leader", "cong_chuc")
    assert plain_result(plain)["tier"] == "HTXSNV"  # 27 + 100 × 0.7 = 97
    # the leader's own results are as good, but the agency met only half of its targets:
    # (100 × 3 + 50 × 3) / 6 = 75 → 27 + 52.5 = 79.5, HTTNV
    unit = {
        "fact.unit_qty_pct": "50",
        "fact.unit_quality_pct": "50",
        "fact.unit_progress_pct": "50",
    }
    result = engine.evaluate(leader, PERSONAL | unit)
    assert (result["status"], result["tier"]) == ("rated", "HTTNV"), result
    # the leader's form asks for the unit's results; the plain civil servant's does not
    names = {i.name for i in engine.inputs_of(leader)}
    assert "fact.unit_qty_pct" in names
    # corruption handled in the unit comes from the register, never from the form
    assert "fact.unit_corruption_handled" not in names
    assert "fact.unit_qty_pct" not in {i.name for i in engine.inputs_of(plain)}


def plain_result(subject):
    return engine.evaluate(subject, PERSONAL)


def test_the_leader_khtnv_trigger_applies_to_state_leaders_only(cycle, province):
    leader = _state(cycle, province.members["binh"])
    plain = _state(cycle, province.members["dung"])
    unit = {"fact.unit_qty_pct": "100", "fact.unit_quality_pct": "100"}
    unit |= {"fact.unit_progress_pct": "100"}
    assert engine.evaluate(leader, PERSONAL | unit)["tier"] == "HTXSNV"
    register.entry_record(
        actor=None,
        unit=province.agency,
        kind="corruption",
        track="state",
        decided_on=D(2026, 6, 1),
        issuing_body="Thanh tra tỉnh",
        year=2026,
    )
    assert engine.evaluate(leader, PERSONAL | unit)["tier"] == "KHTNV"  # S335-K3
    # the same fact means nothing for a civil servant without a post
    assert engine.evaluate(plain, PERSONAL | unit)["tier"] == "HTXSNV"


def test_a_public_service_unit_head_meets_nd90s_manager_conditions(cycle, province):
    manager = _state(cycle, province.members["cuong"])
    assert manager.kind == "vien_chuc_manager"
    assert engine.pin_of(manager).pack_id == "ND90-48"
    names = {i.name for i in engine.inputs_of(manager)}
    assert {"fact.unit_pct_done", "fact.unit_pct_on_time"} <= names
    assert services.form_of(manager).code.startswith("Phiếu đánh giá")


def test_the_front_is_rated_on_the_record(cycle, province):
    front = Subject.objects.get(cycle=cycle, kind=SubjectKind.MASS_ORG)
    assert engine.evaluate(front, {})["status"] == "unavailable"  # no rule set of ours
    decisions.decide(subject=front, tier="HTTNV", actor=None)  # no form: no review needed
    front.refresh_from_db()
    assert front.status == SubjectStatus.RATED


ND90_MANAGER = {
    **{
        f"crit.{c}": "XS"
        for c in ("chinh_tri_tu_tuong", "dao_duc_loi_song", "tac_phong_le_loi", "y_thuc_ky_luat")
    },
    "fact.months_absent": "0",
    "fact.pct_tasks_done": "100",
    "fact.on_time_quality": "on",
    "fact.pct_tasks_exceeded": "60",
    "fact.pct_late_or_poor": "0",
    "fact.unit_pct_done": "100",
    "fact.unit_pct_exceeded": "60",
    "fact.unit_pct_on_time": "100",
}


def test_nd90s_manager_conditions_read_the_subordinate_units_once_rated(cycle, province):
    """S90-A4: HTXSNV needs every subordinate unit HTNV or above and 70 % HTTNV or above."""
    head = _state(cycle, province.members["cuong"])  # the school's principal
    library = Subject.objects.get(
        cycle=cycle, kind=SubjectKind.STATE_AGENCY, unit__code="UBA-TH-TV"
    )  # the school's library, the one unit under it
    pending = engine.evaluate(head, ND90_MANAGER)
    assert pending["status"] == "incomplete"
    assert pending["message"] == "Chờ kết quả xếp loại của Thư viện Trường Tiểu học An Bình."
    Subject.objects.filter(pk=library.pk).update(status=SubjectStatus.RATED, tier="HTNV")
    result = engine.evaluate(head, ND90_MANAGER)
    assert (result["status"], result["tier"]) == ("rated", "HTNV"), result
    Subject.objects.filter(pk=library.pk).update(tier="HTTNV")
    assert engine.evaluate(head, ND90_MANAGER)["tier"] == "HTXSNV"


def test_the_bulk_paths_read_the_subordinate_units_as_the_engine_does(cycle, province):
    from kiemdiem.cycles.selectors import CycleIndex
    from kiemdiem.reviews import bulk

    manager = _state(cycle, province.members["cuong"])
    pack = engine.pinned_pack(manager)
    library = Subject.objects.get(cycle=cycle, unit__code="UBA-TH-TV")
    for tier in ("", "HTTNV"):
        if tier:
            Subject.objects.filter(pk=library.pk).update(status=SubjectStatus.RATED, tier=tier)
        expected = engine.system_facts(manager, pack, manager.kind)
        assert bulk._facts(CycleIndex(cycle.pk), manager, pack, manager.kind) == expected
    assert expected["subunits"] == {"HTTNV": 1}
