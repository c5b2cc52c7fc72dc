"""The decision record: proposed → decided; a correction is a re-opening and a new decision
with its reason, never an overwrite; the subject's tier is a copy of the latest decision."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.decisions import services
from kiemdiem.decisions.models import DecisionState
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def submitted(subject, tier="HTTNV"):
    review = reviews.review_start(subject=subject, actor=None)
    return reviews.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)


def member(cycle, province, name="binh"):
    return Subject.objects.get(
        cycle=cycle, person=province.members[name], kind=SubjectKind.PARTY_MEMBER
    )


def test_a_proposal_then_a_decision_is_kept_with_its_history(cycle, province):
    subject = member(cycle, province)
    submitted(subject)
    services.propose(subject=subject, tier="HTXSNV", reason="Nổi bật", actor=None)
    subject.refresh_from_db()
    assert subject.status == SubjectStatus.PENDING and subject.tier == ""
    decision = services.decide(subject=subject, tier="HTTNV", reason="Theo tỷ lệ", actor=None)
    subject.refresh_from_db()
    assert (subject.status, subject.tier, subject.rating_note) == (
        SubjectStatus.RATED,
        "HTTNV",
        "Theo tỷ lệ",
    )
    assert decision.proposed_tier == "HTXSNV" and decision.state == DecisionState.DECIDED
    assert [(e.state, e.tier) for e in decision.events.all()] == [
        ("proposed", "HTXSNV"),
        ("decided", "HTTNV"),
    ]
    assert LogEntry.objects.filter(action="decision.decided", object_id=str(subject.pk)).exists()


def test_a_decided_tier_is_never_overwritten_only_reopened_and_decided_again(cycle, province):
    subject = member(cycle, province)
    submitted(subject)
    services.decide(subject=subject, tier="HTTNV", actor=None)
    with pytest.raises(ValidationError, match="đã được quyết định|already been decided"):
        services.decide(subject=subject, tier="HTXSNV", actor=None)
    services.reopen(subject=subject, reason="Quyết định kỷ luật tháng 11", actor=None)
    subject.refresh_from_db()
    assert subject.tier == "HTTNV"  # in force until decided again
    with pytest.raises(ValidationError):
        services.decide(subject=subject, tier="HTNV", reason="", actor=None)  # reason required
    decision = services.decide(subject=subject, tier="HTNV", reason="Bị khiển trách", actor=None)
    subject.refresh_from_db()
    assert subject.tier == "HTNV" and decision.state == DecisionState.REDECIDED
    assert [e.state for e in decision.events.all()] == ["decided", "contested", "redecided"]


def test_nobody_proposes_or_decides_for_themself(cycle, province):
    subject = Subject.objects.filter(cycle=cycle, person=province.members["an"]).first()
    secretary = province.users["secretary"]  # An's own login
    with pytest.raises(PermissionDenied):
        services.propose(subject=subject, tier="HTXSNV", actor=secretary)
    with pytest.raises(PermissionDenied):
        services.decide(subject=subject, tier="HTXSNV", actor=secretary)
    assert not subject.__class__.objects.get(pk=subject.pk).tier


def test_a_stale_page_is_refused(cycle, province):
    subject = member(cycle, province)
    submitted(subject)
    decision = services.propose(subject=subject, tier="HTTNV", actor=None)
    services.propose(subject=subject, tier="HTNV", actor=None, revision=decision.revision)
    with pytest.raises(ValidationError, match="reload|tải lại"):
        services.propose(subject=subject, tier="HTXSNV", actor=None, revision=decision.revision)


def test_a_rating_recorded_before_decisions_can_be_reopened_and_decided_again(cycle, province):
    subject = member(cycle, province)
    Subject.objects.filter(pk=subject.pk).update(status="rated", tier="HTTNV", rating_note="Cũ")
    with pytest.raises(ValidationError, match="đã được quyết định|already been decided"):
        services.decide(subject=subject, tier="HTXSNV", actor=None)
    services.reopen(subject=subject, reason="Khiếu nại được chấp nhận", actor=None)
    # decided again within the quota like any decision: an HTXSNV alone in its pool is not
    with pytest.raises(ValidationError, match="tỷ lệ"):
        services.decide(subject=subject, tier="HTXSNV", reason="Sửa theo khiếu nại", actor=None)
    decision = services.decide(
        subject=subject, tier="HTNV", reason="Sửa theo khiếu nại", actor=None
    )
    subject.refresh_from_db()
    assert subject.tier == "HTNV" and decision.state == DecisionState.REDECIDED
    assert [(e.state, e.tier) for e in decision.events.all()] == [
        ("contested", "HTTNV"),
        ("redecided", "HTNV"),
    ]
