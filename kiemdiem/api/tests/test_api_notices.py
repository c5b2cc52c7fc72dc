"""The API of publications and complaints, end to end: the subject files a complaint with a
base64 document; the level above decides it; a member lists what is published to them."""

import base64
import datetime

from knox.models import AuthToken
from rest_framework.test import APIClient

from kiemdiem.accounts import services as accounts
from kiemdiem.common.dates import today
from kiemdiem.cycles.models import Subject
from kiemdiem.decisions import notices
from kiemdiem.decisions import services as decisions
from kiemdiem.decisions.models import ComplaintStatus, Decision
from kiemdiem.decisions.tests.test_complaints import PDF
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN


def _decide_binh(cycle, province):
    subject = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    review = reviews.review_start(subject=subject, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    decisions.decide(subject=subject, tier="HTNV", reason="Chậm nộp", actor=None)
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    return Decision.objects.get(subject=subject)


def test_a_complaint_through_the_api(client_for, province, cycle):
    decision = _decide_binh(cycle, province)
    member = client_for("member")  # Bình
    body = {
        "decision": decision.pk,
        "text": "Tôi đã nộp đủ",
        "files": [{"name": "bien-lai.pdf", "content": base64.b64encode(PDF).decode()}],
    }
    response = member.post("/api/complaints/", body, format="json")
    assert response.status_code == 201, response.content
    complaint = response.json()
    assert complaint["status"] == "filed" and complaint["files"][0]["name"] == "bien-lai.pdf"
    assert member.post("/api/complaints/", body, format="json").status_code == 400  # one open
    bad = {**body, "files": [{"name": "x.pdf", "content": "!!"}]}
    assert member.post("/api/complaints/", bad, format="json").status_code == 400
    other = client_for("secretary")  # An, who sees cell A1 but is not Bình
    assert other.post("/api/complaints/", body, format="json").status_code == 403
    decider = client_for("decider")
    assert [c["id"] for c in decider.get("/api/complaints/").json()["results"]] == [complaint["id"]]
    url = f"/api/complaints/{complaint['id']}/handle/"
    assert member.post(url, {"outcome": "upheld", "reason": "x"}, format="json").status_code == 403
    body = {"outcome": "changed", "new_tier": "HTTNV", "reason": "Đã nộp đủ"}
    missing = decider.post(url, body, format="json")
    assert missing.status_code == 400 and "revision" in missing.json()
    stale = decider.post(url, {**body, "revision": complaint["revision"] + 1}, format="json")
    assert stale.status_code == 409
    response = decider.post(url, {**body, "revision": complaint["revision"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == ComplaintStatus.CHANGED
    assert response.json()["tier"] == "HTTNV"


def test_what_is_published_to_me_through_the_api(client_for, province, cycle):
    _decide_binh(cycle, province)
    staff = client_for("staff_a")
    body = {
        "cycle": cycle.pk,
        "unit": province.cell_a1.pk,
        "audience": "members",
        "starts_on": today().isoformat(),
        "ends_on": (today() + datetime.timedelta(days=3)).isoformat(),
    }
    response = staff.post("/api/publications/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["row_count"] == 1
    rows = staff.get(f"/api/publications/{response.json()['id']}/rows/").json()["results"]
    assert rows == [
        {
            "position": 0,
            "name": "Trần Thị Bình",
            "kind": "party_member",
            "unit": "Chi bộ thôn Đông",
            "tier": "HTNV",
        }
    ]
    mine = client_for("member").get("/api/publications/").json()["results"]
    assert [p["id"] for p in mine] == [response.json()["id"]]
    cuong = accounts.user_create(
        username="cuong", password="pass12345!", person=province.members["cuong"], actor=None
    )
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=cuong)[1]}")
    assert other.get("/api/publications/").json()["results"] == []  # cell A2
    url = f"/api/publications/{response.json()['id']}/withdraw/"
    assert staff.post(url, {"reason": "Nhầm"}, format="json").status_code == 200
    assert client_for("member").get("/api/publications/").json()["results"] == []
