"""Personal data on the web pages only to those entitled to it; writes on the subtree rule;
counts that agree with the lists they summarise. See ``kiemdiem.testing.door``."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kiemdiem.cycles import services as cycles
from kiemdiem.people.models import Affiliation, MemberStatus, Person
from kiemdiem.testing import D, open_annual


def _login(client, province, who):
    client.force_login(province.users[who])


@pytest.mark.parametrize(
    ("who", "shown"),
    [("secretary", False), ("staff_a", False), ("staff_b", True), ("inspector", True)],
)
def test_person_page_shows_personal_fields_only_with_a_grant_on_a_home(
    client, province, door, who, shown
):
    _login(client, province, who)
    page = client.get(reverse("person-detail", args=[door.resident.pk])).content.decode()
    assert "Phạm Thị Dung" in page
    for value in ("001180000004", "0912000004", "79000004", "01/05/1980"):
        assert (value in page) is shown, value
    edit = reverse("person-edit", args=[door.resident.pk])
    assert (edit in page) is (who == "staff_b")  # the inspector reads only


def test_people_list_hides_birth_dates_of_residents(client, province, door):
    _login(client, province, "staff_a")
    page = client.get(reverse("person-list")).context["page"]
    personal = {p.full_name: p.personal for p in page}
    assert personal == {
        "Nguyễn Văn An": True,
        "Trần Thị Bình": True,
        "Lê Văn Cường": True,
        "Đỗ Văn Em": True,
        "Phạm Thị Dung": False,
    }


@pytest.mark.parametrize(
    ("who", "with_birth"),
    [
        ("member", {"Trần Thị Bình"}),
        ("secretary", {"Nguyễn Văn An", "Trần Thị Bình"}),
        ("staff_a", {"Nguyễn Văn An", "Trần Thị Bình"}),
        ("staff_p", {"Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"}),
    ],
)
def test_unit_page_roster_fields(client, province, door, who, with_birth):
    _login(client, province, who)
    roster = client.get(reverse("unit-detail", args=[province.cell_a1.pk])).context["roster"]
    assert [a.person.full_name for a in roster["cell"]] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert [a.person.full_name for a in roster["residence"]] == ["Phạm Thị Dung"]
    rows = [a for kind in roster.values() for a in kind]
    assert {a.person.full_name for a in rows if a.personal} == with_birth


def _resident_state(door):
    return (
        list(Person.objects.filter(pk=door.resident.pk).values()),
        list(Affiliation.objects.filter(person=door.resident).values()),
        list(MemberStatus.objects.filter(member__person=door.resident).values()),
    )


FORMS = [
    (
        "person-edit",
        {
            "family_name": "Phạm",
            "middle_name": "Thị",
            "given_name": "Dung",
            "phone": "0999999999",
            "m-admitted_on": "01/01/2010",
            "m-official_on": "01/01/2011",
            "m-occupation": "cbccvc",
        },
    ),
    ("person-status", {"status": "exempt", "effective": "01/01/2024"}),
    ("person-transfer", {"to_cell": "A2", "effective": "01/01/2024"}),
]


@pytest.mark.parametrize(("name", "data"), FORMS, ids=[f[0] for f in FORMS])
def test_residence_link_opens_no_change_page(client, province, door, name, data):
    _login(client, province, "staff_a")
    url = reverse(name, args=[door.resident.pk])
    before = _resident_state(door)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert _resident_state(door) == before


@pytest.mark.parametrize(("name", "data"), FORMS[:2], ids=[f[0] for f in FORMS[:2]])
def test_home_cell_in_scope_opens_the_change_pages(client, province, door, name, data):
    _login(client, province, "staff_b")
    url = reverse(name, args=[door.resident.pk])
    assert client.get(url).status_code == 200
    before = _resident_state(door)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _resident_state(door) != before


def test_web_transfer_by_the_home_commune(client, province, door):
    _login(client, province, "staff_b")
    url = reverse("person-transfer", args=[door.resident.pk])
    assert client.post(url, {"to_cell": "B9", "effective": "01/01/2024"}).status_code == 302
    assert door.resident.affiliations.get(kind="cell", valid_to__isnull=True).unit == door.b2


def test_affiliation_end_of_a_membership_needs_the_home(client, province, door):
    cell = door.resident.affiliations.get(kind="cell", valid_to__isnull=True)
    residence = door.resident.affiliations.get(kind="residence", valid_to__isnull=True)
    _login(client, province, "staff_a")
    assert client.get(reverse("affiliation-end", args=[cell.pk])).status_code == 404
    # Her registration in A1 is A's own to end.
    response = client.post(
        reverse("affiliation-end", args=[residence.pk]), {"valid_to": "01/06/2024"}
    )
    assert response.status_code == 302
    residence.refresh_from_db()
    assert residence.valid_to == D(2024, 6, 1)


def test_home_counts_agree_with_the_cell_page(client, province, door):
    """The secretary's start page counted everyone in the cell's subtree who was active in any
    cell — residents included — while the cell page lists its own members."""
    _login(client, province, "secretary")
    home = client.get(reverse("home")).context
    roster = client.get(reverse("unit-detail", args=[province.cell_a1.pk])).context["roster"]
    assert home["member_count"] == len(roster["cell"]) == 2
    assert (
        home["people_count"] == client.get(reverse("person-list")).context["page"].paginator.count
    )


@pytest.mark.parametrize(("who", "plans"), [("staff_a", 0), ("staff_b", 1), ("staff_p", 2)])
def test_cycle_list_counts_the_plans_the_user_can_see(client, province, who, plans):
    cycle = open_annual(province, 2025)
    cycles.plan_issue(
        cycle=cycle,
        unit=province.commune_b,
        stages=[cycles.StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
        actor=None,
    )
    _login(client, province, who)
    row = client.get(reverse("cycle-list")).context["page"][0]
    api_client = APIClient()
    api_client.force_authenticate(province.users[who])
    api = api_client.get(f"/api/cycles/{cycle.pk}/plans/").json()
    assert row.plan_count == api["count"] == plans


def test_a_login_is_created_only_where_the_person_is_managed(client, province, door):
    """A login opens the person's own record, personal fields and all: the admin of commune A
    may not give one to a resident whose cell is in B."""
    from kiemdiem.accounts import services as accounts
    from kiemdiem.accounts.models import User

    admin_a = accounts.user_create(username="admin_a", password="pass12345!", actor=None)
    accounts.grant_add(user=admin_a, role="admin", unit=province.commune_a, actor=None)
    client.force_login(admin_a)
    data = {"username": "dung", "password": "Mat-khau-2026!", "role": "member"}
    url = reverse("user-create", args=[door.resident.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    assert not User.objects.filter(person=door.resident).exists()
    assert (
        client.get(reverse("user-create", args=[province.members["cuong"].pk])).status_code == 200
    )
