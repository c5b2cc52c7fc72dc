"""Review cycles, plans and subjects through the API: open a cycle, plans inside the parent's
windows, send back and revise, the subject list and its filters, what a subject waits for,
ratings in the order the rules require, closing, and bad input that changes nothing."""

import pytest

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles.models import Plan, ReviewCycle, Subject, SubjectStatus
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import WRITTEN, D

STAGES_2026 = [
    {"kind": "self_review", "starts_on": "2026-11-15", "due_on": "2026-12-10"},
    {"kind": "meeting", "starts_on": "2026-12-01", "due_on": "2026-12-20"},
]


@pytest.fixture
def staff(client_for):
    return client_for("staff_p")


def test_open_a_cycle_pins_the_rule_sets_and_issues_the_root_plan(staff, province):
    response = staff.post(
        "/api/cycles/",
        {
            "code": "kd2026",
            "name": "Kiểm điểm năm 2026",
            "kind": "annual",
            "year": 2026,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "root": province.province.pk,
            "stages": STAGES_2026,
            "guidance": "Theo Hướng dẫn 43",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["code"], data["status"], data["root"]) == ("KD2026", "open", province.province.pk)
    assert {(p["track"], p["pack_id"]) for p in data["packs"]} == {
        ("party", "R2025"),
        ("state", "ND335"),
        ("state", "ND90-48"),
    }
    assert all(p["pack_hash"].startswith("sha256:") for p in data["packs"])
    assert LogEntry.objects.filter(action="cycle.opened", object_id=str(data["id"])).exists()
    plans = staff.get(f"/api/cycles/{data['id']}/plans/").json()["results"]
    assert [(p["unit"], p["guidance"], p["parent"]) for p in plans] == [
        (province.province.pk, "Theo Hướng dẫn 43", None)
    ]
    assert [s["kind"] for s in plans[0]["stages"]] == ["self_review", "meeting"]
    listed = staff.get("/api/cycles/", {"year": 2026}).json()["results"]
    assert [c["code"] for c in listed] == ["KD2026"]
    assert staff.get("/api/cycles/", {"kind": "quarterly"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "quarterly", "quarter": 4}, "quarter"),  # Q4 is folded into the year-end
        ({"kind": "annual", "quarter": 2}, "quarter"),
        ({"year": 1990}, "year"),  # no rule set covers it
        ({"period_end": "2025-12-31"}, "period_end"),
        ({"stages": list(reversed(STAGES_2026))}, "stages"),  # out of order
        (
            {"stages": [{"kind": "meeting", "starts_on": "2025-12-01", "due_on": "2026-01-02"}]},
            "stages",
        ),
        (
            {"stages": [{"kind": "nap", "starts_on": "2026-12-01", "due_on": "2026-12-02"}]},
            "stages",
        ),
        ({"root": 10**12}, "root"),
        ({"root": "P"}, "root"),
        ({"year": "2026a"}, "year"),
        ({"code": "KD2025"}, "code"),  # already taken
        ({"kind": "weekly"}, "kind"),
    ],
)
def test_bad_cycles_are_refused_and_change_nothing(
    staff, province, cycle, cycle_state, change, field
):
    body = {
        "code": "KD2026",
        "name": "Kiểm điểm năm 2026",
        "kind": "annual",
        "year": 2026,
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "root": province.province.pk,
        "stages": STAGES_2026,
        **change,
    }
    before = cycle_state()
    response = staff.post("/api/cycles/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert cycle_state() == before


def test_a_plan_must_fit_the_parents_window_then_is_sent_back_and_revised(
    client_for, province, cycle, cycle_state
):
    staff_a, staff_p = client_for("staff_a"), client_for("staff_p")
    url = f"/api/cycles/{cycle.pk}/plans/"
    late = [{"kind": "self_review", "starts_on": "2025-11-20", "due_on": "2025-12-12"}]
    before = cycle_state()
    response = staff_a.post(url, {"unit": province.commune_a.pk, "stages": late}, format="json")
    assert response.status_code == 400
    assert "15/11/2025 – 10/12/2025" in response.json()["stages"][0]  # names the window
    assert cycle_state() == before

    inside = [{"kind": "self_review", "starts_on": "2025-11-16", "due_on": "2025-12-05"}]
    response = staff_a.post(
        url, {"unit": province.commune_a.pk, "stages": inside, "guidance": "Xã"}, format="json"
    )
    assert response.status_code == 201, response.content
    plan = response.json()
    assert plan["parent_unit"] == province.province.pk and plan["status"] == "issued"
    again = staff_a.post(url, {"unit": province.commune_a.pk, "stages": inside}, format="json")
    assert again.status_code == 400 and "unit" in again.json()

    # the cell's plan must fit the commune's window, not only the province's
    cell = [{"kind": "self_review", "starts_on": "2025-11-16", "due_on": "2025-12-08"}]
    response = staff_a.post(url, {"unit": province.cell_a1.pk, "stages": cell}, format="json")
    assert response.status_code == 400 and "stages" in response.json()

    # the commune cannot send its own plan back: that is the province's call
    assert staff_a.post(f"/api/plans/{plan['id']}/return/", {"comment": "x"}).status_code == 403
    response = staff_p.post(
        f"/api/plans/{plan['id']}/return/", {"comment": "Thiếu lịch họp"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["return_comment"]) == (
        "returned",
        "Thiếu lịch họp",
    )
    empty = staff_p.post(f"/api/plans/{plan['id']}/return/", {"comment": " "}, format="json")
    assert empty.status_code == 400 and "comment" in empty.json()

    revised = [*inside, {"kind": "meeting", "starts_on": "2025-12-06", "due_on": "2025-12-15"}]
    response = staff_a.post(
        f"/api/plans/{plan['id']}/revise/",
        {"stages": revised, "guidance": "Bổ sung"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["return_comment"], data["guidance"]) == ("issued", "", "Bổ sung")
    assert [s["kind"] for s in data["stages"]] == ["self_review", "meeting"]
    assert staff_a.get(f"/api/plans/{plan['id']}/").json()["stages"] == data["stages"]
    actions = LogEntry.objects.filter(object_id=str(plan["id"])).values_list("action", flat=True)
    assert {"plan.issued", "plan.returned", "plan.revised"} <= set(actions)


def test_the_opening_levels_plan_has_nowhere_to_go_back(client_for, province, cycle):
    root_plan = Plan.objects.get(cycle=cycle, unit=province.province)
    response = client_for("staff_p").post(
        f"/api/plans/{root_plan.pk}/return/", {"comment": "x"}, format="json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()
    assert client_for("staff_b").get(f"/api/plans/{root_plan.pk}/").status_code == 404


def test_subject_list_filters_and_order(staff, province, cycle):
    url = f"/api/cycles/{cycle.pk}/subjects/"

    def rows(**params):
        response = staff.get(url, {"limit": 500, **params})
        assert response.status_code == 200, response.content
        return response.json()["results"]

    everything = rows()
    assert len(everything) == Subject.objects.filter(cycle=cycle).count()
    a1 = rows(unit=province.cell_a1.pk)
    # the cell's own report first, then people in Vietnamese name order
    assert [(r["kind"], r["person_name"]) for r in a1] == [
        ("party_org", None),
        ("head", "Nguyễn Văn An"),
        ("party_member", "Trần Thị Bình"),
    ]
    assert {r["unit"] for r in rows(subtree_of=province.commune_a.pk)} == {
        province.commune_a.pk,
        province.cell_a1.pk,
        province.cell_a2.pk,
        province.agency.pk,
    }
    assert [r["person_name"] for r in rows(kind="head")] == ["Nguyễn Văn An"]
    assert [r["unit_name"] for r in rows(person=province.members["dung"].pk)] == [
        "Chi bộ khu phố 1"
    ]
    assert {r["track"] for r in rows(track="state")} == {"state"}
    assert rows(status="not_rated") == []
    assert rows(subtree_of=10**12) == []
    for params in ({"kind": "nope"}, {"unit": "x"}, {"status": "done"}, {"person": 0}):
        response = staff.get(url, params)
        assert response.status_code == 400 and set(response.json()) == set(params)


def test_a_subject_shows_what_it_waits_for_and_its_review(staff, province, cycle):
    head = Subject.objects.get(cycle=cycle, person=province.members["an"], kind="head")
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    data = staff.get(f"/api/subjects/{head.pk}/").json()
    assert [(w["id"], w["status"]) for w in data["waits_for"]] == [(cell.pk, "pending")]
    assert data["review"] is None and data["kind_label"]
    assert staff.post(f"/api/subjects/{head.pk}/review/").status_code == 201
    data = staff.get(f"/api/subjects/{head.pk}/").json()
    assert data["review"]["status"] == "draft" and data["review"]["version"] == 0


def test_ratings_follow_the_required_order(client_for, province, cycle, cycle_state):
    decider = client_for("decider")
    head = Subject.objects.get(cycle=cycle, person=province.members["an"], kind="head")
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    before = cycle_state()
    response = decider.post(f"/api/subjects/{head.pk}/rate/", {"tier": "HTTNV"}, format="json")
    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert "Chi bộ thôn Đông" in message  # names what must be rated first
    assert cycle_state() == before

    response = decider.post(
        f"/api/subjects/{cell.pk}/rate/", {"tier": "HTTNV", "note": "Nghị quyết 12"}, format="json"
    )
    assert response.status_code == 400  # the cell after its members
    assert "Trần Thị Bình" in response.json()["non_field_errors"][0]
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    review = reviews.review_start(subject=binh, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    response = decider.post(f"/api/subjects/{binh.pk}/rate/", {"tier": "HTTNV"}, format="json")
    assert response.status_code == 200, response.content
    response = decider.post(
        f"/api/subjects/{cell.pk}/rate/", {"tier": "HTTNV", "note": "Nghị quyết 12"}, format="json"
    )
    assert response.status_code == 400  # rated on a submitted review only
    assert "chưa được nộp" in response.json()["non_field_errors"][0]
    for subject in (cell, head):
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    before = cycle_state()
    response = decider.post(
        f"/api/subjects/{cell.pk}/rate/", {"tier": "HTTNV", "note": "Nghị quyết 12"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["tier"]) == ("rated", "HTTNV")
    # (HTTNV: an HTXSNV alone in the leaders' pool is over its quota, decision-screen.md)
    response = decider.post(f"/api/subjects/{head.pk}/rate/", {"tier": "HTTNV"}, format="json")
    assert response.status_code == 200
    assert response.json()["waits_for"][0]["status"] == "rated"
    assert LogEntry.objects.filter(action="decision.decided").count() == 3
    bad = decider.post(f"/api/subjects/{cell.pk}/rate/", {"tier": "GIOI"}, format="json")
    assert bad.status_code == 400 and "tier" in bad.json()


def test_subjects_are_added_and_excluded_with_a_reason(client_for, province, cycle, cycle_state):
    staff_b = client_for("staff_b")
    dung = province.members["dung"]
    url = f"/api/cycles/{cycle.pk}/subjects/"
    before = cycle_state()
    for body, field in [
        ({"kind": "leader", "unit": province.cell_b1.pk, "reason": "x"}, "person"),
        (
            {"kind": "party_org", "unit": province.cell_b1.pk, "person": dung.pk, "reason": "x"},
            "person",
        ),
        ({"kind": "leader", "unit": province.cell_b1.pk, "person": dung.pk}, "reason"),
        (
            {"kind": "party_member", "unit": province.cell_b1.pk, "person": dung.pk, "reason": "x"},
            "kind",
        ),
        ({"kind": "leader", "unit": province.cell_a1.pk, "person": dung.pk, "reason": "x"}, "unit"),
    ]:
        response = staff_b.post(url, body, format="json")
        assert response.status_code == 400, body
        assert field in response.json(), response.json()
    assert cycle_state() == before

    response = staff_b.post(
        url,
        {"kind": "leader", "unit": province.cell_b1.pk, "person": dung.pk, "reason": "Phó Bí thư"},
        format="json",
    )
    assert response.status_code == 201, response.content
    added = response.json()
    assert added["added_by_hand"] is True and added["reason"] == "Phó Bí thư"

    response = staff_b.post(f"/api/subjects/{added['id']}/exclude/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = staff_b.post(
        f"/api/subjects/{added['id']}/exclude/", {"reason": "Trùng"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("not_rated", "Trùng")
    again = staff_b.post(f"/api/subjects/{added['id']}/exclude/", {"reason": "x"}, format="json")
    assert again.status_code == 400
    assert {"subject.added", "subject.excluded"} <= set(
        LogEntry.objects.values_list("action", flat=True)
    )


def test_generating_twice_is_refused(staff, province, cycle, cycle_state):
    before = cycle_state()
    response = staff.post(f"/api/cycles/{cycle.pk}/subjects/generate/")
    assert response.status_code == 400 and "cycle" in response.json()
    assert cycle_state() == before
    Subject.objects.filter(cycle=cycle).delete()
    response = staff.post(f"/api/cycles/{cycle.pk}/subjects/generate/")
    assert response.status_code == 201
    assert response.json()["count"] == Subject.objects.filter(cycle=cycle).count() > 0


def test_a_cycle_closes_when_everything_is_rated_and_then_nothing_changes(
    staff, client_for, province, cycle, cycle_state
):
    response = staff.post(f"/api/cycles/{cycle.pk}/close/")
    assert response.status_code == 400 and "non_field_errors" in response.json()
    Subject.objects.filter(cycle=cycle).update(status=SubjectStatus.RATED, tier="HTTNV")
    response = staff.post(f"/api/cycles/{cycle.pk}/close/")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert staff.get("/api/cycles/", {"status": "closed"}).json()["count"] == 1

    subject = Subject.objects.filter(cycle=cycle, person__isnull=False).first()
    plan = Plan.objects.get(cycle=cycle, unit=province.commune_b)
    before = cycle_state()
    stages = [{"kind": "self_review", "starts_on": "2025-11-17", "due_on": "2025-12-01"}]
    for method, url, body in [
        ("post", f"/api/cycles/{cycle.pk}/close/", None),
        ("post", f"/api/cycles/{cycle.pk}/plans/", {"unit": province.cell_b1.pk, "stages": stages}),
        ("post", f"/api/plans/{plan.pk}/revise/", {"stages": stages}),
        ("post", f"/api/plans/{plan.pk}/return/", {"comment": "x"}),
        ("post", f"/api/subjects/{subject.pk}/exclude/", {"reason": "x"}),
        ("post", f"/api/subjects/{subject.pk}/review/", None),
        (
            "post",
            f"/api/cycles/{cycle.pk}/subjects/",
            {"kind": "party_org", "unit": province.cell_b1.pk, "reason": "x"},
        ),
    ]:
        response = getattr(staff, method)(url, body, format="json")
        assert response.status_code == 400, (url, response.content)
    rate = client_for("decider").post(
        f"/api/subjects/{subject.pk}/rate/", {"tier": "HTNV"}, format="json"
    )
    assert rate.status_code == 400
    assert rate.json() == {
        "non_field_errors": ["Kỳ kiểm điểm đã kết thúc; không thể thay đổi gì trong kỳ nữa."]
    }
    assert cycle_state() == before


def test_quarterly_cycles_need_a_quarter(staff, province):
    body = {
        "code": "Q2-2026",
        "name": "Quý II/2026",
        "kind": "quarterly",
        "year": 2026,
        "quarter": 2,
        "period_start": "2026-04-01",
        "period_end": "2026-06-30",
        "root": province.province.pk,
        "stages": [],
    }
    response = staff.post("/api/cycles/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["quarter"] == 2
    assert [p["pack_id"] for p in response.json()["packs"]] == ["R2025"]
    assert ReviewCycle.objects.get(code="Q2-2026").plans.get().stages.count() == 0


def test_a_sibling_cannot_see_a_plan_it_did_not_issue(client_for, province, cycle):
    plan = cycles.plan_issue(
        cycle=cycle,
        unit=province.commune_a,
        stages=[cycles.StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
        actor=None,
    )
    assert client_for("staff_b").get(f"/api/plans/{plan.pk}/").status_code == 404
    assert client_for("staff_a").get(f"/api/plans/{plan.pk}/").status_code == 200
    for pk in ("0", "x", str(2**63)):
        assert client_for("staff_p").get(f"/api/plans/{pk}/").status_code == 404


def _grow(province, cycle):
    """More of everything the lists show: a second cycle, plans, subjects, versions."""
    from kiemdiem.cycles import subjects
    from kiemdiem.people import services as people
    from kiemdiem.reviews import services as reviews
    from kiemdiem.testing import open_annual

    open_annual(province, 2024)
    for unit in (province.commune_a, province.cell_b1):
        cycles.plan_issue(
            cycle=cycle,
            unit=unit,
            stages=[cycles.StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
            actor=None,
        )
    for i in range(4):
        person = people.person_create(family_name="Ngô", given_name=f"Tư {'ABCD'[i]}", actor=None)
        subjects.subject_add(
            cycle=cycle,
            kind="party_member",
            unit=province.cell_a1,
            person=person,
            reason="Bổ sung",
            actor=None,
        )
    review = SelfReview.objects.get(subject__person=province.members["binh"])
    for _ in range(2):
        reviews.review_amend(review=review, reason="Bổ sung", actor=None)
        reviews.review_submit(review=review, actor=None)


QUERY_URLS = [
    "/api/cycles/",
    "/api/cycles/{C}/",
    "/api/cycles/{C}/plans/",
    "/api/cycles/{C}/subjects/",
    "/api/subjects/{binh}/",
    "/api/subjects/{binh}/review/",
    "/api/subjects/{binh}/review/versions/",
]


@pytest.mark.parametrize("url", QUERY_URLS)
def test_query_count_does_not_grow_with_rows(
    client_for, province, cycle, django_assert_max_num_queries, url
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.reviews import services as reviews

    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    review = reviews.review_start(subject=binh, actor=None)
    reviews.review_save(review=review, content=WRITTEN, proposed_tier="HTNV", actor=None)
    reviews.review_submit(review=review, actor=None)
    client = client_for("staff_p")
    url = url.format(C=cycle.pk, binh=binh.pk)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    _grow(province, cycle)
    assert count() == small
    # 11: one of them the register's adverse facts for the subject's year (register/)
    with django_assert_max_num_queries(11):
        client.get(url)


def test_the_schema_has_the_cycle_and_review_endpoints(db):
    from rest_framework.test import APIClient

    from kiemdiem.accounts.models import User

    client = APIClient()
    client.force_authenticate(User(username="reader"))  # the schema needs a login
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = response.json()
    operations = {
        "/api/cycles/": {"get", "post"},
        "/api/cycles/{id}/": {"get"},
        "/api/cycles/{id}/close/": {"post"},
        "/api/cycles/{id}/plans/": {"get", "post"},
        "/api/cycles/{id}/subjects/": {"get", "post"},
        "/api/cycles/{id}/subjects/generate/": {"post"},
        "/api/plans/{id}/": {"get"},
        "/api/plans/{id}/revise/": {"post"},
        "/api/plans/{id}/return/": {"post"},
        "/api/subjects/{id}/": {"get"},
        "/api/subjects/{id}/exclude/": {"post"},
        "/api/subjects/{id}/rate/": {"post"},
        "/api/subjects/{id}/review/": {"get", "post", "put"},
        "/api/subjects/{id}/review/submit/": {"post"},
        "/api/subjects/{id}/review/amend/": {"post"},
        "/api/subjects/{id}/review/return/": {"post"},
        "/api/subjects/{id}/review/link/": {"post"},
        "/api/subjects/{id}/review/versions/": {"get"},
        "/api/subjects/{id}/decision/": {"get"},
        "/api/cycles/{id}/proposals/": {"get"},
        "/api/subjects/{id}/decision/propose/": {"post"},
        "/api/subjects/{id}/decision/decide/": {"post"},
        "/api/subjects/{id}/decision/reopen/": {"post"},
        "/api/subjects/{id}/decision/carry-over/": {"post"},
    }
    for path, methods in operations.items():
        assert set(schema["paths"][path]) - {"parameters"} == methods, path
    rate = schema["paths"]["/api/subjects/{id}/rate/"]["post"]
    assert {"200", "400", "401", "403", "404"} <= set(rate["responses"])
    decide = schema["paths"]["/api/subjects/{id}/decision/decide/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(decide["responses"])
    components = schema["components"]["schemas"]
    for name in ("SubjectKindEnum", "CycleStatusEnum", "ReviewStatusEnum", "TierEnum"):
        assert "enum" in components[name], name
    assert "waits_for" in components["SubjectDetail"]["properties"]
    assert "engine_result" in components["Review"]["properties"]
