"""Units through the API: filters, the tree as of a date, writes, errors and the audit log."""

import datetime

import pytest

from kiemdiem.audit.models import LogEntry
from kiemdiem.orgtree import services as tree
from kiemdiem.orgtree.models import Unit


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def root(client_for):
    return client_for("root")


def test_search_folds_diacritics_and_case(root, province):
    assert codes(root.get("/api/units/", {"q": "an binh"})) == ["A", "UBA"]
    assert codes(root.get("/api/units/", {"q": "ĐÔNG"})) == ["A1"]
    assert codes(root.get("/api/units/", {"q": "thon"})) == ["A1", "A2"]
    assert codes(root.get("/api/units/", {"q": "a1"})) == ["A1"]  # the code too


def test_filters_parent_kind_subtree_active(root, province):
    p, a = province.province, province.commune_a
    assert codes(root.get("/api/units/", {"parent": p.pk})) == ["A", "B", "PBTV"]
    assert codes(root.get("/api/units/", {"kind": "dang_bo_xa"})) == ["A", "B"]
    assert codes(root.get("/api/units/", {"subtree_of": a.pk})) == ["A", "A1", "A2", "UBA"]
    tree.unit_dissolve(unit=province.cell_a2, effective=datetime.date(2024, 1, 1), actor=None)
    assert codes(root.get("/api/units/", {"active": "false"})) == ["A2"]
    assert "A2" not in codes(root.get("/api/units/", {"active": "true"}))
    assert codes(root.get(f"/api/units/{a.pk}/children/")) == ["A1", "UBA"]


def test_as_of_rebuilds_the_tree_of_that_date(root, province):
    a, b, a2 = province.commune_a, province.commune_b, province.cell_a2
    tree.unit_move(unit=a2, new_parent=b, effective=datetime.date(2024, 1, 1), actor=None)

    now = root.get("/api/units/", {"subtree_of": b.pk}).json()["results"]
    assert [u["code"] for u in now] == ["B", "B1", "A2"]
    then = root.get("/api/units/", {"subtree_of": a.pk, "as_of": "2023-06-01"}).json()["results"]
    assert [u["code"] for u in then] == ["A", "A1", "A2", "UBA"]
    a2_then = next(u for u in then if u["code"] == "A2")
    assert a2_then["parent"] == a.pk and a2_then["path"].startswith(a.path)
    assert codes(root.get("/api/units/", {"parent": b.pk, "as_of": "2023-06-01"})) == ["B1"]
    assert codes(root.get("/api/units/", {"as_of": "2019-12-31"})) == []


def test_bad_filters_are_400(root, province):
    for params in ({"as_of": "31/12/2024"}, {"parent": "x"}, {"kind": "nope"}, {"q": "a\x00b"}):
        response = root.get("/api/units/", params)
        assert response.status_code == 400, params
        assert set(response.json()) == set(params)


def test_create_update_move_merge_close_write_audit_entries(client_for, province, extra):
    staff = client_for("staff_p")
    b, b1, b2 = province.commune_b, province.cell_b1, extra["b2"]

    response = staff.post(
        "/api/units/",
        {
            "code": "b9",
            "name": "Chi  bộ khu phố 9",
            "kind": "chi_bo_truc_thuoc",
            "parent": b.pk,
            "valid_from": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    new = response.json()
    assert (new["code"], new["name"], new["valid_from"]) == ("B9", "Chi bộ khu phố 9", "2024-01-01")
    entry = LogEntry.objects.get(action="unit.created", object_id=str(new["id"]))
    assert entry.actor.username == "staff_p" and entry.unit_id == new["id"]

    response = staff.patch(f"/api/units/{new['id']}/", {"short_name": "KP9"}, format="json")
    assert response.status_code == 200 and response.json()["short_name"] == "KP9"
    assert response.json()["name"] == "Chi bộ khu phố 9"  # untouched
    assert LogEntry.objects.filter(action="unit.updated", object_id=str(new["id"])).exists()

    response = staff.post(
        f"/api/units/{b2.pk}/move/", {"new_parent": b1.pk, "effective": "2024-02-01"}, format="json"
    )
    assert response.status_code == 200 and response.json()["parent"] == b1.pk

    response = staff.post(
        f"/api/units/{b1.pk}/merge/",
        {"sources": [new["id"], new["id"]], "effective": "2024-03-01"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Unit.objects.get(pk=new["id"]).successor_id == b1.pk

    response = staff.post(f"/api/units/{b2.pk}/close/", {"effective": "2024-04-01"}, format="json")
    assert response.status_code == 200
    assert response.json()["valid_to"] == "2024-04-01" and response.json()["is_active"] is False
    actions = set(
        LogEntry.objects.filter(actor__username="staff_p").values_list("action", flat=True)
    )
    assert {
        "unit.created",
        "unit.updated",
        "unit.moved",
        "unit.merged",
        "unit.dissolved",
    } <= actions


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        (
            "post",
            "/api/units/",
            {
                "code": "A",
                "name": "X",
                "kind": "dang_bo_xa",
                "parent": "{P}",
                "valid_from": "2024-01-01",
            },
            "code",
        ),
        (
            "post",
            "/api/units/",
            {
                "code": "Z",
                "name": "X",
                "kind": "dang_bo_xa",
                "parent": "{P}",
                "valid_from": "2019-01-01",
            },
            "valid_from",
        ),
        (
            "post",
            "/api/units/",
            {"code": "Z", "name": "X", "kind": "?", "parent": "{P}", "valid_from": "2024-01-01"},
            "kind",
        ),
        (
            "post",
            "/api/units/",
            {
                "code": "Z",
                "name": "X",
                "kind": "dang_bo_xa",
                "parent": 10**30,
                "valid_from": "2024-01-01",
            },
            "parent",
        ),
        ("patch", "/api/units/{A}/", {"managed_by": "{A}"}, "managed_by"),
        ("patch", "/api/units/{A}/", {"name": ""}, "name"),
        (
            "post",
            "/api/units/{A1}/move/",
            {"new_parent": "{A}", "effective": "2024-01-01"},
            "new_parent",
        ),
        (
            "post",
            "/api/units/{A1}/move/",
            {"new_parent": "{B}", "effective": "2999-01-01"},
            "effective",
        ),
        (
            "post",
            "/api/units/{A}/move/",
            {"new_parent": "{A1}", "effective": "2024-01-01"},
            "new_parent",
        ),
        ("post", "/api/units/{A1}/close/", {"effective": "2024-01-01"}, "unit"),
        ("post", "/api/units/{A}/close/", {"effective": "2024-01-01"}, "unit"),
        (
            "post",
            "/api/units/{A}/merge/",
            {"sources": ["{A}"], "effective": "2024-01-01"},
            "sources",
        ),
        ("post", "/api/units/{A}/merge/", {"sources": [], "effective": "2024-01-01"}, "sources"),
        (
            "post",
            "/api/units/{B}/merge/",
            {"sources": ["{A1}"], "effective": "2024-01-01"},
            "target",
        ),
    ],
)
def test_bad_input_is_400_on_the_field_and_changes_nothing(
    client_for, province, db_state, method, url, body, field
):
    ids = {
        "P": province.province.pk,
        "A": province.commune_a.pk,
        "A1": province.cell_a1.pk,
        "B": province.commune_b.pk,
    }

    def fill(v):
        if isinstance(v, str) and v.startswith("{"):
            return ids[v[1:-1]]
        return [fill(x) for x in v] if isinstance(v, list) else v

    before = db_state()
    response = getattr(client_for("staff_p"), method)(
        url.format(**ids), {k: fill(v) for k, v in body.items()}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert all(isinstance(m, str) for m in response.json()[field])
    assert db_state() == before


@pytest.mark.parametrize("pk", ["0", "99999999999999999999", "-1", "abc"])
def test_ids_that_cannot_exist_are_404(root, province, pk):
    assert root.get(f"/api/units/{pk}/").status_code == 404
    assert (
        root.post(f"/api/units/{pk}/close/", {"effective": "2024-01-01"}, format="json").status_code
        == 404
    )


def test_pagination_is_bounded(root, province):
    response = root.get("/api/units/", {"limit": 10**9, "offset": 10**30})
    assert response.status_code == 200 and response.json()["results"] == []
    response = root.get("/api/units/", {"limit": 2})
    assert len(response.json()["results"]) == 2 and response.json()["count"] == 8


def test_dates_are_iso(root, province):
    row = root.get(f"/api/units/{province.commune_a.pk}/").json()
    assert row["valid_from"] == "2020-01-01"
    response = root.post(
        f"/api/units/{province.cell_a2.pk}/move/",
        {"new_parent": province.commune_b.pk, "effective": "01/01/2024"},
        format="json",
    )
    assert response.status_code == 400 and "effective" in response.json()
