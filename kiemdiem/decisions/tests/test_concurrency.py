"""Decisions under real concurrent transactions (PostgreSQL): two deciders on one subject take
turns and the second is refused, never overwriting; a decision in flight holds the close back;
a carry-over in flight makes the close wait and then succeed."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.decisions import services
from kiemdiem.decisions.models import Decision, DecisionEvent
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.tests.test_concurrency import Held, waiting_on_a_lock
from kiemdiem.testing import WRITTEN, open_annual

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def _binh(cycle, province):
    subject = Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )
    review = reviews.review_start(subject=subject, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    return subject


def _in_thread(call) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            call()
            outcome["ok"] = True
        except ValidationError as error:
            outcome["error"] = " ".join(error.messages)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _wait_for_a_lock_wait():
    for _ in range(100):
        if waiting_on_a_lock():
            return True
        time.sleep(0.05)
    return False


def test_two_deciders_on_one_subject_take_turns_and_the_second_is_refused(cycle, province):
    binh = _binh(cycle, province)
    first = Held(lambda: services.decide(subject=binh, tier="HTTNV", reason="Một", actor=None))
    first.start()
    assert first.ready.wait(20) and first.error is None
    thread, outcome = _in_thread(
        lambda: services.decide(subject=binh, tier="HTNV", reason="Hai", actor=None)
    )
    try:
        assert _wait_for_a_lock_wait()  # the second waits on the subject's row
    finally:
        first.release()
    thread.join(20)
    assert first.error is None
    assert "đã được quyết định" in outcome.get("error", "") or "already" in outcome.get("error", "")
    binh.refresh_from_db()
    assert binh.tier == "HTTNV"
    assert list(DecisionEvent.objects.values_list("state", "tier")) == [("decided", "HTTNV")]
    assert Decision.objects.get(subject=binh).revision == 1


def test_a_close_waits_for_a_carry_over_in_flight_then_closes(cycle, province):
    binh = _binh(cycle, province)
    others = Subject.objects.filter(cycle=cycle, status=SubjectStatus.PENDING).exclude(pk=binh.pk)
    for subject in others:
        cycles.subject_carry_over(subject=subject, reason="Chuyển kỳ sau", actor=None)
    carrying = Held(
        lambda: cycles.subject_carry_over(subject=binh, reason="Chờ kết luận", actor=None)
    )
    carrying.start()
    assert carrying.ready.wait(20) and carrying.error is None
    thread, outcome = _in_thread(lambda: cycles.cycle_close(cycle=cycle, actor=None))
    try:
        assert _wait_for_a_lock_wait()  # FOR UPDATE on the cycle waits for the carry-over
    finally:
        carrying.release()
    thread.join(20)
    assert outcome == {"ok": True}, outcome
    cycle.refresh_from_db()
    assert cycle.status == "closed"
    with pytest.raises(ValidationError):
        services.propose(subject=binh, tier="HTTNV", actor=None)
