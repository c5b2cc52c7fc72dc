"""Complaints: the subject complains within the window, with documents; the level above the
one that decided keeps the tier or changes it, with its reason; the subject is told."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.decisions import complaints, notices
from kiemdiem.decisions.models import ComplaintStatus, Decision, DecisionState
from kiemdiem.decisions.tests.test_notices import decided, member
from kiemdiem.notifications.models import Notification
from kiemdiem.testing import open_annual

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


@pytest.fixture
def decision(cycle, province):
    subject = member(cycle, province)
    decided(subject, "HTNV", "Chậm nộp đảng phí")
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None, day=D(2026, 1, 5))
    return Decision.objects.get(subject=subject)


def file(decision, user, text="Tôi đã nộp đủ đảng phí, có biên lai kèm theo.", **kw):
    kw.setdefault("day", D(2026, 1, 10))
    return complaints.file_complaint(decision=decision, text=text, actor=user, **kw)


def test_the_subject_files_a_complaint_with_documents_and_it_goes_up_a_level(decision, province):
    upload = SimpleUploadedFile("biên lai.pdf", PDF, content_type="application/pdf")
    complaint = file(decision, province.users["member"], files=[upload])
    # Bình's rating is decided by commune A; complaints go to the province above it
    assert complaint.handled_at_unit == province.province
    assert [f.name for f in complaint.files.all()] == ["biên lai.pdf"]
    assert LogEntry.objects.filter(action="complaint.filed").count() == 1
    assert list(complaints.queue(province.users["decider"])) == [complaint]
    told = Notification.objects.get(user=province.users["decider"], key__startswith="complaint-")
    assert told.url == f"/complaints/{complaint.pk}/" and "Trần Thị Bình" in told.text
    assert not complaints.queue(province.users["staff_p"]).exists()  # staff do not decide
    with pytest.raises(ValidationError, match="đang chờ|already waiting"):
        file(decision, province.users["member"])  # one open complaint at a time


def test_a_complaint_by_someone_else_is_refused(decision, province):
    for who in ("secretary", "decider", "staff_a", "nogrant"):
        with pytest.raises(PermissionDenied):
            file(decision, province.users[who])
    assert not decision.complaints.exists()


def test_after_the_window_a_complaint_is_refused_naming_the_date(decision, province, settings):
    assert decision.complaint_until == D(2026, 2, 4)  # 30 days by default
    with pytest.raises(ValidationError, match="04/02/2026"):
        file(decision, province.users["member"], day=D(2026, 2, 5))
    file(decision, province.users["member"], day=D(2026, 2, 4))  # the last day still counts


def test_a_file_that_is_not_a_document_is_refused_by_name(decision, province):
    bad = SimpleUploadedFile("x.html", b"<html><script>1</script>", content_type="application/pdf")
    with pytest.raises(ValidationError, match="x.html"):
        file(decision, province.users["member"], files=[bad])
    assert not decision.complaints.exists()


def test_an_upheld_complaint_keeps_the_tier(decision, province):
    complaint = file(decision, province.users["member"])
    with pytest.raises(PermissionDenied):  # the commune decided; complaints are the province's
        complaints.handle_complaint(
            complaint=complaint, outcome="upheld", reason="x", actor=province.users["nogrant"]
        )
    complaints.handle_complaint(
        complaint=complaint,
        outcome=ComplaintStatus.UPHELD,
        reason="Biên lai nộp sau hạn; giữ nguyên",
        actor=province.users["decider"],
    )
    decision.refresh_from_db()
    complaint.refresh_from_db()
    assert decision.tier == "HTNV" and complaint.status == ComplaintStatus.UPHELD
    assert Subject.objects.get(pk=decision.subject_id).tier == "HTNV"
    assert decision.events.last().data["outcome"] == "upheld"
    told = Notification.objects.get(
        user=province.users["member"], key__startswith="complaint-outcome"
    )
    assert "Biên lai nộp sau hạn" in told.text
    with pytest.raises(ValidationError):  # decided once
        complaints.handle_complaint(
            complaint=complaint, outcome="upheld", reason="x", actor=province.users["decider"]
        )
    # a new complaint may now be filed (none is open), within the window
    file(decision, province.users["member"], text="Xin xem xét lại lần nữa.")


def test_a_changed_complaint_redecides_and_notifies(decision, province):
    complaint = file(decision, province.users["member"])
    with pytest.raises(ValidationError):  # the same tier is not a change
        complaints.handle_complaint(
            complaint=complaint,
            outcome="changed",
            new_tier="HTNV",
            reason="x",
            actor=province.users["decider"],
        )
    complaints.handle_complaint(
        complaint=complaint,
        outcome=ComplaintStatus.CHANGED,
        new_tier="HTTNV",
        reason="Đã nộp đủ đảng phí đúng hạn",
        actor=province.users["decider"],
    )
    decision.refresh_from_db()
    assert decision.tier == "HTTNV" and decision.reason == "Đã nộp đủ đảng phí đúng hạn"
    assert Subject.objects.get(pk=decision.subject_id).tier == "HTTNV"
    states = [e.state for e in decision.events.all()]
    assert states[-3:] == [DecisionState.CONTESTED, DecisionState.REDECIDED, DecisionState.NOTIFIED]
    assert decision.state == DecisionState.NOTIFIED
    texts = list(
        Notification.objects.filter(user=province.users["member"]).values_list("text", flat=True)
    )
    assert len(texts) == 3  # the first result, the outcome, the new result
    assert LogEntry.objects.filter(action="complaint.handled").get().data["tier"] == [
        "HTNV",
        "HTTNV",
    ]


def test_no_complaint_before_the_result_is_notified(cycle, province):
    subject = member(cycle, province)
    decision = decided(subject)
    with pytest.raises(ValidationError):
        file(decision, province.users["member"])


def test_a_units_head_complains_for_the_unit_and_nobody_else_does(cycle, province):
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, kind="party_org")
    decision = Decision.objects.create(subject=cell, state=DecisionState.DECIDED, tier="HTNV")
    notices.notify_decisions([decision.pk], actor=None, day=D(2026, 1, 5))
    decision.refresh_from_db()
    with pytest.raises(PermissionDenied):
        file(decision, province.users["member"])  # Bình belongs to the cell, does not head it
    complaint = file(decision, province.users["secretary"])  # An heads cell A1
    # the cell is decided by commune A: its complaints go to the province
    assert complaint.handled_at_unit == province.province


def test_a_complaint_on_a_stale_page_is_refused_and_nothing_changes(decision, province):
    """The decider read the complaint, then the decision changed (decided again after a
    correction): the outcome sent with the old revision is refused, naming why."""
    from kiemdiem.decisions import services

    complaint = file(decision, province.users["member"])
    read = Decision.objects.get(pk=decision.pk).revision
    subject = decision.subject
    services.reopen(subject=subject, reason="Kết luận kiểm tra", actor=None, source="complaint")
    for outcome, tier in ((ComplaintStatus.UPHELD, ""), (ComplaintStatus.CHANGED, "HTTNV")):
        with pytest.raises(services.StaleDecision, match="reload|tải lại"):
            complaints.handle_complaint(
                complaint=complaint,
                outcome=outcome,
                new_tier=tier,
                reason="Theo biên lai",
                actor=province.users["decider"],
                revision=read,
            )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.FILED
    assert Decision.objects.get(pk=decision.pk).state == DecisionState.CONTESTED
    # read again: the current revision goes through
    complaints.handle_complaint(
        complaint=complaint,
        outcome=ComplaintStatus.CHANGED,
        new_tier="HTTNV",
        reason="Theo biên lai",
        actor=province.users["decider"],
        revision=Decision.objects.get(pk=decision.pk).revision,
    )
    assert Decision.objects.get(pk=decision.pk).tier == "HTTNV"


def test_a_complaint_decided_by_someone_else_meanwhile_is_refused_naming_it(decision, province):
    complaint = file(decision, province.users["member"])
    revision = Decision.objects.get(pk=decision.pk).revision
    complaints.handle_complaint(
        complaint=complaint,
        outcome=ComplaintStatus.UPHELD,
        reason="Giữ nguyên",
        actor=province.users["decider"],
        revision=revision,
    )
    with pytest.raises(ValidationError, match="decider|reload|tải lại") as refused:
        complaints.handle_complaint(
            complaint=complaint,  # the page read before the first outcome
            outcome=ComplaintStatus.CHANGED,
            new_tier="HTTNV",
            reason="Thay đổi",
            actor=province.users["decider"],
            revision=revision,
        )
    assert province.users["decider"].username in " ".join(refused.value.messages)
    assert Decision.objects.get(pk=decision.pk).tier == "HTNV"
