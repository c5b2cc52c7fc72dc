"""The people policy through the services: a grant covers its own subtree only, and a
residence registration is no licence to change a person (``people.policies``)."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.audit.models import LogEntry
from kiemdiem.people import policies, services
from kiemdiem.people.models import Affiliation, MemberStatus, PartyMember, Person
from kiemdiem.testing import D


def _state():
    return {
        "people": list(Person.objects.order_by("pk").values()),
        "members": list(PartyMember.objects.order_by("pk").values()),
        "statuses": list(MemberStatus.objects.order_by("pk").values()),
        "affiliations": list(Affiliation.objects.order_by("pk").values()),
        "audit": LogEntry.objects.count(),
    }


def _cell(person):
    return person.affiliations.get(kind="cell", valid_to__isnull=True)


# Changes to the person themself: decided where their membership is (cell B1).
HOME_WRITES = {
    "details": lambda d, p, actor: services.person_update(
        person=d.resident, phone="0999999999", actor=actor
    ),
    "membership": lambda d, p, actor: services.member_update(
        member=d.resident.membership,
        admitted_on=D(2010, 1, 1),
        official_on=D(2011, 1, 1),
        card_number="79999999",
        occupation="retired",
        actor=actor,
    ),
    "status": lambda d, p, actor: services.member_status_change(
        member=d.resident.membership, status="exempt", effective=D(2024, 1, 1), actor=actor
    ),
    "transfer": lambda d, p, actor: services.member_transfer(
        person=d.resident, to_cell=d.b2, effective=D(2024, 1, 1), actor=actor
    ),
    "end membership": lambda d, p, actor: services.affiliation_end(
        affiliation=_cell(d.resident), valid_to=D(2024, 1, 1), actor=actor
    ),
    "transfer into A": lambda d, p, actor: services.member_transfer(
        person=d.resident, to_cell=p.cell_a2, effective=D(2024, 1, 1), actor=actor
    ),
}


@pytest.mark.parametrize("write", list(HOME_WRITES))
@pytest.mark.parametrize("who", ["staff_a", "secretary", "inspector", "member", "employee"])
def test_a_residence_link_gives_no_right_to_change_the_person(province, door, who, write):
    before = _state()
    with pytest.raises(PermissionDenied):
        HOME_WRITES[write](door, province, province.users[who])
    assert _state() == before


@pytest.mark.parametrize("write", [w for w in HOME_WRITES if w != "transfer into A"])
@pytest.mark.parametrize("who", ["staff_b", "staff_p", "admin"])
def test_the_home_cell_in_scope_allows_the_change(province, door, who, write):
    before = _state()["audit"]
    HOME_WRITES[write](door, province, province.users[who])
    assert LogEntry.objects.count() > before


def test_a_transfer_needs_change_on_the_target_cell_too(province, door):
    before = _state()
    with pytest.raises(PermissionDenied):  # B's staff may not fill A's cells
        HOME_WRITES["transfer into A"](door, province, province.users["staff_b"])
    assert _state() == before
    HOME_WRITES["transfer into A"](door, province, province.users["staff_p"])
    assert _cell(door.resident).unit == province.cell_a2


def test_affiliations_in_the_actors_units_may_start_and_end(province, door):
    """Commune A may give the resident a post in A1 and end her residence registration there,
    but not end her membership in B1 or add anything in B."""
    staff_a = province.users["staff_a"]
    post = services.affiliation_start(
        person=door.resident,
        unit=province.cell_a1,
        kind="position",
        title="Tổ trưởng tổ đảng",
        valid_from=D(2024, 1, 1),
        actor=staff_a,
    )
    services.affiliation_end(affiliation=post, valid_to=D(2024, 6, 1), actor=staff_a)
    residence = door.resident.affiliations.get(kind="residence", valid_to__isnull=True)
    services.affiliation_end(affiliation=residence, valid_to=D(2024, 6, 1), actor=staff_a)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.affiliation_start(
            person=door.resident,
            unit=province.cell_b1,
            kind="position",
            title="Phó Bí thư",
            valid_from=D(2024, 1, 1),
            actor=staff_a,
        )
    with pytest.raises(PermissionDenied):
        services.affiliation_update(
            affiliation=_cell(door.resident), valid_from=D(2020, 2, 1), actor=staff_a
        )
    assert _state() == before


def test_non_members_are_changed_where_they_work(province, door):
    """No cell: the seat of change is the employment (UBA, under A), not a post elsewhere."""
    services.affiliation_start(
        person=door.employee,
        unit=province.commune_b,
        kind="position",
        title="Cộng tác viên",
        valid_from=D(2024, 1, 1),
        actor=province.users["staff_b"],
    )
    assert policies.may_change_person(province.users["staff_a"], door.employee)
    assert not policies.may_change_person(province.users["staff_b"], door.employee)
    with pytest.raises(PermissionDenied):
        services.member_admit(
            person=door.employee, admitted_on=D(2020, 1, 1), actor=province.users["staff_b"]
        )
    services.member_admit(
        person=door.employee, admitted_on=D(2020, 1, 1), actor=province.users["staff_a"]
    )
    assert PartyMember.objects.filter(person=door.employee).exists()


def test_people_are_added_only_to_units_the_actor_may_change(province):
    with pytest.raises(PermissionDenied):
        services.person_enrol(
            unit=province.cell_b1,
            kind="cell",
            valid_from=D(2024, 1, 1),
            person_fields={"family_name": "Hồ", "given_name": "Giang"},
            membership={"admitted_on": D(2015, 1, 1)},
            actor=province.users["staff_a"],
        )
    with pytest.raises(PermissionDenied):  # no unit: a whole-tree grant only
        services.person_create(
            family_name="Hồ", given_name="Giang", actor=province.users["staff_p"]
        )
    assert not Person.objects.filter(given_name="Giang").exists()


@pytest.mark.parametrize(
    ("who", "personal"),
    [
        ("staff_a", False),  # residence only
        ("secretary", False),
        ("member", False),
        ("employee", False),
        ("staff_b", True),  # her cell
        ("staff_p", True),
        ("inspector", True),
        ("decider", True),
    ],
)
def test_personal_fields_follow_the_grants_on_a_home(province, door, who, personal):
    user = province.users[who]
    assert policies.may_view_personal(user, door.resident) is personal
    assert policies.personal_people(user).filter(pk=door.resident.pk).exists() is personal


def test_a_member_grant_gives_only_the_own_record(province, door):
    employee = province.users["employee"]
    assert policies.may_view_personal(employee, door.employee)
    visible = set(policies.personal_people(employee))
    assert visible == {door.employee}
    assert set(policies.personal_people(province.users["member"])) == {province.members["binh"]}
