"""No way around the rules: a second read of the decisions work found paths where the quota,
the caps, the closed cycle or the separation of roles could be walked around. Each is held
here (regulations.md §6 steps 8–10, §9, §15.2, §16.9)."""

import io
import zipfile
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kiemdiem.common.attachments import check_attachment
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import ReviewCycle, Subject, SubjectKind
from kiemdiem.decisions import complaints, findings, notices, services
from kiemdiem.decisions.models import Decision, DecisionState
from kiemdiem.decisions.tests.test_complaints import D, file
from kiemdiem.decisions.tests.test_notices import decided, member
from kiemdiem.decisions.tests.test_screen import grassroots, submitted  # noqa: F401 (fixture)
from kiemdiem.register import services as register
from kiemdiem.testing import open_annual


class Entry(SimpleNamespace):
    """Stands for a ``register.RegisterEntry``: a violation of 2024 counted in the 2025 rating."""

    def __str__(self):
        return "Khiển trách — QĐ 1-QĐ/ĐU"


def _five_httnv_and_binh(found):
    for name in ("Cường", "Giang", "Hà", "Khánh", "Lan"):
        services.decide(subject=found[name], tier="HTTNV", actor=None)
    # five HTTNV: floor(0.2 × 5) = one place
    services.decide(subject=found["Bình"], tier="HTXSNV", actor=None)


def test_a_correction_cannot_take_a_place_the_quota_does_not_give(grassroots):  # noqa: F811
    cycle, found = grassroots
    _five_httnv_and_binh(found)
    services.reopen(subject=found["Giang"], reason="Sửa", actor=None, source="correction")
    with pytest.raises(ValidationError, match="tỷ lệ"):
        services.decide(subject=found["Giang"], tier="HTXSNV", reason="Sửa", actor=None)
    assert Decision.objects.get(subject=found["Giang"]).state == DecisionState.CONTESTED


def test_lowering_others_cannot_push_the_pool_over_the_places_taken(grassroots):  # noqa: F811
    cycle, found = grassroots
    _five_httnv_and_binh(found)
    services.reopen(subject=found["Hà"], reason="Sửa", actor=None, source="correction")
    # four HTTNV would leave no place for Bình's HTXSNV
    with pytest.raises(ValidationError, match="tỷ lệ"):
        services.decide(subject=found["Hà"], tier="HTNV", reason="Sửa", actor=None)
    services.decide(subject=found["Hà"], tier="HTTNV", reason="Giữ nguyên", actor=None)


def test_a_decider_cannot_reopen_a_closed_cycle_for_a_correction(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = member(cycle, province)
    decided(binh, "HTNV")
    ReviewCycle.objects.filter(pk=cycle.pk).update(status="closed")
    with pytest.raises(ValidationError, match="đã đóng|closed"):
        services.reopen(subject=binh, reason="Sửa", actor=None, source="correction")
    # a complaint or a later finding still re-opens it (§6 step 10, §9)
    services.reopen(subject=binh, reason="Khiếu nại", actor=None, source="complaint")


def test_one_decision_at_a_time_cannot_break_a_cap(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = member(cycle, province)
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    head = Subject.objects.get(cycle=cycle, kind=SubjectKind.HEAD)
    for s in (binh, cell, head):
        submitted(s)
    services.decide(subject=binh, tier="HTTNV", actor=None)
    services.decide(subject=cell, tier="HTNV", actor=None)
    with pytest.raises(ValidationError, match="Nguyễn Văn An"):
        services.decide(subject=head, tier="HTTNV", actor=province.users["decider"])
    services.decide(subject=head, tier="HTNV", actor=province.users["decider"])


def test_nobody_writes_or_annuls_a_register_entry_about_themself(province):
    an = province.members["an"]  # the cell's secretary, with change rights on cell A1
    entry = register.entry_record(
        actor=province.users["staff_a"],
        person=an,
        kind="discipline",
        track="party",
        discipline_form="KHIEN_TRACH",
        decided_on=D(2025, 9, 1),
        issuing_body="Đảng ủy xã",
        year=2025,
    )
    secretary = province.users["secretary"]
    with pytest.raises(PermissionDenied):
        register.entry_annul(entry=entry, reason="Nhầm", actor=secretary)
    with pytest.raises(PermissionDenied):
        register.entry_update(entry=entry, self_detected_and_remedied=True, actor=secretary)
    entry.refresh_from_db()
    assert entry.annulled_at is None and not entry.self_detected_and_remedied


def test_a_decider_does_not_judge_a_complaint_against_their_own_decision(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = member(cycle, province)
    submitted(binh)
    decider = province.users["decider"]  # decides at the province: over commune A too
    services.decide(subject=binh, tier="HTNV", reason="Chậm nộp đảng phí", actor=decider)
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None, day=D(2026, 1, 5))
    complaint = file(Decision.objects.get(subject=binh), province.users["member"])
    assert complaint not in complaints.queue(decider)
    with pytest.raises(PermissionDenied):
        complaints.handle_complaint(
            complaint=complaint, outcome="upheld", reason="Đúng", actor=decider
        )


def test_an_entry_counted_in_a_later_year_reopens_that_year_too(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = member(cycle, province)
    decided(binh)
    entry = Entry(
        person_id=province.members["binh"].pk, unit_id=None, year=2024, counted_in_year=2025
    )
    assert findings.entry_recorded(entry) == [binh.pk]


def test_a_document_whose_zip_declares_a_huge_mimetype_is_not_read():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"\0" * 50_000_000)  # inflates far beyond a type name
    upload = SimpleUploadedFile("bom.odt", data.getvalue())
    assert len(data.getvalue()) < 200_000
    with pytest.raises(ValidationError, match="bom.odt"):
        check_attachment(upload)
