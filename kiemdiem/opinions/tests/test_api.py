"""The API of opinions: asking twice, answering and correcting, the threshold, who has not
commented, and notes — the same rules as the pages."""

import pytest
from rest_framework.test import APIClient

from kiemdiem.audit.models import LogEntry
from kiemdiem.opinions.models import OpinionAnswer, OpinionRequest, PeerComment


@pytest.fixture
def api(scene):
    def as_user(name):
        client = APIClient()
        client.force_authenticate(scene.users[name])
        return client

    return as_user


DUTIES = {
    "exemplary_conduct": "good",
    "civic_duties": "fulfilled",
    "attends_meetings": "good",
    "keeps_contact": "good",
}


def test_ask_twice_answer_correct_and_a_stale_answer(api, scene):
    dung = scene.subjects["dung"]
    body = {"subject": dung.pk, "source": "residence_cell", "deadline": "2026-12-10"}
    first = api("staff_b").post("/api/opinion-requests/", body, format="json")
    again = api("staff_b").post("/api/opinion-requests/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and OpinionRequest.objects.count() == 1
    url = f"/api/opinion-requests/{first.json()['id']}/answer/"
    ok = api("secretary").post(url, {"duties": DUTIES, "text": "Tốt"}, format="json")
    assert ok.status_code == 200 and ok.json()["answer"]["version"] == 1
    twice = api("secretary").post(url, {"duties": DUTIES, "text": "Lại"}, format="json")
    assert twice.status_code == 400 and "revision" in twice.json()
    fixed = api("secretary").post(
        url, {"duties": DUTIES, "text": "Sửa", "revision": 1}, format="json"
    )
    assert fixed.json()["answer"]["text"] == "Sửa" and len(fixed.json()["history"]) == 1
    assert api("member").post(url, {"duties": DUTIES}, format="json").status_code == 404
    assert OpinionAnswer.objects.count() == 2
    inbox = api("secretary").get("/api/opinion-requests/").json()["results"]
    assert [r["id"] for r in inbox] == [first.json()["id"]]


def test_exempt_and_past_deadlines_are_400_naming_the_field(api, scene):
    dung = scene.subjects["dung"]
    past = api("staff_b").post(
        "/api/opinion-requests/",
        {"subject": dung.pk, "source": "residence_cell", "deadline": "2026-12-01"},
        format="json",
    )
    assert past.status_code == 400 and "deadline" in past.json()
    never = api("staff_b").post(
        "/api/opinion-requests/",
        {"subject": dung.pk, "source": "previous_cell", "deadline": "2026-12-10"},
        format="json",
    )
    assert never.status_code == 400 and "source" in never.json()
    assert not OpinionRequest.objects.exists()


def test_peer_comments_through_the_api(api, scene):
    binh = scene.subjects["binh"]
    for name in ("giang", "hoa"):
        made = api(name).post(
            "/api/peer-comments/", {"subject": binh.pk, "text": f"Ý của {name}"}, format="json"
        )
        assert made.status_code == 201 and set(made.json()) == {"subject", "text", "written_on"}
    under = api("member").get(f"/api/peer-comments/?subject={binh.pk}").json()
    assert under == {"threshold": 3, "count": 2, "shown": False, "comments": []}
    api("khanh").post("/api/peer-comments/", {"subject": binh.pk, "text": "Ba"}, format="json")
    over = api("secretary").get(f"/api/peer-comments/?subject={binh.pk}").json()
    assert over["shown"] and sorted(over["comments"]) == ["Ba", "Ý của giang", "Ý của hoa"]
    missing = api("secretary").get(f"/api/peer-comments/missing/?subject={binh.pk}").json()
    assert [m["name"] for m in missing["people"]] == ["Nguyễn Văn An"]
    assert api("member").get(f"/api/peer-comments/missing/?subject={binh.pk}").status_code == 403
    # oneself, another cell's member
    assert (
        api("member").post("/api/peer-comments/", {"subject": binh.pk, "text": "x"}, format="json")
    ).status_code == 404
    assert (
        api("cuong").post("/api/peer-comments/", {"subject": binh.pk, "text": "x"}, format="json")
    ).status_code == 404
    assert PeerComment.objects.count() == 3
    # nothing the API said names an author, nor does the log
    entries = LogEntry.objects.filter(action="peer_comment.written")
    assert entries.count() == 3 and not entries.exclude(actor=None).exists()


def test_notes_through_the_api(api, scene):
    binh = scene.subjects["binh"]
    body = {"subject": binh.pk, "kind": "conclusion", "text": "Đồng ý", "revision": 0}
    assert api("secretary").post("/api/review-notes/", body, format="json").status_code == 403
    assert api("decider").post("/api/review-notes/", body, format="json").status_code == 201
    stale = api("decider").post("/api/review-notes/", body, format="json")
    assert stale.status_code == 400 and "revision" in stale.json()
    rows = api("member").get(f"/api/review-notes/?subject={binh.pk}").json()["results"]
    assert [(r["kind"], r["version"]) for r in rows] == [("conclusion", 1)]
