"""Test fixtures shared by every test package: a small province built through the services.

Loaded as a pytest plugin by the root conftest.py.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import translation

from kiemdiem.accounts import services as accounts
from kiemdiem.cycles import services as cycles
from kiemdiem.orgtree import services as tree
from kiemdiem.people import services as people

D = datetime.date


@pytest.fixture(autouse=True)
def vietnamese():
    """Every test starts in Vietnamese, the default language."""
    with translation.override("vi"):
        yield


@dataclass
class Province:
    province: object
    commune_a: object
    commune_b: object
    cell_a1: object
    cell_a2: object
    cell_b1: object
    standing: object
    agency: object
    members: dict
    users: dict


def _member(family, middle, given, cell):
    person = people.person_create(
        family_name=family,
        middle_name=middle,
        given_name=given,
        birth_date=D(1980, 5, 1),
        actor=None,
    )
    people.member_admit(
        person=person, admitted_on=D(2010, 1, 1), official_on=D(2011, 1, 1), actor=None
    )
    people.affiliation_start(
        person=person, unit=cell, kind="cell", valid_from=D(2020, 1, 1), actor=None
    )
    return person


@pytest.fixture
def province(db) -> Province:
    """Province P → communes A, B → cells A1, A2, B1; a standing committee; an agency."""
    start = D(2020, 1, 1)
    p = tree.unit_create(
        code="P",
        name="Đảng bộ tỉnh Thử",
        kind="dang_bo_tinh",
        parent=None,
        valid_from=start,
        actor=None,
    )
    a = tree.unit_create(
        code="A",
        name="Đảng bộ xã An Bình",
        kind="dang_bo_xa",
        parent=p,
        valid_from=start,
        actor=None,
    )
    b = tree.unit_create(
        code="B",
        name="Đảng bộ phường Bến Thành",
        kind="dang_bo_xa",
        parent=p,
        valid_from=start,
        actor=None,
    )
    a1 = tree.unit_create(
        code="A1",
        name="Chi bộ thôn Đông",
        kind="chi_bo_truc_thuoc",
        parent=a,
        valid_from=start,
        actor=None,
    )
    a2 = tree.unit_create(
        code="A2",
        name="Chi bộ thôn Tây",
        kind="chi_bo_truc_thuoc",
        parent=a,
        valid_from=start,
        actor=None,
    )
    b1 = tree.unit_create(
        code="B1",
        name="Chi bộ khu phố 1",
        kind="chi_bo_truc_thuoc",
        parent=b,
        valid_from=start,
        actor=None,
    )
    standing = tree.unit_create(
        code="PBTV",
        name="Ban Thường vụ Tỉnh ủy",
        kind="ban_thuong_vu",
        parent=p,
        valid_from=start,
        actor=None,
    )
    agency = tree.unit_create(
        code="UBA",
        name="UBND xã An Bình",
        kind="co_quan_hanh_chinh",
        parent=a,
        valid_from=start,
        actor=None,
    )
    members = {
        "an": _member("Nguyễn", "Văn", "An", a1),
        "binh": _member("Trần", "Thị", "Bình", a1),
        "cuong": _member("Lê", "Văn", "Cường", a2),
        "dung": _member("Phạm", "Thị", "Dung", b1),
    }
    people.affiliation_start(
        person=members["an"],
        unit=a1,
        kind="position",
        title="Bí thư chi bộ",
        role="head",
        valid_from=start,
        actor=None,
    )
    users = {}
    for name, role, unit, person in [
        ("admin", "admin", p, None),
        ("staff_p", "staff", p, None),
        ("staff_a", "staff", a, None),
        ("staff_b", "staff", b, None),
        ("decider", "decider", p, None),
        ("secretary", "secretary", a1, members["an"]),
        ("member", "member", a1, members["binh"]),
        ("inspector", "inspector", p, None),
    ]:
        user = accounts.user_create(username=name, password="pass12345!", person=person, actor=None)
        accounts.grant_add(user=user, role=role, unit=unit, actor=None)
        users[name] = user
    users["nogrant"] = accounts.user_create(username="nogrant", password="pass12345!", actor=None)
    return Province(p, a, b, a1, a2, b1, standing, agency, members, users)


def annual_stages(year):
    return [
        cycles.StageWindow("self_review", D(year, 11, 15), D(year, 12, 10)),
        cycles.StageWindow("opinions", D(year, 11, 20), D(year, 12, 15)),
        cycles.StageWindow("meeting", D(year, 12, 1), D(year, 12, 20)),
        cycles.StageWindow("proposals", D(year, 12, 15), D(year, 12, 25)),
        cycles.StageWindow("decision", D(year, 12, 20), D(year, 12, 31)),
        cycles.StageWindow("publication", D(year, 12, 25), D(year, 12, 31)),
    ]


def open_annual(province, year):
    return cycles.cycle_open(
        code=f"KD{year}",
        name=f"Kiểm điểm năm {year}",
        kind="annual",
        year=year,
        period_start=D(year, 1, 1),
        period_end=D(year, 12, 31),
        root=province.province,
        stages=annual_stages(year),
        actor=None,
    )


# Every written section of every form, filled (a review must be written before it is submitted;
# each form keeps only its own sections).
WRITTEN = {
    key: f"Nội dung mục {key}."
    for key in (
        "tu_tuong",
        "dao_duc",
        "ky_luat",
        "tac_phong",
        "lanh_dao",
        "noi_cu_tru",
        "xay_dung_dang",
        "tap_trung_dan_chu",
        "tu_nhan_xet",
        "han_che",
        "doi_moi",
        "tu_phe_binh",
        "trach_nhiem",
    )
} | {
    "nhiem_vu": {"text": "Hoàn thành nhiệm vụ được giao.", "products": []},
    "tap_the_lanh_dao": {"text": "Lãnh đạo hoàn thành nhiệm vụ chính trị.", "products": []},
    "nhiem_vu_ngoai": {"text": "Hoàn thành nhiệm vụ chi bộ giao.", "products": []},
}


def written(subject) -> dict:
    """``WRITTEN`` narrowed to the sections of the subject's own form (the API refuses others)."""
    from kiemdiem.reviews.services import form_of

    keys = {section.key for section in form_of(subject).sections}
    return {key: value for key, value in WRITTEN.items() if key in keys}


POSTS_FROM = D(2021, 1, 1)  # posts and employments of the test province start here


def hold_post(person, unit, *, title: str, role: str = "member", since=POSTS_FROM):
    """``person`` holds a post in ``unit`` (a seat in a collective, the head of an agency…)."""
    return people.affiliation_start(
        person=person,
        unit=unit,
        kind="position",
        title=title,
        role=role,
        valid_from=since,
        actor=None,
    )


def employ(person, unit, *, title: str, category: str = "cong_chuc", since=POSTS_FROM):
    """``person`` works in the state agency ``unit`` as a civil servant (or ``category``)."""
    return people.affiliation_start(
        person=person,
        unit=unit,
        kind="employment",
        title=title,
        state_category=category,
        valid_from=since,
        actor=None,
    )


# A member's rating inputs under R2025 that give 92 points and 40 % of tasks exceeded (HTXSNV).
FULL_2025 = {
    "fact.general_score": "27",
    "fact.task_score": "65",
    "fact.pct_tasks_done": "100",
    "fact.on_time_quality": "on",
    "fact.pct_tasks_exceeded": "40",
    "fact.pct_tasks_late": "0",
    "fact.shortcomings_remedied_pct": "100",
}


@dataclass
class Door:
    """Beside the province, for the who-sees-what tests: ``resident`` (Dung) is active in cell
    B1 and registered as a resident in cell A1 — her only link to commune A; ``employee`` is a
    non-member civil servant of UBA with a member login there (user ``employee``); ``b2`` is a
    second cell under B (code B9)."""

    resident: object
    employee: object
    b2: object


@pytest.fixture
def door(province) -> Door:
    resident = province.members["dung"]
    people.person_update(person=resident, citizen_id="001180000004", phone="0912000004", actor=None)
    resident.membership.card_number = "79000004"
    resident.membership.save(update_fields=["card_number"])
    people.affiliation_start(
        person=resident, unit=province.cell_a1, kind="residence", valid_from=POSTS_FROM, actor=None
    )
    employee = people.person_create(
        family_name="Đỗ", middle_name="Văn", given_name="Em", birth_date=D(1990, 7, 7), actor=None
    )
    employ(employee, province.agency, title="Chuyên viên")
    user = accounts.user_create(
        username="employee", password="pass12345!", person=employee, actor=None
    )
    accounts.grant_add(user=user, role="member", unit=province.agency, actor=None)
    province.users["employee"] = user
    b2 = tree.unit_create(
        code="B9",
        name="Chi bộ khu phố 9",
        kind="chi_bo_truc_thuoc",
        parent=province.commune_b,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    return Door(resident, employee, b2)


def put_draft(client, subject, body: dict):
    """Save a draft through the API as a client does: with the revision (the review's
    ``updated_at``) just read, which the API requires."""
    url = f"/api/subjects/{subject.pk}/review/"
    read = client.get(url)
    revision = read.json()["updated_at"] if read.status_code == 200 else "2000-01-01T00:00:00Z"
    return client.put(url, {"revision": revision, **body}, format="json")
