"""Counts the rules read are derived from the cycle's ratings, never asked on a form, and a
result that rests on ratings not made yet says whose it waits for (regulations §3.4, §3.6,
§16.3, §16.4, §16.9 C1)."""

from datetime import date

import pytest

from kiemdiem.cycles import readings, subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.orgtree import services as tree
from kiemdiem.reviews import engine
from kiemdiem.testing import hold_post, open_annual

pytestmark = pytest.mark.django_db

# A chi bộ / đảng bộ under the 2019 rules with every criterion outstanding and nothing adverse.
CELL_2019 = {
    "crit.xay_dung_dang": "XS",
    "crit.lanh_dao_nhiem_vu": "XS",
    "crit.tap_trung_dan_chu": "XS",
    "crit.doan_ket": "XS",
    "crit.kiem_tra_giam_sat": "XS",
    "fact.org_disciplined": "false",
    "fact.disunity_concluded": "false",
}


@pytest.fixture
def cycle_2022(province):
    cycle = open_annual(province, 2022)  # the 2019 rules ran until 2023
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def rate(subject, tier):
    Subject.objects.filter(pk=subject.pk).update(status=SubjectStatus.RATED, tier=tier)


def unit_subject(cycle, unit):
    return Subject.objects.get(cycle=cycle, unit=unit, person__isnull=True)


def test_a_cell_waits_for_its_members_ratings_and_then_counts_them(cycle_2022, province):
    cell = unit_subject(cycle_2022, province.cell_a1)
    binh = Subject.objects.get(cycle=cycle_2022, person=province.members["binh"])
    # The members read are the cell's party-track people except its head (the secretary, An),
    # who is rated after the cell (§16.9 C1: unit → head).
    assert set(readings.read_subjects(cell, "children")) == {binh}
    waiting = engine.evaluate(cell, CELL_2019)
    assert waiting["status"] == "incomplete"
    assert waiting["message"] == "Chờ kết quả xếp loại của Trần Thị Bình."

    rate(binh, "HTTNV")
    pack = engine.pinned_pack(cell)
    assert engine.system_facts(cell, pack, "chi_bo")["children"] == {"HTTNV": 1}
    assert engine.evaluate(cell, CELL_2019)["tier"] == "HTXSNV"

    rate(binh, "HTNV")  # fewer than 80 % of the members at HTTNV: not outstanding
    assert engine.evaluate(cell, CELL_2019)["tier"] != "HTXSNV"


def test_members_not_rated_by_the_rules_are_not_counted(cycle_2022, province):
    cell = unit_subject(cycle_2022, province.cell_a1)
    binh = Subject.objects.get(cycle=cycle_2022, person=province.members["binh"])
    Subject.objects.filter(pk=binh.pk).update(status=SubjectStatus.NOT_RATED, reason="Miễn")
    facts = engine.system_facts(cell, engine.pinned_pack(cell), "chi_bo")
    assert facts["children"] == {} and facts.waiting == 0


def test_a_party_committee_reads_its_organizations_and_the_same_level_bodies(cycle_2022, province):
    commune = unit_subject(cycle_2022, province.commune_a)
    cells = [unit_subject(cycle_2022, u) for u in (province.cell_a1, province.cell_a2)]
    agency = unit_subject(cycle_2022, province.agency)
    assert set(readings.read_subjects(commune, "children")) == set(cells)
    assert set(readings.read_subjects(commune, "same_level")) == {agency}

    result = engine.evaluate(commune, CELL_2019)
    assert result["status"] == "incomplete"
    assert result["message"] == (
        "Chờ kết quả xếp loại của Chi bộ thôn Đông, Chi bộ thôn Tây, UBND xã An Bình."
    )
    for cell in cells:
        rate(cell, "HTTNV")
    rate(agency, "HTNV")  # the same-level government below HTTNV: not outstanding
    facts = engine.system_facts(commune, engine.pinned_pack(commune), "dang_bo")
    assert facts["children"] == {"HTTNV": 2} and facts["same_level"] == {"HTNV": 1}
    assert engine.evaluate(commune, CELL_2019)["tier"] == "HTTNV"
    rate(agency, "HTTNV")
    assert engine.evaluate(commune, CELL_2019)["tier"] == "HTXSNV"


def test_a_long_wait_names_the_first_three_and_counts_the_rest(province):
    tree.unit_create(
        code="A3",
        name="Chi bộ thôn Bắc",
        kind="chi_bo_truc_thuoc",
        parent=province.commune_a,
        valid_from=date(2020, 1, 1),
        actor=None,
    )
    cycle = open_annual(province, 2022)
    subjects.subjects_generate(cycle=cycle, actor=None)
    commune = unit_subject(cycle, province.commune_a)
    result = engine.evaluate(commune, CELL_2019)
    assert result["message"] == (
        "Chờ kết quả xếp loại của Chi bộ thôn Đông, Chi bộ thôn Tây, Chi bộ thôn Bắc"
        " và 1 đối tượng khác."
    )


def test_counts_are_not_asked_on_the_form(cycle_2022, province):
    cell = unit_subject(cycle_2022, province.cell_a1)
    names = {i.name for i in engine.inputs_of(cell)}
    assert not {f"fact.{n}" for n in readings.DERIVED_FIELDS} & names


def test_a_2023_party_committee_counts_its_subordinate_organizations(province):
    cycle = open_annual(province, 2024)
    subjects.subjects_generate(cycle=cycle, actor=None)
    commune = unit_subject(cycle, province.commune_a)
    pack = engine.pinned_pack(commune)
    assert pack.id.startswith("R2023")
    assert "fact.subunits_count" not in {i.name for i in engine.inputs_of(commune)}
    assert engine.system_facts(commune, pack, "dang_bo")["subunits_count"] == 2  # two cells


def test_a_2023_leader_waits_for_the_units_led_instead_of_silently_dropping(province):
    """QĐ 124 Art. 12 (LD23-A5) reads the tiers of the units a leader leads; before they are
    rated the leader's result waits for them instead of quietly missing the top tier."""
    hold_post(province.members["cuong"], province.commune_a, title="Phó Bí thư Đảng ủy")
    cycle = open_annual(province, 2024)
    subjects.subjects_generate(cycle=cycle, actor=None)
    leader = Subject.objects.get(
        cycle=cycle, person=province.members["cuong"], unit=province.commune_a
    )
    assert leader.kind == SubjectKind.LEADER
    pack = engine.pinned_pack(leader)
    assert pack.id.startswith("R2023")
    assert "subunits" in pack.kind("leader").fields_used
    cells = {unit_subject(cycle, u) for u in (province.cell_a1, province.cell_a2)}
    assert set(readings.read_subjects(leader, "subunits")) == cells
    facts = engine.system_facts(leader, pack, "leader")
    assert "subunits" not in facts and facts.waiting == 2
    unfilled = engine.evaluate(leader, {})["message"]  # what the writer can do comes first
    assert unfilled == "Còn thiếu: Tư tưởng chính trị."
    filled = {"level": "T", "bool": "false", "number": "100"}
    rating = {i.name: filled[i.type] for i in engine.inputs_of(leader)}
    assert engine.evaluate(leader, rating)["message"] == (
        "Chờ kết quả xếp loại của Chi bộ thôn Đông, Chi bộ thôn Tây."
    )
    for cell in cells:
        rate(cell, "HTTNV")
    assert engine.system_facts(leader, pack, "leader")["subunits"] == {"HTTNV": 2}


def test_a_leader_is_rated_after_the_units_whose_tiers_they_read(province):
    """§16.9 C1: what a tier reads is rated before it — the same subjects the count reads, in
    the single check, the unit's board and the bulk index."""
    from kiemdiem.cycles import selectors

    hold_post(province.members["cuong"], province.commune_a, title="Phó Bí thư Đảng ủy")
    cycle = open_annual(province, 2024)
    subjects.subjects_generate(cycle=cycle, actor=None)
    leader = Subject.objects.get(
        cycle=cycle, person=province.members["cuong"], unit=province.commune_a
    )
    cells = {unit_subject(cycle, u) for u in (province.cell_a1, province.cell_a2)}
    assert cells <= set(selectors.prerequisites(leader))
    assert {c.pk for c in cells} <= selectors.CycleIndex(cycle.pk).prerequisites(leader.pk)
    (row,) = [
        r
        for r in selectors.subjects_with_prerequisites(
            province.users["admin"], cycle, province.commune_a
        )
        if r.subject == leader
    ]
    assert cells <= set(row.waits_for)
