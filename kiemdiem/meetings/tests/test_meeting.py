"""Scheduling: the agenda's order, the roll (official, probationary, exempt), the quorum."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kiemdiem.cycles.models import SubjectKind
from kiemdiem.meetings import codes, services
from kiemdiem.meetings.models import Attendance, Meeting, Presence
from kiemdiem.meetings.tests.scene import build
from kiemdiem.people import services as people

pytestmark = pytest.mark.django_db


def test_agenda_collective_first_then_the_head_then_members(province):
    scene = build(province, n=3)
    kinds = [i.subject.kind for i in scene.meeting.agenda.order_by("position")]
    assert kinds[0] == SubjectKind.PARTY_ORG and kinds[1] == SubjectKind.HEAD
    assert set(kinds[2:]) == {SubjectKind.PARTY_MEMBER}
    names = [i.subject.person.sort_key for i in scene.meeting.agenda.order_by("position")[2:]]
    assert names == sorted(names)


def test_roll_marks_probationary_and_exempt_and_the_quorum_leaves_the_exempt_out(province):
    scene = build(province, n=5, open_=False)
    m5 = scene.users["m5"].person
    people.member_status_change(
        member=m5.membership,
        status="exempt",
        effective=datetime.date(2025, 1, 1),
        reason="Tuổi cao",
        actor=None,
    )
    meeting = services.meeting_schedule(
        cycle=scene.cycle,
        unit=province.cell_a1,
        starts_at=timezone.make_aware(datetime.datetime(2025, 12, 11, 8)),
        place="Hội trường",
        actor=scene.users["secretary"],
    )
    rows = {r.person_id: r for r in meeting.roll.all()}
    assert not rows[scene.users["probation"].person_id].official
    assert rows[m5.pk].exempt
    quorum = services.quorum(meeting)
    # An, Bình, m1…m4 official and not exempt: 6, two thirds is 4.
    assert (quorum.official, quorum.needed, quorum.reached) == (6, 4, False)
    services.meeting_open(meeting=meeting, actor=scene.users["secretary"])
    for name in ("m1", "m2", "m3", "probation", "m5"):
        services.check_in(meeting=meeting, actor=scene.users[name], code=codes.room_code(meeting))
    quorum = services.quorum(meeting)
    assert (quorum.present_official, quorum.reached) == (3, False)  # the two others do not count
    item = meeting.agenda.order_by("position").last()
    with pytest.raises(ValidationError, match="quorum|số lượng"):
        services.ballot_open(item=item, actor=scene.users["secretary"])
    services.check_in(meeting=meeting, actor=scene.users["member"], code=codes.room_code(meeting))
    assert services.quorum(meeting).reached


def test_absent_with_a_reason_and_the_close_marks_the_rest_absent(province):
    scene = build(province, n=2)
    row = Attendance.objects.get(meeting=scene.meeting, person=scene.users["m1"].person)
    services.attendance_record(
        attendance=row, presence="absent", reason="Ốm", actor=scene.users["secretary"]
    )
    with pytest.raises(ValidationError):
        services.attendance_record(
            attendance=row, presence="expected", actor=scene.users["secretary"]
        )
    with pytest.raises(PermissionDenied):
        services.attendance_record(attendance=row, presence="present", actor=scene.users["m2"])
    services.meeting_close(meeting=scene.meeting, actor=scene.users["secretary"], summary="Xong")
    presences = set(scene.meeting.roll.values_list("presence", flat=True))
    assert presences == {Presence.ABSENT}
    assert Attendance.objects.get(pk=row.pk).reason == "Ốm"


def test_scheduling_refuses_bad_input_and_outsiders(province):
    scene = build(province, n=1, open_=False)
    before = Meeting.objects.count()
    when = timezone.make_aware(datetime.datetime(2025, 12, 11, 8))
    with pytest.raises(ValidationError) as caught:
        services.meeting_schedule(
            cycle=scene.cycle,
            unit=province.cell_a1,
            starts_at=when,
            place=" ",
            chair=province.members["cuong"],
            actor=scene.users["secretary"],
        )
    assert {"place", "chair"} <= set(caught.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.meeting_schedule(
            cycle=scene.cycle,
            unit=province.cell_a1,
            starts_at=when,
            place="Hội trường",
            actor=scene.users["m1"],
        )
    with pytest.raises(PermissionDenied):  # the secretary of A1 schedules nothing in A2
        services.meeting_schedule(
            cycle=scene.cycle,
            unit=province.cell_a2,
            starts_at=when,
            place="Hội trường",
            actor=scene.users["secretary"],
        )
    assert Meeting.objects.count() == before
