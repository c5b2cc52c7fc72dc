"""People through the API: Vietnamese order, filters, creation with a first affiliation in one
transaction, transfers, statuses, affiliations, and bad input that changes nothing."""

import datetime

import pytest

from kiemdiem.audit.models import LogEntry
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation, MemberStatus, Person

D = datetime.date


def names(response):
    assert response.status_code == 200, response.content
    return [row["full_name"] for row in response.json()["results"]]


@pytest.fixture
def root(client_for):
    return client_for("root")


def test_people_are_listed_in_vietnamese_order(root, province):
    for family, middle, given in [("Đỗ", "Văn", "Đức"), ("Bùi", "Thị", "Dũng"), ("Lý", "", "Anh")]:
        person = people.person_create(
            family_name=family, middle_name=middle, given_name=given, actor=None
        )
        people.affiliation_start(
            person=person,
            unit=province.commune_b,
            kind="position",
            title="Ủy viên",
            valid_from=D(2020, 1, 1),
            actor=None,
        )
    # given name first; D before Đ; the unmarked "Dung" before "Dũng"; "An" before "Anh".
    assert names(root.get("/api/people/")) == [
        "Nguyễn Văn An",
        "Lý Anh",
        "Trần Thị Bình",
        "Lê Văn Cường",
        "Phạm Thị Dung",
        "Bùi Thị Dũng",
        "Đỗ Văn Đức",
    ]


def test_people_filters(root, province):
    assert names(root.get("/api/people/", {"unit": province.commune_a.pk})) == [
        "Nguyễn Văn An",
        "Trần Thị Bình",
        "Lê Văn Cường",
    ]
    assert names(root.get("/api/people/", {"unit": province.cell_b1.pk})) == ["Phạm Thị Dung"]
    assert names(root.get("/api/people/", {"q": "TRAN binh"})) == ["Trần Thị Bình"]
    assert names(client_for_unit_outside_scope(root, province)) == []


def client_for_unit_outside_scope(root, province):
    return root.get("/api/people/", {"unit": 10**12})


def test_person_detail_has_membership_statuses_and_affiliations(root, province):
    an = province.members["an"]
    data = root.get(f"/api/people/{an.pk}/").json()
    assert data["membership"]["admitted_on"] == "2010-01-01"
    assert [s["status"] for s in data["membership"]["statuses"]] == ["active"]
    assert sorted(a["kind"] for a in data["affiliations"]) == ["cell", "position"]
    assert data["birth_date"] == "1980-05-01"
    listed = root.get("/api/people/", {"q": "an"}).json()["results"][0]
    assert listed["is_member"] is True and listed["cell"]["id"] == province.cell_a1.pk


def test_create_person_with_membership_and_cell_in_one_request(client_for, province):
    response = client_for("staff_a").post(
        "/api/people/",
        {
            "family_name": "Hoàng",
            "middle_name": "Minh",
            "given_name": "Giang",
            "birth_date": "1990-09-02",
            "gender": "M",
            "citizen_id": "001090000001",
            "unit": province.cell_a2.pk,
            "kind": "cell",
            "valid_from": "2024-01-01",
            "admitted_on": "2015-05-19",
            "official_on": "2016-05-19",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["full_name"] == "Hoàng Minh Giang"
    assert data["membership"]["official_on"] == "2016-05-19"
    assert [(a["kind"], a["unit"]) for a in data["affiliations"]] == [("cell", province.cell_a2.pk)]
    entries = LogEntry.objects.filter(actor__username="staff_a").order_by("id")
    assert [e.action for e in entries] == [
        "person.created",
        "member.admitted",
        "affiliation.started",
    ]
    assert len({e.request_id for e in entries}) == 1 and entries[0].request_id is not None
    assert entries[0].unit_id == province.cell_a2.pk


def test_create_a_non_member_with_a_post(client_for, province):
    response = client_for("staff_a").post(
        "/api/people/",
        {
            "family_name": "Mai",
            "given_name": "Lan",
            "unit": province.agency.pk,
            "kind": "employment",
            "state_category": "cong_chuc",
            "valid_from": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["membership"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"citizen_id": "123"}, "citizen_id"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"birth_date": "2010-01-01"}, "admitted_on"),  # admitted at 5: fails after the person
        ({"admitted_on": None}, "admitted_on"),  # a cell needs a member
        ({"valid_from": "2999-01-01"}, "valid_from"),  # fails in the third service
        ({"kind": "employment"}, "unit"),  # a cell is not a state agency: third service
        ({"kind": "position"}, "title"),
        ({"email": "not-an-email"}, "email"),
        ({"given_name": ""}, "given_name"),
        ({"unit": 10**30}, "unit"),
    ],
)
def test_create_person_bad_input_changes_nothing(client_for, province, db_state, body, field):
    payload = {
        "family_name": "Hoàng",
        "given_name": "Giang",
        "birth_date": "1990-09-02",
        "unit": province.cell_a2.pk,
        "kind": "cell",
        "valid_from": "2024-01-01",
        "admitted_on": "2015-05-19",
        **body,
    }
    before = db_state()
    response = client_for("staff_a").post("/api/people/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert db_state() == before


def test_update_transfer_status_and_affiliations(client_for, province):
    staff = client_for("staff_a")
    an, binh = province.members["an"], province.members["binh"]

    response = staff.patch(
        f"/api/people/{an.pk}/", {"phone": " 0901 234 567 ", "ethnicity": "Tày"}, format="json"
    )
    assert response.status_code == 200 and response.json()["phone"] == "0901 234 567"
    assert response.json()["given_name"] == "An"

    response = staff.post(
        f"/api/people/{binh.pk}/transfer/",
        {"to_cell": province.cell_a2.pk, "effective": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["unit"] == province.cell_a2.pk
    assert Affiliation.objects.current().get(person=binh, kind="cell").unit == province.cell_a2

    response = staff.post(
        f"/api/people/{binh.pk}/status/",
        {"status": "exempt", "effective": "2024-02-01", "reason": "QĐ 7"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["status"] == "exempt"
    assert MemberStatus.objects.get(member__person=binh, valid_to__isnull=True).status == "exempt"

    response = staff.post(
        "/api/affiliations/",
        {
            "person": an.pk,
            "unit": province.agency.pk,
            "kind": "employment",
            "state_category": "can_bo",
            "valid_from": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    row = response.json()["id"]
    response = staff.post(
        f"/api/affiliations/{row}/end/", {"valid_to": "2024-06-01"}, format="json"
    )
    assert response.status_code == 200 and response.json()["valid_to"] == "2024-06-01"

    actions = set(
        LogEntry.objects.filter(actor__username="staff_a").values_list("action", flat=True)
    )
    assert actions == {
        "person.updated",
        "member.transferred",
        "member.status_changed",
        "affiliation.started",
        "affiliation.ended",
    }


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/people/{binh}/transfer/", {"to_cell": "{A}", "effective": "2024-01-01"}, "to_cell"),
        ("/api/people/{binh}/transfer/", {"to_cell": "{A1}", "effective": "2024-01-01"}, "to_cell"),
        (
            "/api/people/{binh}/transfer/",
            {"to_cell": "{A2}", "effective": "2019-01-01"},
            "effective",
        ),
        ("/api/people/{binh}/status/", {"status": "active", "effective": "2024-01-01"}, "status"),
        (
            "/api/people/{binh}/status/",
            {"status": "exempt", "effective": "2999-01-01"},
            "effective",
        ),
        ("/api/people/{binh}/admit/", {"admitted_on": "2015-01-01"}, "person"),
        (
            "/api/people/{uba}/status/",
            {"status": "exempt", "effective": "2024-01-01"},
            "non_field_errors",
        ),
        ("/api/affiliations/{binh_cell}/end/", {"valid_to": "2019-01-01"}, "valid_to"),
        (
            "/api/affiliations/",
            {"person": "{binh}", "unit": "{A2}", "kind": "cell", "valid_from": "2024-01-01"},
            "unit",
        ),
        (
            "/api/affiliations/",
            {
                "person": "{binh}",
                "unit": "{A1}",
                "kind": "position",
                "title": "Bí thư",
                "role": "head",
                "valid_from": "2024-01-01",
            },
            "role",
        ),
    ],
)
def test_people_writes_bad_input_changes_nothing(client_for, province, db_state, url, body, field):
    lan = people.person_create(family_name="Mai", given_name="Lan", actor=None)
    people.affiliation_start(
        person=lan,
        unit=province.agency,
        kind="employment",
        state_category="cong_chuc",
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    binh = province.members["binh"]
    ids = {
        "binh": binh.pk,
        "uba": lan.pk,
        "A": province.commune_a.pk,
        "A1": province.cell_a1.pk,
        "A2": province.cell_a2.pk,
        "binh_cell": binh.affiliations.get(kind="cell").pk,
    }
    payload = {
        k: ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()
    }
    before = db_state()
    response = client_for("staff_a").post(url.format(**ids), payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert db_state() == before


def test_inspector_reads_people_but_cannot_write(client_for, province, db_state):
    inspector = client_for("inspector")
    dung = province.members["dung"]
    assert inspector.get(f"/api/people/{dung.pk}/").status_code == 200
    before = db_state()
    assert (
        inspector.patch(f"/api/people/{dung.pk}/", {"phone": "1"}, format="json").status_code == 403
    )
    assert (
        inspector.post(
            f"/api/people/{dung.pk}/status/",
            {"status": "exempt", "effective": "2024-01-01"},
            format="json",
        ).status_code
        == 403
    )
    assert db_state() == before
    assert Person.objects.get(pk=dung.pk).phone == ""
