"""The API of a subject's decision: propose, decide, re-open, history, carry-over; a stale
revision is 409; nobody decides for themself; a member of another cell sees nothing."""

import pytest

from kiemdiem.cycles import services as cycles
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.cycles.policies import may_rate
from kiemdiem.decisions.models import Decision
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN

pytestmark = pytest.mark.django_db


def _submitted(subject, tier="HTTNV"):
    review = reviews.review_start(subject=subject, actor=None)
    return reviews.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)


def _member(cycle, province, name):
    return Subject.objects.get(
        cycle=cycle, person=province.members[name], kind=SubjectKind.PARTY_MEMBER
    )


def test_propose_decide_reopen_and_the_history(client_for, province, cycle):
    dung = Subject.objects.get(cycle=cycle, person=province.members["dung"])
    _submitted(dung)
    staff, decider = client_for("staff_b"), client_for("decider")
    url = f"/api/subjects/{dung.pk}/decision/"
    empty = decider.get(url).json()
    assert (empty["state"], empty["revision"], empty["events"]) == ("", 0, [])
    body = {"tier": "HTXSNV", "reason": "Nổi bật"}
    missing = staff.post(url + "propose/", body, format="json")  # no revision: 400 naming it
    assert missing.status_code == 400 and "revision" in missing.json()
    proposed = staff.post(url + "propose/", {**body, "revision": 0}, format="json")
    assert proposed.status_code == 200, proposed.content
    assert (proposed.json()["state"], proposed.json()["proposed_tier"]) == ("proposed", "HTXSNV")
    revision = proposed.json()["revision"]
    # a page read before the proposal is refused with 409, nothing changed
    stale = decider.post(url + "decide/", {"tier": "HTTNV", "revision": 0}, format="json")
    assert stale.status_code == 409
    assert Subject.objects.get(pk=dung.pk).status == SubjectStatus.PENDING
    decided = decider.post(
        url + "decide/",
        {"tier": "HTTNV", "reason": "Theo tỷ lệ", "revision": revision},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    assert (decided.json()["state"], decided.json()["tier"]) == ("decided", "HTTNV")
    assert Subject.objects.get(pk=dung.pk).tier == "HTTNV"
    # a correction: re-opened, then decided again with a reason — each with the revision read
    revision = decided.json()["revision"]
    reopen = {"reason": "Kết luận kiểm tra"}
    for body in (reopen, {**reopen, "revision": None}):
        missing = decider.post(url + "reopen/", body, format="json")
        assert missing.status_code == 400 and "revision" in missing.json()
    stale = decider.post(url + "reopen/", {**reopen, "revision": revision - 1}, format="json")
    assert stale.status_code == 409 and Decision.objects.get(subject=dung).state == "decided"
    reopened = decider.post(url + "reopen/", {**reopen, "revision": revision}, format="json")
    assert reopened.status_code == 200
    revision = reopened.json()["revision"]
    # the older rate path carries no revision: a re-opened rating is not decided through it
    legacy = decider.post(
        f"/api/subjects/{dung.pk}/rate/", {"tier": "HTNV", "note": "x"}, format="json"
    )
    assert legacy.status_code == 400 and "revision" in legacy.json()
    assert Decision.objects.get(subject=dung).state == "contested"
    missing = decider.post(url + "decide/", {"tier": "HTNV", "reason": "x"}, format="json")
    assert missing.status_code == 400 and "revision" in missing.json()
    no_reason = decider.post(url + "decide/", {"tier": "HTNV", "revision": revision}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    again = decider.post(
        url + "decide/",
        {"tier": "HTNV", "reason": "Bị khiển trách", "revision": revision},
        format="json",
    )
    assert again.status_code == 200
    history = staff.get(url).json()["events"]
    assert [(e["state"], e["tier"], e["actor_username"]) for e in history] == [
        ("proposed", "HTXSNV", "staff_b"),
        ("decided", "HTTNV", "decider"),
        ("contested", "HTTNV", "decider"),
        ("redecided", "HTNV", "decider"),
    ]
    assert history[-1]["reason"] == "Bị khiển trách"


def test_nobody_proposes_or_decides_for_themself(client_for, province, cycle):
    # An (the secretary of cell A1) is reviewed in A1 as its head; Bình is a member there.
    an = Subject.objects.get(cycle=cycle, person=province.members["an"], kind=SubjectKind.HEAD)
    secretary = client_for("secretary")
    for action in ("propose", "decide"):
        response = secretary.post(
            f"/api/subjects/{an.pk}/decision/{action}/", {"tier": "HTXSNV"}, format="json"
        )
        assert response.status_code == 403, action
    assert not Decision.objects.filter(subject=an).exists()
    member = client_for("member")  # Bình
    binh = _member(cycle, province, "binh")
    assert (
        member.post(f"/api/subjects/{binh.pk}/decision/propose/", {"tier": "HTXSNV"}, format="json")
    ).status_code == 403


def test_a_member_of_another_cell_sees_no_decision(client_for, province, cycle):
    dung = Subject.objects.get(cycle=cycle, person=province.members["dung"])  # cell B1
    member = client_for("member")  # Bình, cell A1
    assert member.get(f"/api/subjects/{dung.pk}/decision/").status_code == 404
    response = member.post(
        f"/api/subjects/{dung.pk}/decision/propose/", {"tier": "HTTNV"}, format="json"
    )
    assert response.status_code == 404


def test_carry_over_lets_the_cycle_close(client_for, province, cycle):
    decider, staff = client_for("decider"), client_for("staff_p")
    pending = list(Subject.objects.filter(cycle=cycle, status=SubjectStatus.PENDING))
    refused = staff.post(f"/api/cycles/{cycle.pk}/close/")
    assert refused.status_code == 400
    message = refused.json()["non_field_errors"][0]
    assert "chưa được quyết định" in message and "Phạm Thị Dung" in message
    user = province.users["decider"]
    for subject in pending:
        response = decider.post(
            f"/api/subjects/{subject.pk}/decision/carry-over/",
            {"reason": "Chờ kết luận kiểm tra"},
            format="json",
        )
        # the competent level only (the decider is no agency head: not the state track's)
        expected = 200 if may_rate(user, subject) else 403
        assert response.status_code == expected, (subject, response.content)
    left = Subject.objects.filter(cycle=cycle, status=SubjectStatus.PENDING)
    assert left.exists()  # the agency's staff: for its head to decide
    refused = staff.post(f"/api/cycles/{cycle.pk}/close/")
    assert refused.status_code == 400
    for subject in left:
        cycles.subject_carry_over(subject=subject, reason="Chuyển kỳ sau", actor=None)
    assert Subject.objects.filter(cycle=cycle, status=SubjectStatus.CARRIED_OVER).count() == len(
        pending
    )
    assert staff.post(f"/api/cycles/{cycle.pk}/close/").status_code == 200
    # closed: nothing is proposed, decided or carried over any more
    subject = pending[0]
    assert decider.post(
        f"/api/subjects/{subject.pk}/decision/propose/", {"tier": "HTTNV"}, format="json"
    ).status_code in (400, 403)


def test_the_proposals_of_a_unit(client_for, province, cycle):
    dung = Subject.objects.get(cycle=cycle, person=province.members["dung"])
    _submitted(dung, "HTXSNV")
    staff = client_for("staff_b")
    staff.post(
        f"/api/subjects/{dung.pk}/decision/propose/",
        {"tier": "HTTNV", "reason": "Theo tỷ lệ", "revision": 0},
        format="json",
    )
    url = f"/api/cycles/{cycle.pk}/proposals/?unit={province.cell_b1.pk}"
    rows = staff.get(url).json()["results"]
    row = next(r for r in rows if r["subject"] == dung.pk)
    assert (row["self_proposed_tier"], row["proposed_tier"], row["proposed_reason"]) == (
        "HTXSNV",
        "HTTNV",
        "Theo tỷ lệ",
    )
    assert row["meeting_vote"] is None and row["may_propose"] and row["revision"] == 1
    assert staff.get(f"/api/cycles/{cycle.pk}/proposals/").status_code == 400  # unit required
