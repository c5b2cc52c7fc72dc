"""The meetings app's seams with the others: the voted tiers feed the signals of formalism
(``cycles.votes``)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kiemdiem.cycles import votes
from kiemdiem.cycles.models import Subject
from kiemdiem.insights import signals
from kiemdiem.insights.explain import explain
from kiemdiem.insights.models import SignalKind
from kiemdiem.meetings import selectors, services
from kiemdiem.meetings.tests.scene import build, check_in_all
from kiemdiem.reviews.models import SelfReview

pytestmark = pytest.mark.django_db


def _item_of(scene, person):
    return scene.meeting.agenda.get(subject__person=person)


def _hands(scene, item, counts):
    return services.hands_record(item=item, counts=counts, actor=scene.users["secretary"])


def test_the_meeting_vote_is_a_registered_source_of_voted_tiers(province):
    assert "meetings.vote" in votes._sources
    scene = build(province)
    check_in_all(scene)
    binh = province.members["binh"]
    item = _item_of(scene, binh)
    assert votes.voted_tiers(scene.cycle.pk) == {}
    _hands(scene, item, {"HTTNV": 2, "HTNV": 5})
    assert votes.voted_tiers(scene.cycle.pk) == {item.subject_id: "HTNV"}
    # a later vote on the same subject wins; one where no option carried gives no tier
    _hands(scene, item, {"KHTNV": 6})
    assert votes.voted_tiers(scene.cycle.pk) == {item.subject_id: "KHTNV"}
    _hands(scene, item, {"HTTNV": 1, "HTNV": 1})
    assert votes.voted_tiers(scene.cycle.pk) == {}
    # limited to the subjects asked about, and to the cycle
    _hands(scene, item, {"HTNV": 7})
    assert votes.voted_tiers(scene.cycle.pk, [item.subject_id + 10_000]) == {}
    assert votes.voted_tiers(scene.cycle.pk + 1) == {}


def test_voted_tiers_read_the_cycle_in_one_query(province):
    scene = build(province, n=8)
    check_in_all(scene)
    items = list(scene.meeting.agenda.filter(subject__person__isnull=False))
    for item in items[:2]:
        _hands(scene, item, {"HTTNV": 7})
    with CaptureQueriesContext(connection) as two:
        assert len(selectors.voted_tiers(scene.cycle.pk)) == 2
    for item in items[2:]:
        _hands(scene, item, {"HTNV": 7})
    with CaptureQueriesContext(connection) as many:
        assert len(selectors.voted_tiers(scene.cycle.pk)) == len(items) > 2
    assert len(two) == len(many) == 1


def test_the_tier_gap_signal_names_the_meeting_vote(province):
    scene = build(province)
    check_in_all(scene)
    binh = province.members["binh"]
    subject = Subject.objects.get(cycle=scene.cycle, person=binh)
    Subject.objects.filter(cycle=scene.cycle).update(tier="HTTNV", status="rated")
    SelfReview.objects.create(subject=subject, form_key="2c", proposed_tier="HTXSNV")
    # self-proposed HTXSNV, decided HTTNV: one tier apart, no signal without a vote
    rows, _read = signals.compute(scene.cycle)
    assert [s for s in rows if s.kind == SignalKind.TIER_GAP] == []
    _hands(scene, _item_of(scene, binh), {"KHTNV": 5, "HTTNV": 1})
    rows, _read = signals.compute(scene.cycle)
    [signal] = [s for s in rows if s.kind == SignalKind.TIER_GAP]
    assert signal.subject_id == subject.pk
    assert signal.numbers["vote"] == "KHTNV" and signal.numbers["self"] == "HTXSNV"
    assert signal.numbers["gap"] == 3 and signal.numbers["votes_recorded"] is True
    assert "KHTNV" in explain(signal)
