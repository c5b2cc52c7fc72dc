"""The queue's one condition (``cycles.selectors.waiting_q``) agrees with the rules of
``prerequisites`` (through ``CycleIndex``, itself checked against the selector) at every step
of a cycle: the same subjects are ready."""

import pytest

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.cycles.selectors import CycleIndex, waiting_q
from kiemdiem.testing import employ, hold_post, open_annual

pytestmark = pytest.mark.django_db


def ready_by_query(cycle) -> set[int]:
    pending = Subject.objects.filter(cycle=cycle, status=SubjectStatus.PENDING)
    return set(pending.exclude(waiting_q()).values_list("pk", flat=True))


def ready_by_index(cycle) -> set[int]:
    index = CycleIndex(cycle.pk)
    return {
        pk for pk, status in index.status.items() if status == "pending" and not index.waiting(pk)
    }


def test_the_ready_subjects_are_the_same_at_every_step(province):
    an, dung = province.members["an"], province.members["dung"]
    hold_post(an, province.standing, title="Ủy viên")
    employ(dung, province.agency, title="Văn thư")
    hold_post(province.members["cuong"], province.agency, title="Chủ tịch", role="head")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.LEADER,
        unit=province.commune_b,
        person=an,
        reason="Kiêm nhiệm",
        actor=None,
    )
    kinds = set(Subject.objects.filter(cycle=cycle).values_list("kind", flat=True))
    assert {"party_org", "head", "leadership_collective", "leader"} <= kinds
    steps = 0
    while True:
        by_query = ready_by_query(cycle)
        assert by_query == ready_by_index(cycle), steps
        if not by_query:
            break
        # the next wave: the ready ones rated (set up directly: only the order is asked here)
        Subject.objects.filter(pk__in=by_query).update(status=SubjectStatus.RATED, tier="HTTNV")
        steps += 1
    assert steps >= 3  # the order has several waves
    assert not Subject.objects.filter(cycle=cycle, status=SubjectStatus.PENDING).exists()
