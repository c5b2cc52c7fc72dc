"""The permission matrix of review cycles, plans, subjects and self-reviews: every endpoint as
anonymous, no grant, sibling-subtree staff (A), ancestor staff (P), own-subtree staff (B), an
inspector, a decision maker and a member (of cell A1). The 2025 cycle is opened at the
province; the targets sit in commune B's subtree (B's plan; Dung's subject in cell B1).

* reads: outside the caller's scope looks like nothing (404, or left out of lists);
* writes on an object in the URL: invisible → 404, visible but not allowed → 403;
* a unit named in the body and invisible → 400 "does not exist" on that field, but a user who
  may change nothing anywhere gets 403 before the body is read;
* a refused write changes nothing, an accepted one is audited (except saving a draft).
"""

import pytest

from kiemdiem.cycles.models import Subject, SubjectStatus
from kiemdiem.decisions import services as decisions
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import WRITTEN, put_draft, written

USERS = ["anon", "nogrant", "staff_a", "staff_p", "staff_b", "inspector", "decider", "member"]
SEE_CYCLE = {"staff_a", "staff_p", "staff_b", "inspector", "decider", "member"}
SEE_B = {"staff_p", "staff_b", "inspector", "decider"}
CHANGE_B = {"staff_p", "staff_b"}
READ_ONLY_B = {"inspector", "decider"}
CHANGE_SOMEWHERE = {"staff_a", "staff_p", "staff_b"}


def _client(client_for, user):
    return client_for(None if user == "anon" else user)


def _dung(cycle, province) -> Subject:
    return Subject.objects.get(cycle=cycle, person=province.members["dung"])


def _ids(cycle, province):
    return {
        "C": cycle.pk,
        "P": province.province.pk,
        "B1": province.cell_b1.pk,
        "planB": cycle.plans.get(unit=province.commune_b).pk,
        "dung": _dung(cycle, province).pk,
        "dung_person": province.members["dung"].pk,
    }


def _fill(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _review(cycle, province, state="draft"):
    """Dung's review, started (and, as asked, saved with a tier, submitted)."""
    subject = _dung(cycle, province)
    review = reviews.review_start(subject=subject, actor=None)
    if state in ("saved", "submitted"):
        reviews.review_save(
            review=review,
            content={**WRITTEN, "tu_tuong": "Kiên định"},
            proposed_tier="HTTNV",
            actor=None,
        )
    if state == "submitted":
        reviews.review_submit(review=review, actor=None)
    return review


READS = [
    ("/api/cycles/{C}/", SEE_CYCLE),
    ("/api/cycles/{C}/plans/", SEE_CYCLE),
    ("/api/cycles/{C}/subjects/", SEE_CYCLE),
    ("/api/plans/{planB}/", SEE_B),
    ("/api/subjects/{dung}/", SEE_B),
    ("/api/subjects/{dung}/review/", SEE_B),
    ("/api/subjects/{dung}/review/versions/", SEE_B),
    ("/api/subjects/{dung}/decision/", SEE_B),
]


@pytest.mark.parametrize(("url", "readers"), READS)
@pytest.mark.parametrize("user", USERS)
def test_reads(client_for, province, cycle, user, url, readers):
    _review(cycle, province, "submitted")
    response = _client(client_for, user).get(url.format(**_ids(cycle, province)))
    expected = 401 if user == "anon" else 200 if user in readers else 404
    assert response.status_code == expected, response.content


def _all_rated(cycle, province):
    Subject.objects.filter(cycle=cycle).update(status=SubjectStatus.RATED, tier="HTTNV")


def _decided(cycle, province):
    _review(cycle, province, "submitted")
    decisions.decide(subject=_dung(cycle, province), tier="HTTNV", actor=None)


def _no_subjects(cycle, province):
    Subject.objects.filter(cycle=cycle).delete()


NEW_CYCLE = {
    "code": "KD2024",
    "name": "Kiểm điểm năm 2024",
    "kind": "annual",
    "year": 2024,
    "period_start": "2024-01-01",
    "period_end": "2024-12-31",
    "root": "{P}",
    "stages": [{"kind": "self_review", "starts_on": "2024-11-15", "due_on": "2024-12-10"}],
}
B1_STAGES = [{"kind": "self_review", "starts_on": "2025-11-17", "due_on": "2025-12-01"}]

# (method, url, body, prepare, success, allowed, forbidden (403), the others' answer)
WRITES = [
    ("post", "/api/cycles/", NEW_CYCLE, None, 201, {"staff_p"}, READ_ONLY_B, 400),
    ("post", "/api/cycles/{C}/close/", None, _all_rated, 200, {"staff_p"}, "seers", 404),
    (
        "post",
        "/api/cycles/{C}/subjects/generate/",
        None,
        _no_subjects,
        201,
        {"staff_p"},
        "seers",
        404,
    ),
    (
        "post",
        "/api/cycles/{C}/plans/",
        {"unit": "{B1}", "stages": B1_STAGES},
        None,
        201,
        CHANGE_B,
        READ_ONLY_B,
        "body",
    ),
    (
        "post",
        "/api/cycles/{C}/subjects/",
        {"kind": "leader", "unit": "{B1}", "person": "{dung_person}", "reason": "Phó Bí thư"},
        None,
        201,
        CHANGE_B,
        READ_ONLY_B,
        "body",
    ),
    (
        "post",
        "/api/plans/{planB}/revise/",
        {"stages": B1_STAGES, "guidance": "Bổ sung"},
        None,
        200,
        CHANGE_B,
        READ_ONLY_B,
        404,
    ),
    (
        "post",
        "/api/plans/{planB}/return/",
        {"comment": "Thiếu lịch họp"},
        None,
        200,
        {"staff_p"},
        {"staff_b", *READ_ONLY_B},
        404,
    ),
    (
        "post",
        "/api/subjects/{dung}/exclude/",
        {"reason": "Đi công tác dài hạn"},
        None,
        200,
        CHANGE_B,
        READ_ONLY_B,
        404,
    ),
    (
        "post",
        "/api/subjects/{dung}/rate/",
        {"tier": "HTTNV"},
        "submitted",
        200,
        {"decider"},
        {"staff_p", "staff_b", "inspector"},
        404,
    ),
    ("post", "/api/subjects/{dung}/review/", None, None, 201, CHANGE_B, READ_ONLY_B, 404),
    # decisions: the advisory body (staff) or the deciding level proposes, the decider decides
    (
        "post",
        "/api/subjects/{dung}/decision/propose/",
        {"tier": "HTTNV", "reason": "Đạt", "revision": 0},
        "submitted",
        200,
        CHANGE_B | {"decider"},
        {"inspector"},
        404,
    ),
    (
        "post",
        "/api/subjects/{dung}/decision/decide/",
        {"tier": "HTTNV", "revision": 0},
        "submitted",
        200,
        {"decider"},
        {"staff_p", "staff_b", "inspector"},
        404,
    ),
    (
        "post",
        "/api/subjects/{dung}/decision/reopen/",
        {"reason": "Kết luận kiểm tra mới", "revision": 1},  # decided once: revision 1
        _decided,
        200,
        {"decider"},
        {"staff_p", "staff_b", "inspector"},
        404,
    ),
    (
        "post",
        "/api/subjects/{dung}/decision/carry-over/",
        {"reason": "Chờ kết luận kiểm tra"},
        None,
        200,
        {"decider"},
        {"staff_p", "staff_b", "inspector"},
        404,
    ),
    (
        "put",
        "/api/subjects/{dung}/review/",
        {"content": {"tu_tuong": "Kiên định"}, "proposed_tier": "HTTNV", "revision": "{rev}"},
        "draft",
        200,
        CHANGE_B,
        READ_ONLY_B,
        404,
    ),
    ("post", "/api/subjects/{dung}/review/submit/", None, "saved", 200, CHANGE_B, READ_ONLY_B, 404),
    (
        "post",
        "/api/subjects/{dung}/review/amend/",
        {"reason": "Bổ sung sản phẩm"},
        "submitted",
        200,
        CHANGE_B,
        READ_ONLY_B,
        404,
    ),
    (
        "post",
        "/api/subjects/{dung}/review/return/",
        {"comment": "Nêu sản phẩm cụ thể"},
        "submitted",
        200,
        CHANGE_B,
        READ_ONLY_B,
        404,
    ),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "prepare", "success", "allowed", "forbidden", "others"), WRITES
)
@pytest.mark.parametrize("user", USERS)
def test_writes(
    client_for,
    province,
    cycle,
    cycle_state,
    user,
    method,
    url,
    body,
    prepare,
    success,
    allowed,
    forbidden,
    others,
):
    ids = _ids(cycle, province)
    if isinstance(prepare, str):
        ids["rev"] = reviews.revision_of(_review(cycle, province, prepare))
    elif prepare is not None:
        prepare(cycle, province)
    forbidden = SEE_CYCLE - allowed if forbidden == "seers" else forbidden
    before = cycle_state()
    client = _client(client_for, user)
    response = getattr(client, method)(url.format(**ids), _fill(body, ids), format="json")
    if user == "anon":
        expected = 401
    elif user in allowed:
        expected = success
    elif user in forbidden:
        expected = 403
    elif others == "body":  # the cycle is in the URL, the unit in the body
        expected = 404 if user not in SEE_CYCLE else 400 if user in CHANGE_SOMEWHERE else 403
    elif others == 400 and user not in CHANGE_SOMEWHERE:  # refused before the body is read
        expected = 403
    else:
        expected = others
    assert response.status_code == expected, (user, response.content)
    if expected == success:
        after = cycle_state()
        assert after != before
        if method != "put":  # saving a draft (the page's autosave) is not audited
            assert after["audit"] > before["audit"]
    else:
        assert cycle_state() == before


def test_a_member_reads_and_writes_their_own_review_only(client_for, province, cycle):
    member = client_for("member")
    own = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    other = Subject.objects.get(cycle=cycle, person=province.members["an"], kind="head")
    listed = member.get(f"/api/cycles/{cycle.pk}/subjects/").json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert member.get(f"/api/subjects/{own.pk}/").status_code == 200
    assert member.get(f"/api/subjects/{other.pk}/").status_code == 404
    assert member.post(f"/api/subjects/{other.pk}/review/").status_code == 404
    assert member.post(f"/api/subjects/{own.pk}/review/").status_code == 201
    assert member.get(f"/api/subjects/{own.pk}/review/").status_code == 200
    body = {"content": {**written(own), "tu_tuong": "Luôn kiên định"}, "proposed_tier": "HTTNV"}
    assert put_draft(member, own, body).status_code == 200
    assert member.post(f"/api/subjects/{own.pk}/review/submit/").status_code == 200
    # the member may neither send back nor rate nor take out their own subject
    for action, body in [
        ("review/return", {"comment": "x"}),
        ("rate", {"tier": "HTTNV"}),
        ("exclude", {"reason": "x"}),
    ]:
        response = member.post(f"/api/subjects/{own.pk}/{action}/", body, format="json")
        assert response.status_code == 403, action
    # nor see plans
    assert member.get(f"/api/cycles/{cycle.pk}/plans/").json()["count"] == 0


def test_the_writer_cannot_send_back_their_own_review(client_for, province, cycle, cycle_state):
    # An is the secretary of cell A1 (change on A1) and is reviewed there as its head.
    an_head = Subject.objects.get(cycle=cycle, person=province.members["an"], kind="head")
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    for subject in (an_head, binh):
        review = reviews.review_start(subject=subject, actor=None)
        reviews.review_save(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
        reviews.review_submit(review=review, actor=None)
    secretary = client_for("secretary")
    before = cycle_state()
    response = secretary.post(
        f"/api/subjects/{an_head.pk}/review/return/", {"comment": "Tự trả"}, format="json"
    )
    assert response.status_code == 403
    assert cycle_state() == before
    response = secretary.post(
        f"/api/subjects/{binh.pk}/review/return/", {"comment": "Nêu rõ hơn"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "returned"


def test_lists_show_only_the_callers_scope(client_for, province, cycle):
    url = f"/api/cycles/{cycle.pk}/subjects/"
    units = {
        u.pk: u.code
        for u in (
            province.province,
            province.commune_a,
            province.commune_b,
            province.cell_a1,
            province.cell_a2,
            province.cell_b1,
            province.standing,
            province.agency,
        )
    }

    def places(user):
        response = client_for(user).get(url, {"limit": 500})
        assert response.status_code == 200
        return {units[row["unit"]] for row in response.json()["results"]}

    assert places("staff_a") == {"A", "A1", "A2", "UBA"}
    assert places("staff_b") == {"B", "B1"}
    assert places("staff_p") == set(units.values())
    assert places("member") == {"A1"}
    plans = client_for("staff_a").get(f"/api/cycles/{cycle.pk}/plans/").json()["results"]
    assert plans == []  # the province's and B's plans are outside A's subtree
    plans = client_for("staff_b").get(f"/api/cycles/{cycle.pk}/plans/").json()["results"]
    assert [p["unit"] for p in plans] == [province.commune_b.pk]
    assert client_for("nogrant").get("/api/cycles/").json()["count"] == 0
    assert client_for("member").get("/api/cycles/").json()["count"] == 1


def test_a_collectives_submitted_report_is_visible_to_its_members(client_for, province, cycle):
    from kiemdiem.cycles import subjects
    from kiemdiem.people import services as people
    from kiemdiem.testing import WRITTEN, D

    people.affiliation_start(
        person=province.members["binh"],
        unit=province.standing,
        kind="position",
        title="Ủy viên",
        role="member",
        valid_from=D(2021, 1, 1),
        actor=None,
    )
    Subject.objects.filter(cycle=cycle).delete()
    subjects.subjects_generate(cycle=cycle, actor=None)
    collective = Subject.objects.get(cycle=cycle, unit=province.standing, person__isnull=True)
    report = reviews.review_start(subject=collective, actor=None)
    member = client_for("member")
    url = f"/api/subjects/{collective.pk}/review/"
    assert member.get(url).status_code == 404  # a draft is the collective's own business
    reviews.review_save(review=report, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    reviews.review_submit(review=report, actor=None)
    assert member.get(url).status_code == 200
    assert member.get(f"{url}versions/").json()["count"] == 1
    assert member.get(f"/api/subjects/{collective.pk}/").status_code == 404
    assert member.put(url, {"content": {}}, format="json").status_code == 404
    assert SelfReview.objects.get(pk=report.pk).status == "submitted"
