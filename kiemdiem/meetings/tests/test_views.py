"""The meeting's pages: a meeting run through the site, from scheduling to the minutes, and
the log output of the whole run holds no choice."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kiemdiem.meetings import codes
from kiemdiem.meetings.models import Attendance, Meeting, OptionCount, Presence, Question
from kiemdiem.meetings.tests.scene import build

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_meeting_through_the_site(province, caplog):
    caplog.set_level("DEBUG")
    scene = build(province, n=4, open_=False)
    meeting = scene.meeting
    secretary = _client(scene.users["secretary"])
    page = secretary.get(reverse("meetings", args=[province.cell_a1.pk]))
    assert page.status_code == 200 and "Nhà văn hóa thôn Đông" in page.content.decode()
    page = secretary.get(reverse("meeting", args=[meeting.pk]))
    assert page.status_code == 200
    secretary.post(reverse("meeting-open", args=[meeting.pk]), {"revision": meeting.revision})
    meeting.refresh_from_db()
    assert meeting.status == "open"
    code_page = secretary.get(reverse("meeting-code", args=[meeting.pk])).content.decode()
    code = codes.room_code(meeting)
    assert code in code_page and "<svg" in code_page
    # Members check in on their phones; one is marked absent with a reason by the secretary.
    for name in ("secretary", "member", "m1", "m2", "m3", "probation"):
        phone = _client(scene.users[name])
        response = phone.post(reverse("meeting-check-in", args=[meeting.pk]), {"code": code})
        assert response.status_code == 302
    m4 = Attendance.objects.get(meeting=meeting, person=scene.users["m4"].person)
    secretary.post(
        reverse("meeting-roll", args=[meeting.pk]),
        {"row": m4.pk, "presence": "absent", "reason": "Ốm"},
    )
    m4.refresh_from_db()
    assert (m4.presence, m4.reason) == (Presence.ABSENT, "Ốm")
    page = secretary.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert "5" in page  # five official members present
    item = meeting.agenda.order_by("position").last()
    secretary.post(reverse("meeting-item", args=[item.pk]), {"do": "notes", "notes": "Gương mẫu"})
    secretary.post(reverse("meeting-item", args=[item.pk]), {"do": "ballot"})
    question = Question.objects.get(item=item)
    choices = {"secretary": "HTTNV", "member": "HTTNV", "m1": "HTNV", "m2": "HTTNV"}
    for name, option in choices.items():
        phone = _client(scene.users[name])
        assert phone.get(reverse("meeting-vote", args=[question.pk])).status_code == 200
        response = phone.post(reverse("meeting-vote", args=[question.pk]), {"option": option})
        assert response.status_code == 302
        again = phone.post(
            reverse("meeting-vote", args=[question.pk]), {"option": "HTXSNV"}, follow=True
        )
        assert "HTXSNV" not in dict(
            OptionCount.objects.filter(question=question, count__gt=0).values_list(
                "option", "count"
            )
        )
        assert again.status_code == 200
    # The shared device: m3 votes with his own code.
    m3 = scene.users["m3"].person
    tablet = secretary.get(reverse("meeting-vote-tablet", args=[question.pk]) + f"?voter={m3.pk}")
    assert tablet.status_code == 200
    secretary.post(
        reverse("meeting-vote-tablet", args=[question.pk]),
        {"voter": m3.pk, "option": "HTTNV", "personal_code": codes.personal_code(meeting, m3)},
    )
    # The probationary member gets no ballot.
    probation = _client(scene.users["probation"])
    probation.post(reverse("meeting-vote", args=[question.pk]), {"option": "KHTNV"})
    # Running counts are not shown while the ballot is open.
    page = secretary.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert not re.search(r"HTTNV\s+4", page)
    secretary.post(
        reverse("meeting-vote-close", args=[question.pk]), {"counted_by": "Tổ kiểm phiếu"}
    )
    question.refresh_from_db()
    assert (question.cast, question.voters, question.result) == (5, 5, "HTTNV")
    assert (
        dict(OptionCount.objects.filter(question=question).values_list("option", "count"))["HTNV"]
        == 1
    )
    secretary.post(
        reverse("meeting-close", args=[meeting.pk]),
        {"revision": Meeting.objects.get(pk=meeting.pk).revision, "summary": "Kết thúc"},
    )
    assert Meeting.objects.get(pk=meeting.pk).status == "closed"
    minutes = secretary.get(reverse("meeting-minutes", args=[meeting.pk])).content.decode()
    assert "Gương mẫu" in minutes and "Ốm" in minutes
    count = secretary.get(reverse("meeting-count-minutes", args=[meeting.pk])).content.decode()
    assert "Tổ kiểm phiếu" in count and "HTTNV" in count
    proposals = secretary.get(
        reverse("decision-proposals", args=[scene.cycle.pk]) + f"?unit={province.cell_a1.pk}"
    )
    if proposals.status_code == 200:
        assert "HTTNV 4/5" in proposals.content.decode()
    # Nothing logged names a choice.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for option in ("HTTNV", "HTNV", "KHTNV", "HTXSNV"):
        assert option not in logged


def test_pages_refuse_outsiders(province):
    scene = build(province, n=2)
    item = scene.meeting.agenda.order_by("position").last()
    from kiemdiem.meetings import services
    from kiemdiem.meetings.tests.scene import check_in_all

    check_in_all(scene)
    question = services.ballot_open(item=item, actor=scene.users["secretary"])
    other = _client(scene.users["other"])
    for url in (
        reverse("meeting", args=[scene.meeting.pk]),
        reverse("meeting-check-in", args=[scene.meeting.pk]),
        reverse("meeting-vote", args=[question.pk]),
        reverse("meeting-code", args=[scene.meeting.pk]),
    ):
        assert other.get(url).status_code == 404
    member = _client(scene.users["m1"])
    assert member.get(reverse("meeting", args=[scene.meeting.pk])).status_code == 200
    assert member.get(reverse("meeting-code", args=[scene.meeting.pk])).status_code == 404
    assert member.get(reverse("meeting-vote-tablet", args=[question.pk])).status_code == 404
    assert member.post(reverse("meeting-vote-close", args=[question.pk])).status_code == 404


def test_the_meeting_shows_the_opinions_to_those_who_may_see_the_review(province):
    from kiemdiem.common.dates import today
    from kiemdiem.opinions.models import OpinionAnswer, OpinionRequest

    scene = build(province, n=2)
    item = scene.meeting.agenda.get(subject__person=province.members["binh"])
    asked = OpinionRequest.objects.create(
        subject=item.subject,
        source="superior_committee",
        asked_unit=province.commune_a,
        deadline=today(),
    )
    OpinionAnswer.objects.create(request=asked, version=1, text="Gương mẫu ở địa phương")
    secretary = _client(scene.users["secretary"])
    page = secretary.get(reverse("meeting", args=[scene.meeting.pk])).content.decode()
    assert "Gương mẫu ở địa phương" in page
    # a member on the roll follows the meeting, but the opinions file is not hers to read
    member = _client(scene.users["m1"])
    page = member.get(reverse("meeting", args=[scene.meeting.pk]))
    assert page.status_code == 200 and "Gương mẫu ở địa phương" not in page.content.decode()
