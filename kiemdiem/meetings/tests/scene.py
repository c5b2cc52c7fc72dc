"""A cell meeting to test with: cell A1 of the test province with ``n`` more official
members (users ``m1`` … ``mn``), a probationary member (user ``probation``), the cycle's
subjects, and a meeting scheduled (not opened)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from kiemdiem.accounts import services as accounts
from kiemdiem.cycles import subjects
from kiemdiem.meetings import codes, services
from kiemdiem.meetings.models import Attendance
from kiemdiem.people import services as people
from kiemdiem.testing import _member, open_annual

D = datetime.date
NAMES = "Hải Hà Hùng Hương Khánh Lan Long Mai Minh Nam Nga Phúc Quang Sơn Tâm Thảo Trung Tuấn Vân Yến".split()


@dataclass
class Scene:
    province: Any
    cycle: Any
    meeting: Any
    users: dict  # name → user (secretary, member, m1…, probation, other)


def build(province, n: int = 5, *, open_: bool = True, year: int = 2025) -> Scene:
    users = dict(province.users)
    for i in range(1, n + 1):
        given, middle = NAMES[(i - 1) % len(NAMES)], NAMES[(i - 1) // len(NAMES)]
        person = _member("Đảng", middle, given, province.cell_a1)
        users[f"m{i}"] = accounts.user_create(
            username=f"m{i}", password="pass12345!", person=person, actor=None
        )
    late = people.person_create(family_name="Hoàng", middle_name="Văn", given_name="Dự", actor=None)
    people.member_admit(person=late, admitted_on=D(2025, 3, 1), official_on=None, actor=None)
    people.affiliation_start(
        person=late, unit=province.cell_a1, kind="cell", valid_from=D(2025, 3, 1), actor=None
    )
    users["probation"] = accounts.user_create(
        username="probation", password="pass12345!", person=late, actor=None
    )
    users["other"] = accounts.user_create(
        username="other", password="pass12345!", person=province.members["cuong"], actor=None
    )
    cycle = open_annual(province, year)
    subjects.subjects_generate(cycle=cycle, actor=None)
    meeting = services.meeting_schedule(
        cycle=cycle,
        unit=province.cell_a1,
        starts_at=timezone.make_aware(datetime.datetime(year, 12, 10, 8, 0)),
        place="Nhà văn hóa thôn Đông",
        chair=province.members["an"],
        secretary=province.members["binh"],
        actor=users["secretary"],
    )
    if open_:
        meeting = services.meeting_open(meeting=meeting, actor=users["secretary"])
    return Scene(province, cycle, meeting, users)


def check_in_all(scene: Scene) -> None:
    for user in scene.users.values():
        if (
            getattr(user, "person_id", None)
            and Attendance.objects.filter(meeting=scene.meeting, person_id=user.person_id).exists()
        ):
            services.check_in(
                meeting=scene.meeting, actor=user, code=codes.room_code(scene.meeting)
            )


def hold_and_close(scene: Scene, voters: dict[str, str]):
    """Everyone checked in, the first item voted by a show of hands (6 HTTNV, 1 HTNV), the last
    by a secret ballot of ``voters`` (user name → option) counted, the meeting closed."""
    from kiemdiem.meetings.models import Meeting

    check_in_all(scene)
    secretary = scene.users["secretary"]
    items = list(scene.meeting.agenda.order_by("position"))
    services.hands_record(item=items[0], counts={"HTTNV": 6, "HTNV": 1}, actor=secretary)
    ballot = services.ballot_open(item=items[-1], actor=secretary)
    for name, option in voters.items():
        services.ballot_cast(question=ballot, option=option, actor=scene.users[name])
    services.ballot_close(question=ballot, actor=secretary, counted_by="Đ/c Hải, Đ/c Hà")
    meeting = Meeting.objects.get(pk=scene.meeting.pk)
    return services.meeting_close(meeting=meeting, actor=secretary, summary="Hội nghị thống nhất.")
