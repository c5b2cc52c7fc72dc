"""The permission matrix: every endpoint as anonymous, no grant, sibling-subtree grant, ancestor
grant, own-subtree grant, inspector and member. The target objects sit in commune B's subtree.

* reads: outside the caller's scope looks like nothing (404, or left out of lists);
* writes on an object in the URL: invisible → 404, visible but not changeable → 403;
* writes naming their target in the body (create): invisible → 400 "does not exist" on that
  field, visible but not changeable → 403; a user who may change nothing anywhere gets 403
  before the body is read.
"""

import datetime

import pytest

D = datetime.date
USERS = ["anon", "nogrant", "staff_a", "staff_p", "staff_b", "inspector", "member"]
CAN_READ_B = {"staff_p", "staff_b", "inspector"}
CAN_CHANGE_B = {"staff_p", "staff_b"}
CHANGE_SOMEWHERE = {"staff_a", "staff_p", "staff_b"}


def _client(client_for, user):
    return client_for(None if user == "anon" else user)


def _ids(province, extra):
    dung = province.members["dung"]
    return {
        "B": province.commune_b.pk,
        "B1": province.cell_b1.pk,
        "B2": extra["b2"].pk,
        "dung": dung.pk,
        "ha": extra["ha"].pk,
        "dung_cell": dung.affiliations.get(kind="cell").pk,
    }


READS = [
    "/api/units/{B}/",
    "/api/units/{B}/children/",
    "/api/units/{B1}/members/",
    "/api/people/{dung}/",
    "/api/affiliations/{dung_cell}/",
]


@pytest.mark.parametrize("url", READS)
@pytest.mark.parametrize("user", USERS)
def test_detail_reads(client_for, province, extra, user, url):
    response = _client(client_for, user).get(url.format(**_ids(province, extra)))
    expected = 401 if user == "anon" else 200 if user in CAN_READ_B else 404
    assert response.status_code == expected, response.content


# (method, url, body, success status, where the target is named: "url" or "body")
WRITES = [
    ("patch", "/api/units/{B}/", {"short_name": "Phường BT"}, 200, "url"),
    (
        "post",
        "/api/units/{B2}/move/",
        {"new_parent": "{B1}", "effective": "2024-01-01"},
        200,
        "url",
    ),
    ("post", "/api/units/{B2}/close/", {"effective": "2024-01-01"}, 200, "url"),
    ("post", "/api/units/{B}/merge/", {"sources": ["{B2}"], "effective": "2024-01-01"}, 200, "url"),
    ("patch", "/api/people/{dung}/", {"phone": "0901234567"}, 200, "url"),
    ("post", "/api/people/{ha}/admit/", {"admitted_on": "2015-05-19"}, 201, "url"),
    (
        "post",
        "/api/people/{dung}/status/",
        {"status": "exempt", "effective": "2024-01-01", "reason": "QĐ 12"},
        201,
        "url",
    ),
    (
        "post",
        "/api/people/{dung}/transfer/",
        {"to_cell": "{B2}", "effective": "2024-01-01"},
        201,
        "url",
    ),
    ("post", "/api/affiliations/{dung_cell}/end/", {"valid_to": "2024-01-01"}, 200, "url"),
    (
        "post",
        "/api/units/",
        {
            "code": "B3",
            "name": "Chi bộ khu phố 3",
            "kind": "chi_bo_truc_thuoc",
            "parent": "{B}",
            "valid_from": "2024-01-01",
        },
        201,
        "body",
    ),
    (
        "post",
        "/api/people/",
        {
            "family_name": "Hoàng",
            "given_name": "Giang",
            "birth_date": "1985-02-02",
            "unit": "{B1}",
            "kind": "cell",
            "valid_from": "2024-01-01",
            "admitted_on": "2010-01-01",
        },
        201,
        "body",
    ),
    (
        "post",
        "/api/affiliations/",
        {
            "person": "{dung}",
            "unit": "{B1}",
            "kind": "position",
            "title": "Phó Bí thư",
            "role": "deputy",
            "valid_from": "2024-01-01",
        },
        201,
        "body",
    ),
]


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "url", "body", "success", "target"), WRITES)
@pytest.mark.parametrize("user", USERS)
def test_writes(client_for, province, extra, db_state, user, method, url, body, success, target):
    ids = _ids(province, extra)
    before = db_state()
    response = getattr(_client(client_for, user), method)(
        url.format(**ids), _fill(body, ids), format="json"
    )
    if user == "anon":
        expected = 401
    elif user in CAN_CHANGE_B:
        expected = success
    elif user in CAN_READ_B:
        expected = 403
    elif target == "url":
        expected = 404
    else:
        expected = 400 if user in CHANGE_SOMEWHERE else 403
    assert response.status_code == expected, response.content
    if expected == success:
        assert db_state()["audit"] > before["audit"]
    else:
        assert db_state() == before


LISTS = {
    "/api/units/": (
        "code",
        {
            "nogrant": [],
            "staff_a": ["A", "A1", "A2", "UBA"],
            "staff_b": ["B", "B1", "B2"],
            "staff_p": ["P", "A", "A1", "A2", "UBA", "B", "B1", "B2", "PBTV"],
            "member": ["A1"],
        },
    ),
    "/api/people/": (
        "full_name",
        {
            "nogrant": [],
            "staff_a": ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"],
            "staff_b": ["Phạm Thị Dung", "Võ Thu Hà"],
            "staff_p": [
                "Nguyễn Văn An",
                "Trần Thị Bình",
                "Lê Văn Cường",
                "Phạm Thị Dung",
                "Võ Thu Hà",
            ],
            "member": ["Trần Thị Bình"],
        },
    ),
    "/api/affiliations/": (
        "person_name",
        {
            "nogrant": [],
            "staff_a": ["Nguyễn Văn An", "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"],
            "staff_b": ["Phạm Thị Dung", "Võ Thu Hà"],
            "member": ["Trần Thị Bình"],
        },
    ),
    "/api/units/{B}/children/": ("code", {"staff_b": ["B1", "B2"], "staff_p": ["B1", "B2"]}),
    "/api/units/{A1}/members/": (
        "person_name",
        {
            "staff_a": ["Nguyễn Văn An", "Nguyễn Văn An", "Trần Thị Bình"],
            # A member sees their unit's roster like its page does: names and posts (their
            # personal fields are withheld: test_roster_personal_fields).
            "member": ["Nguyễn Văn An", "Nguyễn Văn An", "Trần Thị Bình"],
        },
    ),
}


@pytest.mark.parametrize("url", list(LISTS))
@pytest.mark.parametrize("user", USERS)
def test_lists_show_only_the_callers_scope(client_for, province, extra, user, url):
    field, by_user = LISTS[url]
    ids = {**_ids(province, extra), "A1": province.cell_a1.pk}
    response = _client(client_for, user).get(url.format(**ids), {"limit": 100})
    if user == "anon":
        assert response.status_code == 401
        return
    if user not in by_user:
        # Not listed: a detail URL they cannot see is 404; any other list is checked elsewhere.
        assert response.status_code in (200, 404)
        return
    assert response.status_code == 200, response.content
    expected = by_user[user]
    got = [row[field] for row in response.json()["results"]]
    assert sorted(got) == sorted(expected)
    assert response.json()["count"] == len(expected)


def test_units_unseen_in_a_children_list_are_404_not_empty(client_for, province):
    response = client_for("staff_a").get(f"/api/units/{province.commune_b.pk}/children/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("nogrant", set()),
        ("member", set()),
        ("staff_a", {"A", "A1", "A2", "UBA"}),
        ("staff_b", {"B", "B1"}),
        ("inspector", None),
        ("staff_p", None),
    ],
)
def test_audit_log_is_scoped_by_view_audit(client_for, province, user, expected):
    response = client_for(user).get("/api/audit/", {"limit": 500})
    assert response.status_code == 200
    rows = response.json()["results"]
    units = {
        province.commune_a.pk: "A",
        province.cell_a1.pk: "A1",
        province.cell_a2.pk: "A2",
        province.agency.pk: "UBA",
        province.commune_b.pk: "B",
        province.cell_b1.pk: "B1",
    }
    if expected is None:  # everything filed under the province
        assert len(rows) > 0 and all(r["unit"] is not None for r in rows)
    else:
        assert {units.get(r["unit"], r["unit"]) for r in rows} == expected


def test_audit_requires_authentication(client_for, province):
    assert client_for(None).get("/api/audit/").status_code == 401


def test_a_member_sees_only_their_own_person_record(client_for, province):
    member = client_for("member")
    own, other = province.members["binh"], province.members["an"]  # same cell
    assert member.get(f"/api/people/{own.pk}/").status_code == 200
    assert member.get(f"/api/people/{other.pk}/").status_code == 404
    listed = member.get("/api/people/").json()
    assert [p["id"] for p in listed["results"]] == [own.pk]
    assert member.patch(f"/api/people/{own.pk}/", {"phone": "1"}, format="json").status_code == 403


def test_root_units_need_change_on_the_whole_tree(client_for, province, db_state):
    body = {
        "code": "Q",
        "name": "Tỉnh mới",
        "kind": "dang_bo_tinh",
        "parent": None,
        "valid_from": "2025-07-01",
    }
    before = db_state()
    assert client_for("staff_p").post("/api/units/", body, format="json").status_code == 403
    assert db_state() == before
    response = client_for("root").post("/api/units/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["parent"] is None and response.json()["depth"] == 1


def test_moving_into_another_subtree_needs_change_there_too(client_for, province, db_state):
    before = db_state()
    response = client_for("staff_a").post(
        f"/api/units/{province.cell_a2.pk}/move/",
        {"new_parent": province.commune_b.pk, "effective": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 400  # B is invisible to staff of A: "does not exist"
    assert "new_parent" in response.json()
    assert db_state() == before
