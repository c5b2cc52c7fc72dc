"""``orgtree.policies``: each answer, and the tree services refusing on their own (called
directly, with no page or API check in front)."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry
from kiemdiem.orgtree import policies, services
from kiemdiem.orgtree.models import Unit, UnitPlacement
from kiemdiem.people import restructure
from kiemdiem.testing import D


def _state():
    return {
        "units": list(Unit.objects.order_by("pk").values()),
        "placements": UnitPlacement.objects.count(),
        "audit": LogEntry.objects.count(),
    }


# who: (change cell A1, change commune B, add under A, add a root, change something at all)
RIGHTS = {
    "staff_p": (True, True, True, False, True),
    "staff_a": (True, False, True, False, True),
    "secretary": (True, False, False, False, True),
    "staff_b": (False, True, False, False, True),
    "inspector": (False, False, False, False, False),
    "member": (False, False, False, False, False),
    "nogrant": (False, False, False, False, False),
}


@pytest.mark.parametrize("who", list(RIGHTS))
def test_the_rights_on_units(province, who):
    user = province.users[who]
    a1, b, under_a, root, somewhere = RIGHTS[who]
    assert policies.may_change_unit(user, province.cell_a1) == a1
    assert policies.may_change_unit(user, province.commune_b) == b
    assert policies.may_add_under(user, province.commune_a) == under_a
    assert policies.may_add_under(user, None) == root == policies.may_change_everything(user)
    assert policies.may_change_somewhere(user) == somewhere
    assert policies.may_move(user, province.cell_a1, province.commune_a) == (a1 and under_a)
    assert policies.may_merge(user, [province.cell_a2], province.cell_a1) == (a1 and under_a)
    assert (province.cell_a1 in policies.changeable_units(user)) == a1


def test_the_system_and_the_whole_tree_may_do_everything(province):
    root = accounts.user_create(
        username="root", password="pass12345!", is_superuser=True, actor=None
    )
    for user in (None, root):
        assert policies.may_add_under(user, None)
        assert policies.may_change_unit(user, province.cell_b1)


def test_a_member_sees_their_own_unit_only(province):
    member = province.users["member"]
    assert policies.may_view_unit(member, province.cell_a1)
    assert not policies.may_view_unit(member, province.cell_a2)
    assert not policies.may_change_unit(member, province.cell_a1)


def test_the_top_units_are_the_roots_of_the_visible_forest(province):
    assert list(policies.top_units(province.users["staff_a"])) == [province.commune_a]
    assert list(policies.top_units(province.users["member"])) == [province.cell_a1]
    assert list(policies.top_units(province.users["nogrant"])) == []


# --- the services refuse on their own -------------------------------------------------------


WRITES = {
    "create": lambda p, actor: services.unit_create(
        code="A3",
        name="Chi bộ thôn Nam",
        kind="chi_bo_truc_thuoc",
        parent=p.commune_a,
        valid_from=D(2024, 1, 1),
        actor=actor,
    ),
    "update": lambda p, actor: services.unit_update(
        unit=p.cell_a2,
        name="Chi bộ thôn Tây mới",
        kind="chi_bo_truc_thuoc",
        managed_by=None,
        actor=actor,
    ),
    "move": lambda p, actor: services.unit_move(
        unit=p.cell_a2, new_parent=p.commune_b, effective=D(2024, 1, 1), actor=actor
    ),
    "dissolve": lambda p, actor: services.unit_dissolve(
        unit=p.cell_a2, effective=D(2024, 1, 1), actor=actor
    ),
    "close": lambda p, actor: restructure.unit_close(
        unit=p.cell_a2, effective=D(2024, 1, 1), actor=actor
    ),
    "merge": lambda p, actor: restructure.units_merge(
        sources=[p.cell_a2], target=p.cell_a1, effective=D(2024, 1, 1), actor=actor
    ),
    "split": lambda p, actor: restructure.unit_split(
        source=p.cell_a2,
        parts=[
            restructure.SplitPart(
                code="A21",
                name="Tây 1",
                kind="chi_bo_truc_thuoc",
                people_ids=[p.members["cuong"].pk],
            ),
            restructure.SplitPart(code="A22", name="Tây 2", kind="chi_bo_truc_thuoc"),
        ],
        effective=D(2024, 1, 1),
        actor=actor,
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("who", ["staff_b", "inspector", "member", "nogrant"])
def test_the_tree_services_refuse_without_the_right(province, who, write):
    before = _state()
    with pytest.raises(PermissionDenied):
        WRITES[write](province, province.users[who])
    assert _state() == before


def test_a_move_needs_the_right_on_the_new_parent_too(province):
    before = _state()
    with pytest.raises(PermissionDenied):  # staff of A may not put a cell into B
        WRITES["move"](province, province.users["staff_a"])
    with pytest.raises(PermissionDenied):
        services.unit_create(
            code="Q",
            name="Tỉnh mới",
            kind="dang_bo_tinh",
            parent=None,
            valid_from=D(2024, 1, 1),
            actor=province.users["staff_p"],
        )
    assert _state() == before
    WRITES["move"](province, province.users["staff_p"])


def test_a_split_needs_the_right_on_the_unit_split_only(province):
    """Its parts stand where the unit stood: the right on the unit is the right to the whole
    act, even for a secretary whose grant stops at the unit."""
    secretary = accounts.user_create(username="bt_a2", password="pass12345!", actor=None)
    accounts.grant_add(user=secretary, role="secretary", unit=province.cell_a2, actor=None)
    assert not policies.may_add_under(secretary, province.commune_a)
    parts = WRITES["split"](province, secretary)
    assert [u.parent for u in parts] == [province.commune_a, province.commune_a]
