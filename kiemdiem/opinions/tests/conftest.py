"""A 2026 cycle of the test province on a fixed day (3/12/2026: inside the opinions and the
meeting stages of ``testing.annual_stages``), with three more members in cell A1 so that peer
comments can pass the threshold of 3."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from kiemdiem.accounts import services as accounts
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.testing import _member, open_annual

D = datetime.date
DAY = D(2026, 12, 3)


@pytest.fixture
def day(monkeypatch):
    """Today is ``DAY`` unless a test moves it (``day.set``)."""

    class Clock:
        value = DAY

        def set(self, value):
            self.value = value

    clock = Clock()
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: clock.value)
    return clock


@dataclass
class Scene:
    cycle: object
    subjects: dict  # name → Subject
    users: dict


@pytest.fixture
def scene(province, door, day) -> Scene:
    users = dict(province.users)
    for name, (family, middle, given) in {
        "giang": ("Hoàng", "Văn", "Giang"),
        "hoa": ("Vũ", "Thị", "Hoa"),
        "khanh": ("Đặng", "Văn", "Khánh"),
    }.items():
        person = _member(family, middle, given, province.cell_a1)
        province.members[name] = person
        user = accounts.user_create(username=name, password="pass12345!", person=person, actor=None)
        accounts.grant_add(user=user, role="member", unit=province.cell_a1, actor=None)
        users[name] = user
    cuong = accounts.user_create(
        username="cuong", password="pass12345!", person=province.members["cuong"], actor=None
    )
    accounts.grant_add(user=cuong, role="member", unit=province.cell_a2, actor=None)
    users["cuong"] = cuong
    users["secretary"].email = "bithu@example.vn"
    users["secretary"].save(update_fields=["email"])
    cycle = open_annual(province, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    by_name = {
        name: Subject.objects.filter(cycle=cycle, person=person, track="party")
        .select_related("cycle", "unit", "person")
        .first()
        for name, person in province.members.items()
    }
    return Scene(cycle, by_name, users)
