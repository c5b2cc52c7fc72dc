"""Personal data through the API only to those entitled to it, and writes on the subtree rule.

The resident (``door`` fixture) is active in cell B1 and registered as a resident in A1:
commune A sees her name, not her personal fields, and cannot change her.
"""

import pytest
from rest_framework.test import APIClient

from kiemdiem.people.models import Affiliation

ROLES = ["member", "employee", "secretary", "staff_a", "staff_b", "staff_p", "inspector"]
PERSONAL = ["birth_date", "citizen_id", "phone", "email"]


@pytest.fixture
def api(province, door):
    """``api("staff_a")``: an API client logged in as that user (the ``door`` users too)."""

    def make(name):
        client = APIClient()
        client.force_authenticate(province.users[name])
        return client

    return make


@pytest.mark.parametrize(
    ("who", "status", "personal"),
    [
        ("member", 404, None),
        ("employee", 404, None),
        ("secretary", 200, False),  # her residence cell
        ("staff_a", 200, False),
        ("staff_b", 200, True),  # her party cell
        ("staff_p", 200, True),
        ("inspector", 200, True),
    ],
)
def test_person_detail_withholds_personal_fields(api, province, door, who, status, personal):
    response = api(who).get(f"/api/people/{door.resident.pk}/")
    assert response.status_code == status
    if status != 200:
        return
    body = response.json()
    assert body["full_name"] == "Phạm Thị Dung"
    if personal:
        assert body["citizen_id"] == "001180000004" and body["phone"] == "0912000004"
        assert body["birth_date"] == "1980-05-01"
        assert body["membership"]["card_number"] == "79000004"
    else:
        assert all(body[name] is None for name in PERSONAL)
        assert body["membership"]["card_number"] is None
        assert body["membership"]["admitted_on"] == "2010-01-01"  # not personal


def test_person_list_withholds_personal_fields_row_by_row(api, province, door):
    rows = api("staff_a").get("/api/people/", {"limit": 100}).json()["results"]
    births = {row["full_name"]: row["birth_date"] for row in rows}
    assert births["Phạm Thị Dung"] is None
    assert births["Nguyễn Văn An"] == "1980-05-01"


# Who each role sees in cell A1's roster, and whose birth date travels.
ROSTER = {
    "member": {"Trần Thị Bình"},  # a member grant: only the own record
    "secretary": {"Nguyễn Văn An", "Trần Thị Bình"},
    "staff_a": {"Nguyễn Văn An", "Trần Thị Bình"},
    "staff_p": {"Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"},
    "inspector": {"Nguyễn Văn An", "Trần Thị Bình", "Phạm Thị Dung"},
}
EVERYONE_IN_A1 = ["Nguyễn Văn An", "Nguyễn Văn An", "Phạm Thị Dung", "Trần Thị Bình"]


@pytest.mark.parametrize("who", ROLES)
def test_unit_members_endpoint_matrix(api, province, door, who):
    response = api(who).get(f"/api/units/{province.cell_a1.pk}/members/", {"limit": 100})
    if who not in ROSTER:
        assert response.status_code == 404
        return
    rows = response.json()["results"]
    assert sorted(row["person_name"] for row in rows) == EVERYONE_IN_A1  # names and posts
    with_birth = {row["person_name"] for row in rows if row["birth_date"] is not None}
    assert with_birth == ROSTER[who]


@pytest.mark.parametrize("who", ["member", "secretary", "staff_a", "staff_p", "inspector"])
def test_unit_page_and_api_answer_alike(api, client, province, door, who):
    client.force_login(province.users[who])
    roster = client.get(f"/units/{province.cell_a1.pk}/").context["roster"]
    web = sorted((a.pk, a.personal) for rows in roster.values() for a in rows)
    rows = api(who).get(f"/api/units/{province.cell_a1.pk}/members/").json()["results"]
    assert web == sorted((row["id"], row["birth_date"] is not None) for row in rows)


def _state(db_state, door):
    resident = door.resident
    resident.refresh_from_db()
    return (
        db_state(),
        resident.phone,
        list(Affiliation.objects.filter(person=resident).values_list("unit", "valid_to")),
    )


WRITES = [
    ("patch", "/api/people/{r}/", {"phone": "0999999999"}, 200),
    ("post", "/api/people/{r}/status/", {"status": "exempt", "effective": "2024-01-01"}, 201),
    ("post", "/api/people/{r}/transfer/", {"to_cell": "{to}", "effective": "2024-01-01"}, 201),
]


@pytest.mark.parametrize(("method", "url", "body", "success"), WRITES)
def test_residence_link_gives_no_write(api, province, door, db_state, method, url, body, success):
    """Commune A sees the resident (she is registered in A1) but may not change her: 403 and
    nothing changed. Today's bug: A's staff transferred her out of B1, a cell they cannot see."""
    ids = {"r": door.resident.pk, "to": province.cell_a2.pk}
    body = {k: ids[v[1:-1]] if str(v).startswith("{") else v for k, v in body.items()}
    before = _state(db_state, door)
    response = getattr(api("staff_a"), method)(url.format(**ids), body, format="json")
    assert response.status_code == 403, response.content
    assert _state(db_state, door) == before


@pytest.mark.parametrize(("method", "url", "body", "success"), WRITES)
def test_home_cell_in_scope_allows_writes(
    api, province, door, db_state, method, url, body, success
):
    ids = {"r": door.resident.pk, "to": door.b2.pk}
    body = {k: ids[v[1:-1]] if str(v).startswith("{") else v for k, v in body.items()}
    before = db_state()["audit"]
    response = getattr(api("staff_b"), method)(url.format(**ids), body, format="json")
    assert response.status_code == success, response.content
    assert db_state()["audit"] > before


def test_affiliations_follow_their_unit(api, province, door, db_state):
    """A post in A1 for the resident is A's to give and to end; her membership is not."""
    staff_a = api("staff_a")
    response = staff_a.post(
        "/api/affiliations/",
        {
            "person": door.resident.pk,
            "unit": province.cell_a1.pk,
            "kind": "position",
            "title": "Tổ trưởng tổ đảng",
            "valid_from": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    post = response.json()["id"]
    assert (
        staff_a.post(
            f"/api/affiliations/{post}/end/", {"valid_to": "2024-06-01"}, format="json"
        ).status_code
        == 200
    )
    cell = door.resident.affiliations.get(kind="cell", valid_to__isnull=True)
    before = db_state()
    response = staff_a.post(
        f"/api/affiliations/{cell.pk}/end/", {"valid_to": "2024-06-01"}, format="json"
    )
    assert response.status_code == 404  # B1 is not A's: the row does not exist for them
    response = staff_a.post(
        "/api/affiliations/",
        {
            "person": door.resident.pk,
            "unit": province.cell_b1.pk,
            "kind": "position",
            "title": "Phó Bí thư",
            "valid_from": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400 and "unit" in response.json()
    assert db_state() == before
