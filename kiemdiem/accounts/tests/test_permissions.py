from django.contrib.auth.models import AnonymousUser

from kiemdiem.accounts.permissions import can, restrict
from kiemdiem.audit.models import LogEntry
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Person


def visible_units(user, action="view"):
    return sorted(restrict(Unit.objects.all(), user, action).values_list("code", flat=True))


def visible_people(user, action="view"):
    return sorted(restrict(Person.objects.all(), user, action).values_list("given_name", flat=True))


def test_a_grant_covers_the_subtree_of_its_unit(province):
    u = province.users
    assert visible_units(u["staff_p"]) == ["A", "A1", "A2", "B", "B1", "P", "PBTV", "UBA"]
    assert visible_units(u["staff_a"]) == ["A", "A1", "A2", "UBA"]
    assert visible_units(u["staff_b"]) == ["B", "B1"]
    assert visible_people(u["staff_a"]) == ["An", "Bình", "Cường"]
    assert visible_people(u["staff_b"]) == ["Dung"]


def test_anonymous_and_users_without_grants_see_nothing(province):
    assert visible_units(AnonymousUser()) == []
    assert visible_units(province.users["nogrant"]) == []
    assert visible_people(province.users["nogrant"]) == []


def test_members_see_their_own_records_only(province):
    member = province.users["member"]
    assert visible_people(member) == ["Bình"]
    assert visible_units(member) == ["A1"]
    assert visible_people(member, "change") == []


def test_inspectors_and_deciders_read_but_do_not_change(province):
    for name in ("inspector", "decider"):
        user = province.users[name]
        assert len(visible_units(user)) == 8
        assert visible_units(user, "change") == []
        assert not can(user, "change", province.cell_a1)


def test_secretary_changes_only_their_cell(province):
    secretary = province.users["secretary"]
    assert visible_units(secretary, "change") == ["A1"]
    assert visible_people(secretary, "change") == ["An", "Bình"]


def test_audit_log_is_scoped(province):
    staff_b = province.users["staff_b"]
    units = set(
        restrict(LogEntry.objects.all(), staff_b, "view_audit").values_list("unit__code", flat=True)
    )
    assert units and units <= {"B", "B1"}
    assert restrict(LogEntry.objects.all(), province.users["secretary"], "view_audit").count() == 0


def test_dissolved_units_grant_nothing(province):
    from datetime import date

    from kiemdiem.people.restructure import units_merge

    units_merge(
        sources=[province.commune_b],
        target=province.commune_a,
        effective=date(2025, 7, 1),
        actor=None,
    )
    staff_b = type(province.users["staff_b"]).objects.get(pk=province.users["staff_b"].pk)
    assert visible_units(staff_b) == []


def test_an_unknown_action_is_refused_not_answered_with_nothing(province):
    import pytest

    for user in (province.users["staff_p"], AnonymousUser()):
        with pytest.raises(ValueError):
            restrict(Unit.objects.all(), user, "veiw")
