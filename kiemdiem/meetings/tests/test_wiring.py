"""The meetings app's seams with the others: the voted tiers feed the signals of formalism
(``cycles.votes``); the to-dos on the start page (check in, vote, the cell's meeting)."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document

from kiemdiem.common import todos
from kiemdiem.cycles import votes
from kiemdiem.cycles.models import Subject
from kiemdiem.documents import registry
from kiemdiem.insights import signals
from kiemdiem.insights.explain import explain
from kiemdiem.insights.models import SignalKind
from kiemdiem.meetings import selectors, services
from kiemdiem.meetings.models import Meeting
from kiemdiem.meetings.tests.scene import build, check_in_all, hold_and_close
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


# --- the minutes as documents --------------------------------------------------------------------


def _texts(data: bytes) -> list[str]:
    doc = Document(io.BytesIO(data))
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            texts.append(" | ".join(c.text for c in row.cells))
    for section in doc.sections:
        texts += [p.text for p in section.header.paragraphs]
    return texts


def test_the_minutes_as_docx_with_the_figures_and_no_voter_next_to_a_choice(province):
    scene = build(province)
    voters = {"m1": "HTTNV", "m2": "HTNV", "m3": "HTTNV", "m4": "HTTNV", "member": "HTNV"}
    meeting = hold_and_close(scene, voters)
    balloted = meeting.agenda.order_by("position").last()  # the secret ballot's item
    staff = scene.users["staff_a"]
    exporter = registry.get("meeting_minutes")
    assert exporter is not None and registry.get("count_minutes") is not None
    assert exporter.policy(staff) and exporter.policy(scene.users["m1"])  # on the roll
    form = exporter.form(staff, {"meeting": str(meeting.pk)})
    assert form.is_valid(), form.errors
    [item] = exporter.items(staff, form.cleaned_data)
    out = exporter.render(item, "docx")
    assert out.filename.endswith(".docx")
    texts = _texts(out.data)
    joined = "\n".join(texts)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in joined and "BIÊN BẢN" in joined
    assert province.cell_a1.name.upper() in joined
    quorum = services.quorum(meeting)
    assert f"có mặt: {quorum.present_official}; số cần có mặt: {quorum.needed}" in joined
    assert f"Đảng viên dự bị: {quorum.probationary}" in joined
    assert "HTTNV: 6; HTNV: 1" in joined  # the show of hands
    assert "HTTNV: 3; HTNV: 2" in joined  # the secret ballot's counts
    assert "Hội nghị thống nhất." in joined

    count = registry.get("count_minutes").render(item, "docx")
    count_text = "\n".join(_texts(count.data))
    assert "BIÊN BẢN KIỂM PHIẾU" in count_text and "Đ/c Hải, Đ/c Hà" in count_text
    assert "HTTNV: 3; HTNV: 2" in count_text

    # nowhere a voter's name beside a choice: a text with a tier names at most the subject
    subject = balloted.subject
    subject_name = subject.person.full_name if subject.person_id else ""
    names = {scene.users[n].person.full_name for n in voters} - {subject_name}
    for text in _texts(out.data) + _texts(count.data):
        if any(t in text for t in ("HTXSNV", "HTTNV", "HTNV", "KHTNV")):
            assert not [n for n in names if n in text], text


def test_the_minutes_form_offers_only_the_meetings_the_user_may_see(province):
    scene = build(province)
    exporter = registry.get("meeting_minutes")
    outsider = scene.users["staff_b"]  # commune B: not cell A1's meeting
    form = exporter.form(outsider, {"meeting": str(scene.meeting.pk)})
    assert not form.is_valid() and "meeting" in form.errors
    assert not exporter.policy(scene.users["nogrant"])


def test_the_printable_minutes_link_to_the_documents(province, client):
    scene = build(province)
    client.force_login(scene.users["secretary"])
    page = client.get(reverse("meeting-minutes", args=[scene.meeting.pk])).content.decode()
    assert f"/documents/meeting_minutes/?meeting={scene.meeting.pk}" in page
    page = client.get(reverse("meeting-count-minutes", args=[scene.meeting.pk])).content.decode()
    assert f"/documents/count_minutes/?meeting={scene.meeting.pk}" in page
    form = client.get(f"/documents/meeting_minutes/?meeting={scene.meeting.pk}")
    assert form.status_code == 200
