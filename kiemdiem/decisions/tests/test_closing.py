"""A cycle does not close over a rating re-opened and not decided again, nor over a complaint
still waiting: the decisions app tells cycles so through ``cycles.hooks``."""

import pytest
from django.core.exceptions import ValidationError

from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import CycleStatus, Subject, SubjectStatus
from kiemdiem.decisions import complaints, notices, services
from kiemdiem.decisions.models import ComplaintStatus, Decision
from kiemdiem.decisions.tests.test_notices import decided, member
from kiemdiem.testing import open_annual

pytestmark = pytest.mark.django_db


def _all_decided_but(cycle, province):
    """Bình decided HTNV and notified; everyone else carried over, so only she matters."""
    binh = member(cycle, province, "binh")
    decided(binh, "HTNV", "Chậm nộp đảng phí")
    for s in Subject.objects.filter(cycle=cycle, status=SubjectStatus.PENDING):
        cycles.subject_carry_over(subject=s, reason="Chuyển kỳ sau", actor=None)
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    return binh


def _closed(cycle) -> bool:
    cycle.refresh_from_db()
    return cycle.status == CycleStatus.CLOSED


def test_a_reopened_rating_not_decided_again_blocks_the_close_naming_it(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = _all_decided_but(cycle, province)
    services.reopen(subject=binh, reason="Kết luận kiểm tra", actor=None, source="correction")
    with pytest.raises(ValidationError) as refused:
        cycles.cycle_close(cycle=cycle, actor=None)
    text = " ".join(refused.value.messages)
    assert "Trần Thị Bình" in text and ("mở lại" in text or "re-opened" in text)
    assert not _closed(cycle)
    services.decide(subject=binh, tier="HTTNV", reason="Sau kiểm tra", actor=None)
    cycles.cycle_close(cycle=cycle, actor=None)
    assert _closed(cycle)


def test_a_complaint_still_waiting_blocks_the_close_naming_it(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = _all_decided_but(cycle, province)
    decision = Decision.objects.get(subject=binh)
    complaint = complaints.file_complaint(decision=decision, text="Xin xem lại", actor=None)
    with pytest.raises(ValidationError) as refused:
        cycles.cycle_close(cycle=cycle, actor=None)
    text = " ".join(refused.value.messages)
    assert "Trần Thị Bình" in text and ("khiếu nại" in text or "complaint" in text)
    assert not _closed(cycle)
    complaints.handle_complaint(
        complaint=complaint, outcome=ComplaintStatus.UPHELD, reason="Đúng quy định", actor=None
    )
    cycles.cycle_close(cycle=cycle, actor=None)
    assert _closed(cycle)
