"""``unit_list``: the one list of units that the tree's search, the start page and the API's
``/api/units/`` read, with every filter the API offers."""

import datetime

from kiemdiem.orgtree import services
from kiemdiem.orgtree.selectors import unit_list, unit_visible
from kiemdiem.people import restructure

D = datetime.date


def codes(units):
    return [u.code for u in units]


def test_words_match_without_diacritics_and_all_must_match(province):
    staff_p = province.users["staff_p"]
    assert codes(unit_list(staff_p, q="an binh")) == ["A", "UBA"]
    assert codes(unit_list(staff_p, q="AN BÌNH ubnd")) == ["UBA"]
    assert codes(unit_list(staff_p, q="an binh tay")) == []
    assert codes(unit_list(staff_p, q="a1")) == ["A1"]  # the code too


def test_the_door_parent_kind_and_subtree(province):
    staff_a = province.users["staff_a"]
    assert codes(unit_list(staff_a)) == ["A", "A1", "A2", "UBA"]  # tree order, own subtree
    assert codes(unit_list(staff_a, parent=province.commune_a.pk)) == ["A1", "A2", "UBA"]
    assert codes(unit_list(staff_a, kind="chi_bo_truc_thuoc")) == ["A1", "A2"]
    assert codes(unit_list(staff_a, subtree_of=province.cell_a2.pk)) == ["A2"]
    # A subtree the user cannot see gives nothing, not the user's own units.
    assert codes(unit_list(staff_a, subtree_of=province.commune_b.pk)) == []


def test_active_none_lists_dissolved_units_too(province):
    a3 = services.unit_create(
        code="A3",
        name="Chi bộ thôn Bắc",
        kind="chi_bo_truc_thuoc",
        parent=province.commune_a,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    restructure.unit_close(unit=a3, effective=D(2024, 1, 1), actor=None)
    staff_a = province.users["staff_a"]
    assert codes(unit_list(staff_a)) == ["A", "A1", "A2", "UBA"]
    assert codes(unit_list(staff_a, active=False)) == ["A3"]
    assert codes(unit_list(staff_a, active=None)) == ["A", "A1", "A2", "UBA", "A3"]


def test_as_of_reads_the_tree_of_that_day(province):
    services.unit_move(
        unit=province.cell_a2, new_parent=province.commune_b, effective=D(2024, 1, 1), actor=None
    )
    staff_p = province.users["staff_p"]
    before = D(2023, 6, 1)
    assert codes(unit_list(staff_p, parent=province.commune_a.pk, as_of=before)) == [
        "A1",
        "A2",
        "UBA",
    ]
    assert codes(unit_list(staff_p, subtree_of=province.commune_b.pk, as_of=before)) == [
        "B",
        "B1",
    ]
    assert codes(unit_list(staff_p, subtree_of=province.commune_b.pk)) == ["B", "B1", "A2"]
    [a2] = unit_list(staff_p, q="tay", as_of=before)
    assert a2.tree_parent == province.commune_a.pk
    assert a2.tree_path.startswith(province.commune_a.path)
    # Units made after the day were not in that tree.
    assert codes(unit_list(staff_p, as_of=D(2019, 12, 31))) == []


def test_unit_visible_is_none_out_of_sight(province):
    staff_a = province.users["staff_a"]
    assert unit_visible(staff_a, province.cell_a1.pk) == province.cell_a1
    assert unit_visible(staff_a, province.cell_b1.pk) is None
    assert unit_visible(staff_a, 10**12) is None
