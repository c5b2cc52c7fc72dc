"""Self-reviews through the API: start, save a draft with the engine's result, submit, amend
with the history kept, send back, link members' reviews into a collective's report, and bad
input that is refused with a clear 400 and changes nothing."""

import pytest

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.people import services as people
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import FULL_2025, D, put_draft, written


@pytest.fixture
def member(client_for):
    return client_for("member")


@pytest.fixture
def binh(province, cycle):
    """Bình's subject (a party member in cell A1); Bình is the user "member"."""
    return Subject.objects.get(cycle=cycle, person=province.members["binh"])


def url_of(subject, action=""):
    return f"/api/subjects/{subject.pk}/review/{action + '/' if action else ''}"


def test_start_answers_the_form_and_starting_again_changes_nothing(member, binh):
    assert member.get(url_of(binh)).status_code == 404
    response = member.post(url_of(binh))
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["version"], data["subject"]) == ("draft", 0, binh.pk)
    assert data["form"]["code"] == "Mẫu 2A-HD KĐ.ĐG 2025"
    sections = {s["key"]: s for s in data["form"]["sections"]}
    assert sections["xep_loai"]["type"] == "rating"
    assert len(sections["suy_thoai"]["items"]) == 27 and len(sections["dieu_cam"]["items"]) == 19
    assert sections["tu_tuong"]["items"] == []
    assert "fact.general_score" in {i["name"] for i in data["rating_inputs"]}
    again = member.post(url_of(binh))
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert LogEntry.objects.filter(action="review.started").count() == 1


def test_saving_a_draft_returns_the_engines_result(member, binh):
    member.post(url_of(binh))
    body = {
        "content": {"tu_tuong": "Luôn kiên định", "xep_loai": FULL_2025},
        "proposed_tier": "HTTNV",
    }
    response = put_draft(member, binh, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["content"]["tu_tuong"] == "Luôn kiên định"
    assert data["engine_result"]["status"] == "rated"
    assert data["engine_result"]["tier"] == "HTXSNV"  # 92 points, 40 % exceeded
    assert data["engine_result"]["lines"]
    # JSON numbers and booleans are taken as the form's text values
    typed = {**FULL_2025, "fact.general_score": 27, "fact.task_score": 65.0}
    typed["fact.on_time_quality"] = True
    body = {"content": {"xep_loai": typed}, "proposed_tier": "HTTNV"}
    response = put_draft(member, binh, body)
    assert response.status_code == 200, response.content
    assert response.json()["engine_result"]["tier"] == "HTXSNV"
    assert response.json()["content"]["xep_loai"]["fact.on_time_quality"] == "true"
    # a draft without the rating says what is missing, and still saves
    response = put_draft(member, binh, {"content": {}})
    assert response.status_code == 200
    assert response.json()["engine_result"]["status"] == "incomplete"
    assert response.json()["proposed_tier"] == ""


def test_a_saved_review_round_trips(member, binh):
    """What GET answers can be sent back by PUT unchanged (the web page's shapes too)."""
    member.post(url_of(binh))
    content = {
        "tu_tuong": "Kiên định",
        "nhiem_vu": {"text": "Hoàn thành", "products": [{"name": "Báo cáo", "result": "Đạt"}]},
        "suy_thoai": {"checked": ["TT1"], "explanation": "Đã khắc phục"},
        "khac_phuc": [{"shortcoming": "Chậm", "remedy": "Đúng hạn", "done": True}],
        "xep_loai": FULL_2025,
    }
    first = put_draft(member, binh, {"content": content, "proposed_tier": "HTTNV"})
    assert first.status_code == 200, first.content
    saved = first.json()
    second = put_draft(
        member, binh, {"content": saved["content"], "proposed_tier": saved["proposed_tier"]}
    )
    assert second.status_code == 200, second.content
    assert second.json()["content"] == saved["content"]


BAD_CONTENT = [
    ({"content": ["tu_tuong"]}, "content"),
    ({"content": {"bogus": "x"}}, "content"),
    ({"content": {"tu_tuong": 5}}, "tu_tuong"),
    # on Mẫu 2A (2025) a general component is scored: {"text", "points"}, nothing else
    ({"content": {"tu_tuong": {"text": "x", "note": "y"}}}, "tu_tuong"),
    ({"content": {"tu_tuong": {"text": "x", "points": 31}}}, "tu_tuong"),  # part I: at most 30
    ({"content": {"nhiem_vu": {"products": [{"name": "x", "points": "nhiều"}]}}}, "nhiem_vu"),
    ({"content": {"nhiem_vu": {"products": "Báo cáo"}}}, "nhiem_vu"),
    ({"content": {"nhiem_vu": {"products": [{"name": 1}]}}}, "nhiem_vu"),
    ({"content": {"nhiem_vu": 12}}, "nhiem_vu"),
    ({"content": {"suy_thoai": {"checked": ["TT1", "ZZ9"]}}}, "suy_thoai"),  # unknown item
    ({"content": {"suy_thoai": {"checked": 3}}}, "suy_thoai"),
    ({"content": {"suy_thoai": ["TT1"]}}, "suy_thoai"),
    ({"content": {"khac_phuc": {"shortcoming": "x"}}}, "khac_phuc"),
    ({"content": {"khac_phuc": [{"shortcoming": "x", "done": "yes"}]}}, "khac_phuc"),
    ({"content": {"xep_loai": "HTTNV"}}, "xep_loai"),
    ({"content": {"xep_loai": {"fact.bogus": "1"}}}, "xep_loai"),
    ({"content": {"xep_loai": {"fact.general_score": "nhiều"}}}, "xep_loai"),
    ({"content": {"xep_loai": {"fact.general_score": [27]}}}, "xep_loai"),
    ({"content": {"xep_loai": {"fact.on_time_quality": "có lẽ"}}}, "xep_loai"),
    ({"content": {"tu_tuong": "x" * 20_001}}, "tu_tuong"),
    ({"content": {}, "proposed_tier": "GIOI"}, "proposed_tier"),
    ({"content": {}, "proposed_tier": 3}, "proposed_tier"),
    ({"proposed_tier": "HTTNV"}, "content"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CONTENT)
def test_bad_drafts_are_refused_and_change_nothing(member, binh, cycle_state, body, field):
    member.post(url_of(binh))
    put_draft(member, binh, {"content": {"tu_tuong": "Bản đầu"}})
    before = cycle_state()
    response = put_draft(member, binh, body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert cycle_state() == before


def test_unknown_items_sections_and_inputs_are_named(member, binh):
    member.post(url_of(binh))
    body = {"content": {"suy_thoai": {"checked": ["TT1", "ZZ9"]}}}
    response = put_draft(member, binh, body)
    assert "ZZ9" in response.json()["suy_thoai"][0]
    body = {"content": {"xep_loai": {"fact.bogus": "1", "crit.x": "XS"}}}
    response = put_draft(member, binh, body)
    assert "crit.x, fact.bogus" in response.json()["xep_loai"][0]
    # the API's own checks answer in Vietnamese
    response = put_draft(member, binh, {"content": {"bogus": "x"}})
    assert response.json() == {"content": ["Mẫu này không có các mục: bogus."]}
    body = {"content": {"xep_loai": {"fact.general_score": "nhiều"}}}
    response = put_draft(member, binh, body)
    assert response.json() == {"xep_loai": ["fact.general_score: cần là một số."]}


def test_submit_locks_and_an_amendment_keeps_the_history(member, binh, cycle_state):
    member.post(url_of(binh))
    put_draft(member, binh, {"content": {**written(binh), "tu_tuong": "Bản đầu"}})
    response = member.post(url_of(binh, "submit"))
    assert response.status_code == 400 and "proposed_tier" in response.json()
    put_draft(
        member,
        binh,
        {"content": {**written(binh), "tu_tuong": "Bản đầu"}, "proposed_tier": "HTNV"},
    )
    response = member.post(url_of(binh, "submit"))
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("submitted", 1)

    before = cycle_state()
    locked = put_draft(member, binh, {"content": {"tu_tuong": "Sửa lén"}})
    assert locked.status_code == 400 and "non_field_errors" in locked.json()
    assert member.post(url_of(binh, "submit")).status_code == 400
    no_reason = member.post(url_of(binh, "amend"), {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    assert cycle_state() == before

    response = member.post(url_of(binh, "amend"), {"reason": "Bổ sung sản phẩm"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["amendment_reason"]) == (
        "draft",
        "Bổ sung sản phẩm",
    )
    body = {"content": {**written(binh), "tu_tuong": "Bản sửa"}, "proposed_tier": "HTTNV"}
    assert put_draft(member, binh, body).status_code == 200
    assert member.post(url_of(binh, "submit")).json()["version"] == 2

    versions = member.get(url_of(binh, "versions")).json()
    assert versions["count"] == 2
    assert [
        (v["number"], v["kind"], v["content"]["tu_tuong"], v["proposed_tier"], v["note"])
        for v in versions["results"]
    ] == [
        (1, "submitted", "Bản đầu", "HTNV", ""),
        (2, "amended", "Bản sửa", "HTTNV", "Bổ sung sản phẩm"),
    ]
    assert versions["results"][0]["created_by_username"] == "member"


def test_a_review_sent_back_is_rewritten_and_its_writer_told(client_for, province, member, binh):
    member.post(url_of(binh))
    put_draft(member, binh, {"content": written(binh), "proposed_tier": "HTXSNV"})
    staff_a = client_for("staff_a")
    draft = staff_a.post(url_of(binh, "return"), {"comment": "x"}, format="json")
    assert draft.status_code == 400  # only a submitted review goes back
    member.post(url_of(binh, "submit"))
    empty = staff_a.post(url_of(binh, "return"), {"comment": ""}, format="json")
    assert empty.status_code == 400 and "comment" in empty.json()
    response = staff_a.post(
        url_of(binh, "return"), {"comment": "Cần nêu sản phẩm cụ thể"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["return_comment"]) == (
        "returned",
        "Cần nêu sản phẩm cụ thể",
    )
    user = province.users["member"]
    assert user.notifications.get().text.endswith("Cần nêu sản phẩm cụ thể")
    body = {"content": {**written(binh), "tu_tuong": "Đã bổ sung"}, "proposed_tier": "HTTNV"}
    assert put_draft(member, binh, body).status_code == 200
    assert member.post(url_of(binh, "submit")).status_code == 200
    kinds = [v["kind"] for v in member.get(url_of(binh, "versions")).json()["results"]]
    assert kinds == ["submitted", "returned", "amended"]


def test_a_not_rated_subject_has_no_review(client_for, province, cycle, cycle_state):
    subject = Subject.objects.get(cycle=cycle, person=province.members["cuong"])
    staff = client_for("staff_a")
    staff.post(f"/api/subjects/{subject.pk}/exclude/", {"reason": "Miễn sinh hoạt"}, format="json")
    before = cycle_state()
    response = staff.post(url_of(subject))
    assert response.status_code == 400
    assert "Miễn sinh hoạt" in response.json()["non_field_errors"][0]
    assert cycle_state() == before


@pytest.fixture
def standing(province, cycle):
    """Dung sits on the province's standing committee (a leadership collective)."""
    people.affiliation_start(
        person=province.members["dung"],
        unit=province.standing,
        kind="position",
        title="Ủy viên Ban Thường vụ",
        role="member",
        valid_from=D(2021, 1, 1),
        actor=None,
    )
    Subject.objects.filter(cycle=cycle).delete()
    subjects.subjects_generate(cycle=cycle, actor=None)
    collective = Subject.objects.get(cycle=cycle, unit=province.standing, person__isnull=True)
    member = Subject.objects.get(cycle=cycle, unit=province.standing, person__isnull=False)
    return collective, member


def test_members_submit_after_the_collective_and_are_linked_into_its_report(
    client_for, province, cycle, standing, cycle_state
):
    collective, member_subject = standing
    staff = client_for("staff_p")
    for subject in standing:
        assert staff.post(url_of(subject)).status_code == 201
        body = {"content": written(subject), "proposed_tier": "HTTNV"}
        assert put_draft(staff, subject, body).status_code == 200
    before = cycle_state()
    response = staff.post(url_of(member_subject, "submit"))
    assert response.status_code == 400  # the collective's report comes first (HD 21 §3.7)
    assert "non_field_errors" in response.json()
    assert cycle_state() == before
    assert staff.post(url_of(collective, "submit")).status_code == 200
    assert staff.post(url_of(member_subject, "submit")).status_code == 200

    member_review = SelfReview.objects.get(subject=member_subject)
    response = staff.post(
        url_of(collective, "link"), {"reviews": [member_review.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["linked_reviews"] == [member_review.pk]
    assert LogEntry.objects.filter(action="review.linked").exists()

    # a review written elsewhere cannot be linked; nor can a person's review link others
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    staff.post(url_of(binh))
    other = SelfReview.objects.get(subject=binh)
    before = cycle_state()
    for subject, ids in [
        (collective, [other.pk]),
        (member_subject, [member_review.pk]),
        (collective, [10**12]),
        (collective, ["x"]),
    ]:
        response = staff.post(url_of(subject, "link"), {"reviews": ids}, format="json")
        assert response.status_code == 400, response.content
    too_many = staff.post(url_of(collective, "link"), {"reviews": [1] * 1001}, format="json")
    assert too_many.status_code == 400 and "reviews" in too_many.json()
    assert cycle_state() == before
    response = staff.post(url_of(collective, "link"), {"reviews": []}, format="json")
    assert response.status_code == 200 and response.json()["linked_reviews"] == []


def test_a_rated_subjects_review_no_longer_changes(client_for, member, binh, cycle_state):
    member.post(url_of(binh))
    put_draft(member, binh, {"content": written(binh), "proposed_tier": "HTTNV"})
    member.post(url_of(binh, "submit"))
    rate = client_for("decider").post(
        f"/api/subjects/{binh.pk}/rate/", {"tier": "HTTNV"}, format="json"
    )
    assert rate.status_code == 200, rate.content
    before = cycle_state()
    assert member.post(url_of(binh, "amend"), {"reason": "x"}, format="json").status_code == 400
    assert (
        client_for("staff_a")
        .post(url_of(binh, "return"), {"comment": "x"}, format="json")
        .status_code
        == 400
    )
    assert cycle_state() == before


def _last_year_with_shortcomings(province):
    """Bình's 2024 review, submitted with two shortcomings (the rows the 2025 one carries)."""
    from kiemdiem.reviews import services as reviews
    from kiemdiem.testing import WRITTEN, open_annual

    old = open_annual(province, 2024)
    subjects.subjects_generate(cycle=old, actor=None)
    subject = Subject.objects.get(cycle=old, person=province.members["binh"], kind="party_member")
    review = reviews.review_start(subject=subject, actor=None)
    content = {**WRITTEN, "han_che": "Chậm nộp báo cáo\nÍt phát biểu"}
    return reviews.review_submit(review=review, content=content, proposed_tier="HTNV", actor=None)


def test_carried_shortcomings_round_trip_and_become_rows(member, province, binh):
    last = _last_year_with_shortcomings(province)
    data = member.post(url_of(binh)).json()
    assert data["content"]["khac_phuc"] == [
        {"shortcoming": "Chậm nộp báo cáo", "remedy": "", "done": False, "carried": True},
        {"shortcoming": "Ít phát biểu", "remedy": "", "done": False, "carried": True},
    ]
    found = {
        row["text"]: row["id"] for row in member.get(url_of(binh)).json()["shortcomings_found"]
    }
    assert found == {}  # nothing found in this year's draft yet
    reported = data["shortcomings_reported"]
    assert [(r["text"], r["source"], r["status"]) for r in reported] == [
        ("Chậm nộp báo cáo", "self_review", "open"),
        ("Ít phát biểu", "self_review", "open"),
    ]
    assert {r["carried_from"] for r in reported} == set(
        last.shortcomings_found.values_list("pk", flat=True)
    )
    # what GET answers goes back unchanged, then the writer reports on each
    saved = put_draft(member, binh, {"content": data["content"]})
    assert saved.status_code == 200, saved.content
    content = saved.json()["content"]
    content["khac_phuc"][0] |= {"remedy": "Nộp đúng hạn cả năm", "done": True}
    content["khac_phuc"][1] |= {"remedy": "Đã phát biểu"}
    content["han_che"] = "Chưa học tin học"
    response = put_draft(member, binh, {"content": content})
    assert response.status_code == 200, response.content
    data = response.json()
    assert [(r["status"], r["remedy_report"]) for r in data["shortcomings_reported"]] == [
        ("remedied", "Nộp đúng hạn cả năm"),
        ("in_progress", "Đã phát biểu"),
    ]
    assert [r["text"] for r in data["shortcomings_found"]] == ["Chưa học tin học"]
    assert data["content"]["khac_phuc"][0]["done"] is True
