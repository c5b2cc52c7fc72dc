"""The bulk path (``decisions.bulk.decide_bulk``) writes the rows ``decide`` writes — the
decision, its event, the subject's copy of the tier, the audit entry — and refuses what it
refuses."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import bulk, services
from kiemdiem.decisions.models import Decision, DecisionEvent
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def _submit(subject):
    review = reviews.review_start(subject=subject, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)


def _plan(cycle, province):
    """Bình and the cell A1 in the order the rules require; Bình proposed first."""
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    for subject in (binh, cell):
        _submit(subject)
    services.propose(subject=binh, tier="HTXSNV", reason="Nổi bật", actor=None)
    # The cell HTTNV: an HTXSNV would be the only one of its pool, over the quota, which
    # ``decide`` refuses (``quotas.check_single``) and the system's bulk path does not check.
    return [(binh, "HTTNV", " Đạt "), (cell, "HTTNV", "")]


def _rows() -> dict:
    return {
        "subjects": sorted(
            Subject.objects.filter(status="rated").values_list(
                "pk", "status", "tier", "rating_note", "rated_by"
            )
        ),
        "decisions": sorted(
            Decision.objects.values_list(
                "subject_id",
                "state",
                "proposed_tier",
                "tier",
                "reason",
                "decided_by",
                "override_reason",
                "overrides",
                "revision",
            )
        ),
        "events": sorted(
            DecisionEvent.objects.values_list(
                "decision__subject_id", "state", "tier", "reason", "data", "actor"
            )
        ),
        "audit": sorted(
            LogEntry.objects.filter(action__startswith="decision.").values_list(
                "action", "object_id", "unit_id", "data"
            ),
            key=repr,
        ),
    }


def _run(cycle, province, fast: bool) -> dict:
    with transaction.atomic():
        ratings = _plan(cycle, province)
        if fast:
            bulk.decide_bulk(ratings)
        else:
            for subject, tier, reason in ratings:
                services.decide(subject=subject, tier=tier, reason=reason, actor=None)
        rows = _rows()
        transaction.set_rollback(True)
    return rows


def test_the_bulk_path_writes_what_the_service_writes(cycle, province):
    fast, slow = _run(cycle, province, True), _run(cycle, province, False)
    assert fast == slow
    assert len(fast["decisions"]) == 2 and len(fast["events"]) == 3  # a proposal, two decisions
    assert sorted(row[2:4] for row in fast["subjects"]) == [("HTTNV", ""), ("HTTNV", "Đạt")]


def refusal(call) -> list[str]:
    with pytest.raises(ValidationError) as error, transaction.atomic():
        call()
    return error.value.messages


def test_the_bulk_path_refuses_what_the_service_refuses(cycle, province):
    binh = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    # the cell waits for its members
    assert refusal(lambda: bulk.decide_bulk([(cell, "HTTNV", "")])) == refusal(
        lambda: services.decide(subject=cell, tier="HTTNV", actor=None)
    )
    # a subject with a form is decided on its submitted review
    assert refusal(lambda: bulk.decide_bulk([(binh, "HTTNV", "")])) == refusal(
        lambda: services.decide(subject=binh, tier="HTTNV", actor=None)
    )
    _submit(binh)
    bulk.decide_bulk([(binh, "HTTNV", "")])
    # decided once: a correction is a re-opening, never a second bulk decision
    assert refusal(lambda: bulk.decide_bulk([(binh, "HTXSNV", "")])) == refusal(
        lambda: services.decide(subject=binh, tier="HTXSNV", actor=None)
    )
    services.reopen(subject=binh, reason="Kết luận kiểm tra", actor=None)
    assert refusal(lambda: bulk.decide_bulk([(binh, "HTNV", "Sửa")]))
