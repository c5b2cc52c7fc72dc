"""The meetings app's seams with the others: the voted tiers feed the signals of formalism
(``cycles.votes``); the to-dos on the start page (check in, vote, the cell's meeting)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kiemdiem.common import todos
from kiemdiem.cycles import votes
from kiemdiem.cycles.models import Subject
from kiemdiem.insights import signals
from kiemdiem.insights.explain import explain
from kiemdiem.insights.models import SignalKind
from kiemdiem.meetings import selectors, services
from kiemdiem.meetings.models import Meeting
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


# --- to-dos on the start page ------------------------------------------------------------------


def _todos(user, code):
    return [t for t in todos.todos_for(user, strict=True) if t.code == code]


def test_a_member_on_the_roll_checks_in_then_votes(province):
    scene = build(province)
    m1 = scene.users["m1"]
    [todo] = _todos(m1, "meetings.check_in")
    assert todo.pinned and todo.url == reverse("meeting-check-in", args=[scene.meeting.pk])
    assert todos.todos_for(m1, strict=True)[0] == todo  # pinned: first
    assert _todos(scene.users["other"], "meetings.check_in") == []  # not on the roll
    check_in_all(scene)
    assert _todos(m1, "meetings.check_in") == [] and _todos(m1, "meetings.vote") == []
    item = scene.meeting.agenda.order_by("position").last()
    question = services.ballot_open(item=item, actor=scene.users["secretary"])
    [todo] = _todos(m1, "meetings.vote")
    assert todo.url == reverse("meeting-vote", args=[question.pk])
    assert todo.extra["questions"] == [question.pk] and len(todo.items) == 1
    assert _todos(scene.users["probation"], "meetings.vote") == []  # no vote
    services.ballot_cast(question=question, option=question.options[0], actor=m1)
    assert _todos(m1, "meetings.vote") == []
    # closed meeting: nothing more
    services.ballot_close(question=question, actor=scene.users["secretary"], counted_by="Ban")
    meeting = Meeting.objects.get(pk=scene.meeting.pk)
    services.meeting_close(meeting=meeting, actor=scene.users["secretary"])
    assert _todos(scene.users["m2"], "meetings.check_in") == []


def test_the_secretary_sees_the_meeting_coming_or_schedules_one(province, monkeypatch):
    day = {"value": datetime.date(2025, 12, 5)}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day["value"])
    scene = build(province, open_=False)  # planned for 10/12/2025 08:00
    secretary = scene.users["secretary"]
    [todo] = _todos(secretary, "meetings.upcoming")
    assert todo.due == datetime.date(2025, 12, 10) and "10/12/2025" in todo.title
    assert todo.url == reverse("meeting", args=[scene.meeting.pk])
    assert _todos(scene.users["member"], "meetings.upcoming") == []  # not the secretary
    day["value"] = datetime.date(2025, 11, 20)  # more than a week ahead: not yet
    assert _todos(secretary, "meetings.upcoming") == []
    Meeting.objects.filter(pk=scene.meeting.pk).delete()
    assert _todos(secretary, "meetings.schedule") == []  # the meeting stage starts on 1/12
    day["value"] = datetime.date(2025, 12, 5)
    [todo] = _todos(secretary, "meetings.schedule")
    assert todo.due == datetime.date(2025, 12, 20)
    assert todo.url == reverse("meetings", args=[province.cell_a1.pk])
    day["value"] = datetime.date(2025, 12, 21)  # the stage is over
    assert _todos(secretary, "meetings.schedule") == []
