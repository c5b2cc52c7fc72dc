import datetime

import pytest
from django.core.exceptions import ValidationError

from kiemdiem.audit.models import LogEntry
from kiemdiem.orgtree import selectors, services
from kiemdiem.orgtree.integrity import tree_problems
from kiemdiem.orgtree.models import Unit, UnitPlacement
from kiemdiem.people import restructure
from kiemdiem.people.models import Affiliation
from kiemdiem.people.restructure import SplitPart

D = datetime.date


def codes(units):
    return sorted(u.code for u in units)


def test_subtree_query_follows_paths(province):
    assert codes(Unit.objects.subtree_of(province.commune_a)) == ["A", "A1", "A2", "UBA"]
    assert codes(Unit.objects.subtree_of(province.commune_a, include_self=False)) == [
        "A1",
        "A2",
        "UBA",
    ]
    assert province.cell_a1.path.startswith(province.commune_a.path)
    assert province.cell_a1.depth == 3
    assert tree_problems() == []


def test_create_is_audited_and_rejects_a_duplicate_code(province):
    before = Unit.objects.count(), LogEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.unit_create(
            code="a1",
            name="Chi bộ trùng mã",
            kind="chi_bo_truc_thuoc",
            parent=province.commune_a,
            valid_from=D(2024, 1, 1),
            actor=None,
        )
    assert "code" in error.value.message_dict
    assert (Unit.objects.count(), LogEntry.objects.count()) == before
    unit = services.unit_create(
        code="a3",
        name="  Chi bộ   thôn Nam ",
        kind="chi_bo_truc_thuoc",
        parent=province.commune_a,
        valid_from=D(2024, 1, 1),
        actor=None,
    )
    assert (unit.code, unit.name) == ("A3", "Chi bộ thôn Nam")
    assert LogEntry.objects.filter(action="unit.created", object_id=str(unit.pk)).exists()


def test_move_keeps_last_years_tree(province):
    # given the 2025 reform moves cell A2 from commune A to commune B
    services.unit_move(
        unit=province.cell_a2, new_parent=province.commune_b, effective=D(2025, 7, 1), actor=None
    )
    # then today's tree shows it under B and the tree as of 2024 under A
    assert codes(Unit.objects.subtree_of(province.commune_b)) == ["A2", "B", "B1"]
    as_of_2024 = selectors.subtree_as_of(
        province.users["admin"], province.commune_a, D(2024, 12, 31)
    )
    assert sorted(s.unit.code for s in as_of_2024) == ["A", "A1", "A2", "UBA"]
    as_of_now = selectors.subtree_as_of(province.users["admin"], province.commune_a, D(2025, 7, 1))
    assert sorted(s.unit.code for s in as_of_now) == ["A", "A1", "UBA"]
    assert tree_problems() == []
    assert LogEntry.objects.filter(action="unit.moved").count() == 1


def test_moving_a_subtree_moves_its_descendants(province):
    services.unit_move(
        unit=province.commune_a, new_parent=province.commune_b, effective=D(2025, 7, 1), actor=None
    )
    a1 = Unit.objects.get(code="A1")
    assert a1.depth == 4 and a1.path.startswith(Unit.objects.get(code="B").path)
    assert tree_problems() == []


@pytest.mark.parametrize(
    ("target_code", "field"),
    [("A1", "new_parent"), ("A", "new_parent")],
)
def test_move_under_itself_or_same_parent_is_refused(province, target_code, field):
    unit = province.commune_a if target_code == "A1" else province.cell_a1
    paths = list(Unit.objects.values_list("path", flat=True))
    with pytest.raises(ValidationError) as error:
        services.unit_move(
            unit=unit,
            new_parent=Unit.objects.get(code=target_code),
            effective=D(2025, 1, 1),
            actor=None,
        )
    assert field in error.value.message_dict
    assert list(Unit.objects.values_list("path", flat=True)) == paths


def test_future_or_too_early_effective_dates_are_refused(province):
    with pytest.raises(ValidationError):
        services.unit_move(
            unit=province.cell_a2,
            new_parent=province.commune_b,
            effective=D(2099, 1, 1),
            actor=None,
        )
    with pytest.raises(ValidationError):
        services.unit_move(
            unit=province.cell_a2,
            new_parent=province.commune_b,
            effective=D(2019, 1, 1),
            actor=None,
        )
    assert province.cell_a2.parent_id == province.commune_a.pk


def test_merge_moves_people_and_sub_units_and_keeps_history(province):
    # given commune A is merged into commune B
    restructure.units_merge(
        sources=[province.commune_a], target=province.commune_b, effective=D(2025, 7, 1), actor=None
    )
    a = Unit.objects.get(code="A")
    assert a.valid_to == D(2025, 7, 1) and a.successor_id == province.commune_b.pk
    assert codes(Unit.objects.subtree_of(province.commune_b).active()) == [
        "A1",
        "A2",
        "B",
        "B1",
        "UBA",
    ]
    # the tree of 2024 still has commune A with its cells
    old = selectors.subtree_as_of(province.users["admin"], a, D(2024, 6, 1))
    assert sorted(s.unit.code for s in old) == ["A", "A1", "A2", "UBA"]
    assert tree_problems() == []


def test_merging_cells_carries_the_members(province):
    restructure.units_merge(
        sources=[province.cell_a2], target=province.cell_a1, effective=D(2025, 7, 1), actor=None
    )
    cuong = province.members["cuong"]
    current = Affiliation.objects.current().get(person=cuong, kind="cell")
    assert current.unit_id == province.cell_a1.pk and current.valid_from == D(2025, 7, 1)
    assert Affiliation.objects.get(person=cuong, unit=province.cell_a2).valid_to == D(2025, 7, 1)


def test_split_needs_every_member_placed_and_then_closes_the_source(province):
    parts = [
        SplitPart(
            code="A1N",
            name="Chi bộ thôn Đông Bắc",
            kind="chi_bo_truc_thuoc",
            people_ids=[province.members["an"].pk],
        )
    ]
    parts.append(SplitPart(code="A1S", name="Chi bộ thôn Đông Nam", kind="chi_bo_truc_thuoc"))
    with pytest.raises(ValidationError):
        restructure.unit_split(
            source=province.cell_a1, parts=parts, effective=D(2025, 7, 1), actor=None
        )
    assert not Unit.objects.filter(code="A1N").exists()
    parts[1].people_ids = [province.members["binh"].pk]
    new = restructure.unit_split(
        source=province.cell_a1, parts=parts, effective=D(2025, 7, 1), actor=None
    )
    assert [u.code for u in new] == ["A1N", "A1S"]
    assert Unit.objects.get(code="A1").valid_to == D(2025, 7, 1)
    assert (
        Affiliation.objects.current().get(person=province.members["binh"], kind="cell").unit.code
        == "A1S"
    )
    assert tree_problems() == []


def test_dissolving_a_unit_with_members_is_refused(province):
    with pytest.raises(ValidationError):
        restructure.unit_close(unit=province.cell_a1, effective=D(2025, 1, 1), actor=None)
    assert Unit.objects.get(code="A1").valid_to is None
    empty = services.unit_create(
        code="E",
        name="Chi bộ trống",
        kind="chi_bo_truc_thuoc",
        parent=province.commune_a,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    restructure.unit_close(unit=empty, effective=D(2025, 1, 1), actor=None)
    assert UnitPlacement.objects.get(unit=empty).valid_to == D(2025, 1, 1)


def test_integrity_check_finds_a_broken_path(province):
    Unit.objects.filter(pk=province.cell_a1.pk).update(path=province.commune_b.path + "0009")
    problems = tree_problems()
    assert any("A1" in p for p in problems)


def test_check_orgtree_command_fails_on_a_broken_tree(province):
    from django.core.management import CommandError, call_command

    call_command("check_orgtree")
    Unit.objects.filter(pk=province.cell_a1.pk).update(depth=7)
    with pytest.raises(CommandError):
        call_command("check_orgtree")


def test_merge_hands_over_who_the_unit_rated_and_managed(province):
    from kiemdiem.people import services as people_services

    old_btv = services.unit_create(
        code="BTVX",
        name="Ban Thường vụ cũ",
        kind="ban_thuong_vu",
        parent=province.commune_a,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    services.unit_update(
        unit=province.cell_b1,
        name=province.cell_b1.name,
        kind=province.cell_b1.kind,
        managed_by=old_btv,
        actor=None,
    )
    people_services.authority_assign(
        person=province.members["an"], authority=old_btv, valid_from=D(2021, 1, 1), actor=None
    )
    # a plain dissolution is refused while the unit still rates or manages someone
    with pytest.raises(ValidationError):
        restructure.unit_close(unit=old_btv, effective=D(2025, 7, 1), actor=None)
    restructure.units_merge(
        sources=[old_btv], target=province.standing, effective=D(2025, 7, 1), actor=None
    )
    assert Unit.objects.get(code="B1").managed_by == province.standing
    authority = province.members["an"].authorities.get(valid_to__isnull=True)
    assert (authority.authority, authority.valid_from) == (province.standing, D(2025, 7, 1))


def test_staff_only_merge_into_a_state_unit(province):
    from kiemdiem.people import services as people_services

    clerk = people_services.person_create(family_name="Lý", given_name="Hoa", actor=None)
    people_services.affiliation_start(
        person=clerk,
        unit=province.agency,
        kind="employment",
        state_category="cong_chuc",
        title="Văn thư",
        valid_from=D(2021, 1, 1),
        actor=None,
    )
    with pytest.raises(ValidationError) as error:
        restructure.units_merge(
            sources=[province.agency],
            target=province.commune_b,
            effective=D(2025, 7, 1),
            actor=None,
        )
    assert "target" in error.value.message_dict
    other = services.unit_create(
        code="UBB",
        name="UBND phường Bến Thành",
        kind="co_quan_hanh_chinh",
        parent=province.commune_b,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    restructure.units_merge(
        sources=[province.agency], target=other, effective=D(2025, 7, 1), actor=None
    )
    job = Affiliation.objects.current().get(person=clerk)
    assert (job.unit, job.title, job.state_category) == (other, "Văn thư", "cong_chuc")


def test_a_unit_moved_with_its_parent_can_close_the_same_day(province):
    services.unit_move(
        unit=province.commune_a, new_parent=province.commune_b, effective=D(2025, 7, 1), actor=None
    )
    empty = Unit.objects.get(code="UBA")
    restructure.unit_close(unit=empty, effective=D(2025, 7, 1), actor=None)
    spans = list(UnitPlacement.objects.filter(unit=empty).values_list("valid_from", "valid_to"))
    assert spans == [(D(2020, 1, 1), D(2025, 7, 1))]
    assert tree_problems() == []
