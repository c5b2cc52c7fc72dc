"""The plan's data: what the demo province will hold, as plain Python (no model imports), and
the real 2025 divisions it is drawn from (``vietnam-provinces``)."""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass, field
from importlib import resources

from django.utils.translation import gettext as _

from kiemdiem.common.vietnamese import fold_diacritics, nfc

DEFAULT_SEED = 2026
DEFAULT_PROVINCE = "tuyen_quang"
BASE_MEMBERS = 3000
MEMBERS_PER_COMMUNE = 180

TERM_START = datetime.date(2020, 1, 1)  # the oldest records of the demo
HDND_TERM = datetime.date(2021, 7, 1)  # People's Councils, term 2021-2026
BLOC_SPLIT = datetime.date(2025, 2, 1)  # the provincial agencies' bloc committee is split
REFORM_DAY = datetime.date(2025, 7, 1)  # districts removed, communes merged

# Affiliation and unit-kind codes, spelled out to keep the plan free of model imports.
CELL, RESIDENCE, POSITION, EMPLOYMENT = "cell", "residence", "position", "employment"
HEAD, DEPUTY, MEMBER = "head", "deputy", "member"
CAN_BO, CONG_CHUC, VIEN_CHUC = "can_bo", "cong_chuc", "vien_chuc"


# --- the province data ---------------------------------------------------------------------


@functools.cache
def provinces() -> list[dict]:
    """The 34 provinces of 2025 with their communes and wards (``vietnam-provinces``)."""
    data = resources.files("vietnam_provinces").joinpath("data/nested-divisions.json")
    return json.loads(data.read_text(encoding="utf-8"))


def province_short_name(province: dict) -> str:
    name = nfc(province["name"])
    prefix = "Thành phố "
    return name[len(prefix) :] if name.startswith(prefix) else name


def find_province(key: str | int) -> dict:
    """A province by its code (8, "08"), code name ("tuyen_quang") or name ("Tuyên Quang")."""
    text = str(key).strip()
    folded = fold_diacritics(text).replace("_", " ")
    for province in provinces():
        if text.isdigit() and int(text) == province["code"]:
            return province
        if folded in (
            province["codename"].replace("_", " "),
            fold_diacritics(province["name"]),
            fold_diacritics(province_short_name(province)),
        ):
            return province
    raise ValueError(_("Unknown province: %(key)s") % {"key": key})


def ward_parts(ward: dict) -> tuple[str, str]:
    """('xã', 'Thượng Lâm') from {'name': 'Xã Thượng Lâm', 'division_type': 'xã'}."""
    name = nfc(ward["name"])
    kind = ward["division_type"]
    return kind, name[len(kind) :].strip()


# --- the plan ------------------------------------------------------------------------------


@dataclass
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    valid_from: datetime.date
    short_name: str = ""
    managed_by: str | None = None


@dataclass
class AffSpec:
    unit: str
    kind: str
    valid_from: datetime.date
    valid_to: datetime.date | None = None  # an explicit end (closures end the rest)
    title: str = ""
    role: str = ""
    concurrent: bool = False
    state_category: str = ""
    residence_exemption: str = ""


@dataclass
class PersonSpec:
    key: int
    family_name: str
    middle_name: str
    given_name: str
    gender: str
    birth_date: datetime.date
    ethnicity: str
    citizen_id: str | None
    phone: str
    occupation: str = "cbccvc"
    admitted_on: datetime.date | None = None
    official_on: datetime.date | None = None
    card_number: str | None = None
    cell: str | None = None  # the cell they start in
    affiliations: list[AffSpec] = field(default_factory=list)
    statuses: list[tuple[str, datetime.date, str]] = field(default_factory=list)
    authorities: list[tuple[str, datetime.date, str]] = field(default_factory=list)
    transfers: list[tuple[str, datetime.date]] = field(default_factory=list)
    reserved: bool = False  # picked for a demo login: keep plain

    @property
    def is_member(self) -> bool:
        return self.admitted_on is not None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family_name, self.middle_name, self.given_name) if p)

    def has_posts(self) -> bool:
        return any(a.kind == POSITION for a in self.affiliations)


@dataclass
class Op:
    """A restructuring step: move, merge, close or set the rating authority of a unit."""

    day: datetime.date
    action: str
    unit: str
    target: str | None = None
    sources: list[str] = field(default_factory=list)


@dataclass
class Plan:
    province: dict
    seed: int
    scale: float
    units: dict[str, UnitSpec] = field(default_factory=dict)
    people: list[PersonSpec] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)  # username, role, unit, person key
    communes: list[dict] = field(default_factory=list)  # the wards used
    root: str = ""


# Occupation profiles: (age range, share of women, occupation code).
PROFILES: dict[str, tuple[tuple[int, int], float, str]] = {
    "retired": ((60, 92), 0.3, "retired"),
    "farmer": ((25, 64), 0.35, "farmer"),
    "enterprise": ((23, 55), 0.45, "enterprise"),
    "other": ((22, 62), 0.4, "other"),
    "student": ((21, 24), 0.5, "student"),
    "armed": ((22, 50), 0.1, "armed_forces"),
    "civil": ((25, 59), 0.45, "cbccvc"),
    "teacher": ((25, 58), 0.75, "cbccvc"),
    "health": ((25, 58), 0.6, "cbccvc"),
    "leader": ((42, 59), 0.2, "cbccvc"),
}
VILLAGE_MIX = [
    ("retired", 38),
    ("farmer", 30),
    ("enterprise", 9),
    ("other", 12),
    ("armed", 4),
    ("student", 2),
    ("civil", 5),
]
PHONE_PREFIXES = [
    "086",
    "096",
    "097",
    "098",
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
    "088",
    "091",
    "094",
    "081",
    "082",
    "083",
    "084",
    "085",
    "070",
    "076",
    "077",
    "078",
    "079",
    "089",
    "090",
    "093",
]


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))
