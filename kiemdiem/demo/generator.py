"""The demo province: a realistic, deterministic party organization with its history.

``generate(scale=1.0, seed=2026, province="tuyen_quang")`` builds one province from the real
2025 administrative divisions shipped with the ``vietnam-provinces`` package:

* the provincial committee with its Executive and Standing committees, the committees of the
  provincial Party agencies and of the People's Committee (departments, a specialised upper
  secondary school, the provincial hospital), the People's Committee and its departments, the
  Fatherland Front and the mass organizations;
* one commune or ward committee per real commune/ward used (more communes as ``scale`` grows),
  each with its Standing committee, People's Committee and People's Council, Front, schools and
  health station, agency and village cells, and in some communes an enterprise committee with a
  sub-committee;
* people with Vietnamese names, posts (also concurrent ones), state employment, residence cells,
  statuses, transfers and cadre-management authority;
* history: the old district committees (2020 – 30/6/2025) that held the communes, the former
  "Đảng bộ Khối các cơ quan tỉnh" (until 1/2/2025), a town committee merged into its commune on
  1/7/2025. The package has no pre-2025 data, so the districts are grouped from consecutive
  communes (the package lists communes in the order of their old districts) and named after the
  first commune of each group.

It is built in two steps: ``Builder`` makes a pure-Python plan from a seeded ``random.Random``
(same seed ⇒ same plan), then ``Writer`` applies it through the services (``orgtree``,
``people.restructure``, ``people``, ``accounts``) in one transaction, as the system (actor
``None``), in date order so that every restructuring sees the world as it was on its day.
Then ``demo.review_cycles`` adds last year's review cycle, closed, and this year's, half-way.
"""

from __future__ import annotations

import datetime
import functools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from kiemdiem.common.dates import today as local_today
from kiemdiem.common.vietnamese import fold_diacritics, nfc
from kiemdiem.demo import names

DEMO_PASSWORD = "demo12345"
DEFAULT_SEED = 2026
DEFAULT_PROVINCE = "tuyen_quang"
BASE_MEMBERS = 3000
MEMBERS_PER_COMMUNE = 180

TERM_START = datetime.date(2020, 1, 1)  # the oldest records of the demo
HDND_TERM = datetime.date(2021, 7, 1)  # People's Councils, term 2021-2026
BLOC_SPLIT = datetime.date(2025, 2, 1)  # the provincial agencies' bloc committee is split
REFORM_DAY = datetime.date(2025, 7, 1)  # districts removed, communes merged

# username -> role (accounts.models.Role); the table printed at the end follows this order.
DEMO_USERS = ["admin", "tochuc", "quyetdinh", "bithu", "dangvien", "thanhtra", "tochucxa"]

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


class Builder:
    """Makes the plan. Only ``self.rng`` decides anything random, in a fixed order."""

    def __init__(self, province: dict, *, scale: float, seed: int, today: datetime.date):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.rng = random.Random(seed)
        self.today = today
        # Births and old admissions count back from a fixed day, so a plan depends on the
        # calendar only through the recent events (probation, transfers, suspensions).
        self.anchor = min(datetime.date(2025, 10, 1), today)
        self.plan = Plan(province=province, seed=seed, scale=scale)
        self.scale = scale
        self.pcode = province["code"]
        self.prefix = f"T{self.pcode:02d}"
        self.pshort = province_short_name(province)
        self.city = province["division_type"] == "thành phố trung ương"
        self.level = "thành phố" if self.city else "tỉnh"
        self.committee = "Thành ủy" if self.city else "Tỉnh ủy"
        self.southern = self.pcode >= names.SOUTHERN_FROM_CODE
        self.ethnicities = names.ETHNICITY_BY_PROVINCE.get(
            province["codename"], names.DEFAULT_ETHNICITY
        )
        kinh = dict(self.ethnicities).get("Kinh", 0) / sum(w for _n, w in self.ethnicities)
        self.mountain_share = 0.0 if kinh > 0.8 else 0.6
        self.cells: dict[str, list[PersonSpec]] = {}
        self.villages: dict[str, list[str]] = {}  # commune code -> its village cell codes
        self.seen_ids: set[str] = set()
        self.seen_cards: set[str] = set()
        self.taken_names: dict[str, set[str]] = {}
        self.commune_cells: dict[str, dict[str, str]] = {}

    # --- small helpers -------------------------------------------------------------------

    def date_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def unit(
        self,
        code: str,
        name: str,
        kind: str,
        parent: str | None,
        valid_from: datetime.date = TERM_START,
        *,
        short_name: str = "",
        managed_by: str | None = None,
    ) -> str:
        if code in self.plan.units:
            raise ValueError(f"duplicate unit code in the plan: {code}")
        self.plan.units[code] = UnitSpec(
            code, name, kind, parent, valid_from, short_name=short_name, managed_by=managed_by
        )
        return code

    def start_of(self, code: str) -> datetime.date:
        return self.plan.units[code].valid_from

    def person(
        self,
        profile: str,
        *,
        cell: str | None = None,
        member: bool = True,
        employer: str | None = None,
        category: str = CONG_CHUC,
        job: str = "",
        may_be_probationary: bool = True,
        gender: str | None = None,
        age: tuple[int, int] | None = None,
    ) -> PersonSpec:
        rng = self.rng
        (low, high), women, occupation = PROFILES[profile]
        low, high = age or (low, high)
        gender = gender or ("F" if rng.random() < women else "M")
        years = rng.randint(low, high)
        birth = add_years(self.anchor, -years) - datetime.timedelta(days=rng.randint(0, 364))
        ethnicity = names.weighted_choice(rng, self.ethnicities)
        family, middle, given = names.person_name(
            rng, gender=gender, ethnicity=ethnicity, southern=self.southern, young=years < 40
        )
        citizen_id = self._citizen_id(birth, gender) if rng.random() < 0.85 else None
        phone = (
            rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 9_999_999):07d}"
            if rng.random() < 0.6
            else ""
        )
        spec = PersonSpec(
            key=len(self.plan.people),
            family_name=family,
            middle_name=middle,
            given_name=given,
            gender=gender,
            birth_date=birth,
            ethnicity=ethnicity,
            citizen_id=citizen_id,
            phone=phone,
            occupation=occupation,
        )
        self.plan.people.append(spec)
        if member:
            self._admit(spec, profile, may_be_probationary)
        if cell is not None:
            if not member:
                raise ValueError("only party members belong to a cell")
            spec.cell = cell
            start = max(self.start_of(cell), spec.admitted_on)
            spec.affiliations.append(AffSpec(cell, CELL, start))
            self.cells.setdefault(cell, []).append(spec)
        if employer is not None:
            hired = max(self.start_of(employer), add_years(birth, 23))
            spec.affiliations.append(
                AffSpec(employer, EMPLOYMENT, hired, title=job, state_category=category)
            )
        return spec

    def _citizen_id(self, birth: datetime.date, gender: str) -> str:
        century = 0 if birth.year < 2000 else 2
        digit = century + (1 if gender == "F" else 0)
        while True:
            cid = f"{self.pcode:03d}{digit}{birth.year % 100:02d}{self.rng.randint(0, 999_999):06d}"
            if cid not in self.seen_ids:
                self.seen_ids.add(cid)
                return cid

    def _card(self) -> str:
        while True:
            card = f"{self.pcode:02d}{self.rng.randint(0, 999_999):06d}"
            if card not in self.seen_cards:
                self.seen_cards.add(card)
                return card

    def _admit(self, spec: PersonSpec, profile: str, may_be_probationary: bool) -> None:
        rng = self.rng
        earliest = add_years(spec.birth_date, 19)
        latest_official = self.anchor - datetime.timedelta(days=400)
        roll = rng.random()
        if profile == "retired":
            admitted = self.date_between(
                add_years(spec.birth_date, 20), min(add_years(spec.birth_date, 40), latest_official)
            )
        elif may_be_probationary and profile != "leader" and roll < 0.04:
            # probationary: admitted within the last year, not yet official
            admitted = self.date_between(
                max(earliest, self.today - datetime.timedelta(days=330)),
                self.today - datetime.timedelta(days=10),
            )
            spec.admitted_on, spec.official_on, spec.card_number = admitted, None, None
            return
        elif profile == "leader":
            admitted = self.date_between(
                add_years(spec.birth_date, 22), add_years(spec.birth_date, 32)
            )
        else:
            admitted = self.date_between(earliest, latest_official)
        spec.admitted_on = admitted
        spec.official_on = admitted + datetime.timedelta(days=365)
        spec.card_number = self._card()

    def post(
        self,
        spec: PersonSpec,
        unit: str,
        title: str,
        role: str = MEMBER,
        *,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
        concurrent: bool = False,
    ) -> None:
        start = max(start or self.start_of(unit), self.start_of(unit))
        spec.affiliations.append(
            AffSpec(unit, POSITION, start, end, title=title, role=role, concurrent=concurrent)
        )

    def staff_cell(
        self,
        cell: str,
        size: int,
        profile: str,
        *,
        employer: str | None = None,
        category: str = CONG_CHUC,
        job: str = "",
        extra_staff: float = 0.0,
        may_be_probationary: bool = True,
    ) -> list[PersonSpec]:
        """``size`` members in ``cell``; with ``employer``, also staff who are not members."""
        people = [
            self.person(
                profile,
                cell=cell,
                employer=employer,
                category=category,
                job=job,
                may_be_probationary=may_be_probationary,
            )
            for _i in range(size)
        ]
        if employer is not None:
            for _i in range(round(size * extra_staff)):
                self.person(profile, member=False, employer=employer, category=category, job=job)
        return people

    def cell_posts(self, cell: str, head: PersonSpec | None = None, *, concurrent=False) -> None:
        """A Bí thư for every cell; a Phó Bí thư when it has ten members or more."""
        members = self.cells[cell]
        head = head or self.rng.choice(members)
        self.post(head, cell, "Bí thư Chi bộ", HEAD, concurrent=concurrent)
        if len(members) >= 10:
            others = [m for m in members if m is not head and m.official_on]
            self.post(self.rng.choice(others), cell, "Phó Bí thư Chi bộ", DEPUTY)

    def size(self, base: float, low: int = 5, high: int = 50) -> int:
        return clamp(base * self.scale, low, high)

    def village_sizes(self, budget: int) -> list[int]:
        count = max(2, round(budget / 24))
        mean = max(budget / count, 6)
        return [clamp(mean * self.rng.uniform(0.6, 1.4), 6, 45) for _i in range(count)]

    # --- the province --------------------------------------------------------------------

    def build(self) -> Plan:
        self.build_province()
        self.build_communes()
        self.add_statuses_and_transfers()
        self.pick_demo_users()
        return self.plan

    def build_province(self) -> None:
        P, lvl, tu = self.prefix, self.level, self.committee
        s = self.pshort
        root = self.unit(P, f"Đảng bộ {lvl} {s}", "dang_bo_tinh", None, short_name=f"{tu} {s}")
        self.plan.root = root
        bch = self.unit(f"{P}-BCH", f"Ban Chấp hành Đảng bộ {lvl} {s}", "ban_chap_hanh", root)
        btv = self.unit(f"{P}-BTV", f"Ban Thường vụ {tu} {s}", "ban_thuong_vu", root)
        self.btv = btv
        bloc = self.unit(
            f"{P}-KHOI", f"Đảng bộ Khối các cơ quan {lvl} {s}", "dang_bo_tren_co_so", root
        )
        cqd = self.unit(
            f"{P}-CQD",
            f"Đảng bộ các cơ quan Đảng {lvl} {s}",
            "dang_bo_tren_co_so",
            root,
            BLOC_SPLIT,
        )
        dub = self.unit(
            f"{P}-DUB",
            f"Đảng bộ Ủy ban nhân dân {lvl} {s}",
            "dang_bo_tren_co_so",
            root,
            BLOC_SPLIT,
            short_name=f"Đảng ủy UBND {lvl}",
        )
        # State side: the People's Committee and its departments.
        ubnd = self.unit(
            f"{P}-UBND",
            f"Ủy ban nhân dân {lvl} {s}",
            "co_quan_hanh_chinh",
            root,
            short_name=f"UBND {lvl} {s}",
        )
        vpub = self.unit(
            f"{P}-UBND-VP", f"Văn phòng Ủy ban nhân dân {lvl}", "co_quan_hanh_chinh", ubnd
        )
        departments = {
            "SNV": "Sở Nội vụ",
            "STC": "Sở Tài chính",
            "SGD": "Sở Giáo dục và Đào tạo",
            "SYT": "Sở Y tế",
        }
        dept = {
            k: self.unit(f"{P}-UBND-{k}", v, "co_quan_hanh_chinh", ubnd)
            for k, v in departments.items()
        }
        school = self.unit(f"{P}-THPTC", f"Trường THPT Chuyên {s}", "don_vi_su_nghiep", dept["SGD"])
        hospital = self.unit(
            f"{P}-BVDK", f"Bệnh viện Đa khoa {lvl} {s}", "don_vi_su_nghiep", dept["SYT"]
        )
        # The Front and the mass organizations.
        front = self.unit(
            f"{P}-MTTQ",
            f"Ủy ban Mặt trận Tổ quốc Việt Nam {lvl} {s}",
            "mat_tran",
            root,
            short_name=f"Ủy ban MTTQ {lvl}",
        )
        mass = {
            "PN": f"Hội Liên hiệp Phụ nữ {lvl}",
            "ND": f"Hội Nông dân {lvl}",
            "CCB": f"Hội Cựu chiến binh {lvl}",
            "DTN": f"Đoàn Thanh niên Cộng sản Hồ Chí Minh {lvl}",
            "LDLD": f"Liên đoàn Lao động {lvl}",
        }
        mass_units = {k: self.unit(f"{P}-MTTQ-{k}", v, "doan_the", front) for k, v in mass.items()}

        # Party cells of the provincial agencies: under the bloc committee until 1/2/2025.
        def cell(code, name, parent, kind="chi_bo_co_so"):
            return self.unit(f"{P}-{code}", name, kind, parent)

        vp = cell("CB-VPTU", f"Chi bộ Văn phòng {tu}", bloc)
        btc = cell("CB-BTC", f"Chi bộ Ban Tổ chức {tu}", bloc)
        ubkt = cell("CB-UBKT", f"Chi bộ Ủy ban Kiểm tra {tu}", bloc)
        tgdv = cell("CB-TGDV", f"Chi bộ Ban Tuyên giáo và Dân vận {tu}", bloc)
        mttq = cell("CB-MTTQ", f"Chi bộ Cơ quan Ủy ban MTTQ và các đoàn thể {lvl}", bloc)
        vpub_cb = cell("CB-VPUB", f"Chi bộ Văn phòng UBND {lvl}", bloc)
        snv_cb = cell("CB-SNV", "Chi bộ Sở Nội vụ", bloc)
        stc_cb = cell("CB-STC", "Chi bộ Sở Tài chính", bloc)
        sgd = cell("DB-SGD", "Đảng bộ Sở Giáo dục và Đào tạo", bloc, "dang_bo_co_so")
        sgd_vp = cell(
            "DB-SGD-VP", "Chi bộ Văn phòng Sở Giáo dục và Đào tạo", sgd, "chi_bo_truc_thuoc"
        )
        sgd_bp = cell(
            "DB-SGD-THPT", f"Đảng bộ bộ phận Trường THPT Chuyên {s}", sgd, "dang_bo_bo_phan"
        )
        sgd_tn = cell("DB-SGD-THPT1", "Chi bộ Tổ Khoa học Tự nhiên", sgd_bp, "chi_bo_truc_thuoc")
        sgd_xh = cell("DB-SGD-THPT2", "Chi bộ Tổ Khoa học Xã hội", sgd_bp, "chi_bo_truc_thuoc")
        syt = cell("DB-SYT", "Đảng bộ Sở Y tế", bloc, "dang_bo_co_so")
        syt_vp = cell("DB-SYT-VP", "Chi bộ Văn phòng Sở Y tế", syt, "chi_bo_truc_thuoc")
        syt_bp = cell(
            "DB-SYT-BV", f"Đảng bộ bộ phận Bệnh viện Đa khoa {lvl}", syt, "dang_bo_bo_phan"
        )
        bv_cells = [
            cell(f"DB-SYT-BV{i}", f"Chi bộ Khối {n}", syt_bp, "chi_bo_truc_thuoc")
            for i, n in enumerate(["Nội", "Ngoại", "Cận lâm sàng"], start=1)
        ]
        for code in (vp, btc, ubkt, tgdv, mttq):
            self.plan.ops.append(Op(BLOC_SPLIT, "move", code, target=cqd))
        for code in (vpub_cb, snv_cb, stc_cb, sgd, syt):
            self.plan.ops.append(Op(BLOC_SPLIT, "move", code, target=dub))
        self.plan.ops.append(Op(BLOC_SPLIT, "close", bloc))

        # Members.
        staff = self.staff_cell
        vp_m = staff(vp, self.size(30, 6), "civil")
        btc_m = staff(btc, self.size(18), "civil")
        ubkt_m = staff(ubkt, self.size(16), "civil")
        tgdv_m = staff(tgdv, self.size(18), "civil")
        mttq_m = staff(mttq, self.size(25, 7), "civil")
        vpub_m = staff(vpub_cb, self.size(25, 5), "civil", employer=vpub, extra_staff=0.3)
        snv_m = staff(snv_cb, self.size(25), "civil", employer=dept["SNV"], extra_staff=0.3)
        stc_m = staff(stc_cb, self.size(30), "civil", employer=dept["STC"], extra_staff=0.3)
        sgd_m = staff(sgd_vp, self.size(20), "civil", employer=dept["SGD"], extra_staff=0.3)
        thpt_m = [
            staff(
                c,
                self.size(n),
                "teacher",
                employer=school,
                category=VIEN_CHUC,
                job="Giáo viên",
                extra_staff=0.5,
            )
            for c, n in ((sgd_tn, 20), (sgd_xh, 18))
        ]
        syt_m = staff(syt_vp, self.size(15), "civil", employer=dept["SYT"], extra_staff=0.3)
        bv_m = [
            staff(
                c,
                self.size(n),
                "health",
                employer=hospital,
                category=VIEN_CHUC,
                job="Bác sĩ",
                extra_staff=0.6,
            )
            for c, n in zip(bv_cells, (25, 25, 18), strict=True)
        ]

        # Leaders are people of these cells, re-profiled as senior.
        def senior(spec: PersonSpec, gender: str | None = None) -> PersonSpec:
            return self._make_senior(spec, gender)

        sec, standing, bloc_head, chief_vp = (senior(p) for p in vp_m[:4])
        chair, vice, chief_vpub = (senior(p) for p in vpub_m[:3])
        org_head, insp_head, prop_head = senior(btc_m[0]), senior(ubkt_m[0]), senior(tgdv_m[0])
        front_head = senior(mttq_m[0])
        self.province_leaders = {"secretary": sec, "org_head": org_head}
        # posts of the committee and its collectives
        for unit_code in (root, bch, btv):
            self.post(sec, unit_code, f"Bí thư {tu}", HEAD)
            self.post(standing, unit_code, f"Phó Bí thư Thường trực {tu}", DEPUTY)
            self.post(chair, unit_code, f"Phó Bí thư {tu}", DEPUTY, concurrent=True)
        btv_seats = [
            (org_head, f"Trưởng Ban Tổ chức {tu}"),
            (insp_head, f"Chủ nhiệm Ủy ban Kiểm tra {tu}"),
            (prop_head, f"Trưởng Ban Tuyên giáo và Dân vận {tu}"),
            (front_head, f"Chủ tịch Ủy ban MTTQ Việt Nam {lvl}"),
            (vice, f"Phó Chủ tịch Thường trực UBND {lvl}"),
            (bloc_head, f"Bí thư Đảng ủy các cơ quan Đảng {lvl}"),
        ]
        for spec, job in btv_seats:
            self.post(spec, btv, f"Ủy viên Ban Thường vụ {tu}, {job}")
            self.post(spec, bch, f"{tu} viên")
        self.post(chief_vp, bch, f"{tu} viên, Chánh Văn phòng {tu}")
        self.post(bloc_head, bloc, f"Bí thư Đảng ủy Khối các cơ quan {lvl}", HEAD)
        self.post(bloc_head, cqd, f"Bí thư Đảng ủy các cơ quan Đảng {lvl}", HEAD)
        self.post(chair, dub, f"Bí thư Đảng ủy UBND {lvl}", HEAD, concurrent=True)
        self.post(vice, dub, f"Phó Bí thư Đảng ủy UBND {lvl}", DEPUTY, concurrent=True)
        # state posts
        self.post(chair, ubnd, f"Chủ tịch UBND {lvl}", HEAD)
        self.post(vice, ubnd, f"Phó Chủ tịch Thường trực UBND {lvl}", DEPUTY)
        for spec, job in ((chair, f"Chủ tịch UBND {lvl}"), (vice, f"Phó Chủ tịch UBND {lvl}")):
            self._set_job(spec, vpub, job, CAN_BO)
        self.post(chief_vpub, vpub, f"Chánh Văn phòng UBND {lvl}", HEAD)
        self.post(front_head, front, f"Chủ tịch Ủy ban MTTQ Việt Nam {lvl}", HEAD)
        mass_titles = {
            "PN": ("Chủ tịch Hội Liên hiệp Phụ nữ", "F"),
            "ND": ("Chủ tịch Hội Nông dân", None),
            "CCB": ("Chủ tịch Hội Cựu chiến binh", "M"),
            "DTN": (f"Bí thư {'Thành' if self.city else 'Tỉnh'} đoàn", None),
            "LDLD": ("Chủ tịch Liên đoàn Lao động", None),
        }
        for spec, (k, (title, gender)) in zip(mttq_m[1:], mass_titles.items(), strict=False):
            if gender:
                self._regender(spec, gender)
            self.post(spec, mass_units[k], f"{title} {lvl}", HEAD)
            self.post(
                spec, front, f"Phó Chủ tịch Ủy ban MTTQ Việt Nam {lvl}", DEPUTY, concurrent=True
            )
        # department heads: members of the Executive committee, managed by the Standing one
        heads = {}
        for k, members in (("SNV", snv_m), ("STC", stc_m), ("SGD", sgd_m), ("SYT", syt_m)):
            director = senior(members[0])
            heads[k] = director
            self.post(director, dept[k], f"Giám đốc {departments[k]}", HEAD)
            self._set_job(director, dept[k], f"Giám đốc {departments[k]}", CONG_CHUC)
            self.post(director, bch, f"{tu} viên, Giám đốc {departments[k]}")
            director.authorities.append((btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý"))
            if len(members) > 1:
                self.post(members[1], dept[k], f"Phó Giám đốc {departments[k]}", DEPUTY)
        self.post(heads["SGD"], sgd, "Bí thư Đảng ủy Sở Giáo dục và Đào tạo", HEAD, concurrent=True)
        self.post(heads["SYT"], syt, "Bí thư Đảng ủy Sở Y tế", HEAD, concurrent=True)
        principal = senior(thpt_m[0][0])
        self.post(principal, school, "Hiệu trưởng", HEAD)
        self._set_job(principal, school, "Hiệu trưởng", VIEN_CHUC)
        self.post(principal, sgd_bp, "Bí thư Đảng ủy bộ phận", HEAD, concurrent=True)
        principal.authorities.append((btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý"))
        director_bv = senior(bv_m[0][0])
        self.post(director_bv, hospital, "Giám đốc Bệnh viện", HEAD)
        self._set_job(director_bv, hospital, "Giám đốc Bệnh viện", VIEN_CHUC)
        self.post(director_bv, syt_bp, "Bí thư Đảng ủy bộ phận", HEAD, concurrent=True)
        director_bv.authorities.append((btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý"))
        # every cell has a Bí thư
        cell_heads = {
            vp: chief_vp,
            btc: org_head,
            ubkt: insp_head,
            tgdv: prop_head,
            mttq: front_head,
            vpub_cb: chief_vpub,
            snv_cb: heads["SNV"],
            stc_cb: heads["STC"],
            sgd_vp: heads["SGD"],
            syt_vp: heads["SYT"],
        }
        for code in (
            vp,
            btc,
            ubkt,
            tgdv,
            mttq,
            vpub_cb,
            snv_cb,
            stc_cb,
            sgd_vp,
            sgd_tn,
            sgd_xh,
            syt_vp,
            *bv_cells,
        ):
            self.cell_posts(code, cell_heads.get(code), concurrent=code in cell_heads)
        self.province_cells = {"btc": btc, "ubkt": ubkt}
        self.provincial_members = [m for c in self.cells.values() for m in c]

    def _make_senior(self, spec: PersonSpec, gender: str | None) -> PersonSpec:
        """Make a leader out of an ordinary member: older, long-standing, official."""
        rng = self.rng
        years = rng.randint(45, 59)
        spec.birth_date = add_years(self.anchor, -years) - datetime.timedelta(
            days=rng.randint(0, 364)
        )
        if spec.citizen_id:
            self.seen_ids.discard(spec.citizen_id)
            spec.citizen_id = self._citizen_id(spec.birth_date, spec.gender)
        spec.admitted_on = self.date_between(
            add_years(spec.birth_date, 22), add_years(spec.birth_date, 32)
        )
        spec.official_on = spec.admitted_on + datetime.timedelta(days=365)
        spec.card_number = spec.card_number or self._card()
        for aff in spec.affiliations:
            if aff.kind == CELL:
                aff.valid_from = max(self.start_of(aff.unit), spec.admitted_on)
        if gender:
            self._regender(spec, gender)
        return spec

    def _regender(self, spec: PersonSpec, gender: str) -> None:
        if spec.gender == gender:
            return
        spec.gender = gender
        spec.family_name, spec.middle_name, spec.given_name = names.person_name(
            self.rng, gender=gender, ethnicity=spec.ethnicity, southern=self.southern, young=False
        )
        if spec.citizen_id:
            self.seen_ids.discard(spec.citizen_id)
            spec.citizen_id = self._citizen_id(spec.birth_date, gender)

    def _set_job(self, spec: PersonSpec, unit: str, title: str, category: str) -> None:
        for aff in spec.affiliations:
            if aff.kind == EMPLOYMENT and aff.unit == unit:
                aff.title, aff.state_category = title, category
                return
        spec.affiliations.append(
            AffSpec(
                unit,
                EMPLOYMENT,
                max(self.start_of(unit), add_years(spec.birth_date, 23)),
                title=title,
                state_category=category,
            )
        )

    # --- districts and communes ----------------------------------------------------------

    def build_communes(self) -> None:
        wards = self.plan.province["wards"]
        provincial = len(self.provincial_members)
        target = round(BASE_MEMBERS * self.scale)
        count = clamp((target - provincial) / MEMBERS_PER_COMMUNE, 2, len(wards))
        budget = max(40, (target - provincial) / count)
        first = self.rng.randrange(len(wards) - count + 1)
        chosen = wards[first : first + count]
        self.plan.communes = chosen
        # group consecutive communes into the old districts
        groups: list[list[dict]] = []
        i = 0
        while i < len(chosen):
            size = self.rng.randint(4, 7)
            groups.append(chosen[i : i + size])
            i += size
        if len(groups) > 1 and len(groups[-1]) < 2:
            groups[-2].extend(groups.pop())
        town_done = False
        enterprise_every = 3
        index = 0
        for number, group in enumerate(groups, start=1):
            district, head = self.build_district(number, group)
            for position, ward in enumerate(group):
                commune = self.build_commune(
                    ward,
                    district,
                    budget,
                    district_head=head if position == 0 else None,
                    enterprise=index % enterprise_every == 1,
                )
                if not town_done and ward["division_type"] == "xã":
                    self.build_old_town(ward, commune, district)
                    town_done = True
                index += 1
            self.plan.ops.append(Op(REFORM_DAY, "close", f"{district}-BTV"))
            self.plan.ops.append(Op(REFORM_DAY, "close", district))
        # some provincial staff live in a village of the communes: their residence cell
        villages = [v for vs in self.villages.values() for v in vs]
        for spec in self.provincial_members:
            if self.rng.random() < 0.4:
                self._residence(spec, self.rng.choice(villages))

    def build_district(self, number: int, group: list[dict]) -> tuple[str, PersonSpec]:
        kind, short = ward_parts(group[0])
        level = "thành phố" if kind == "phường" else "huyện"
        committee = "Thành ủy" if kind == "phường" else "Huyện ủy"
        code = self.unit(
            f"{self.prefix}-H{number:02d}",
            f"Đảng bộ {level} {short}",
            "dang_bo_tren_co_so",
            self.plan.root,
            short_name=f"{committee} {short}",
            managed_by=self.btv,
        )
        btv = self.unit(f"{code}-BTV", f"Ban Thường vụ {committee} {short}", "ban_thuong_vu", code)
        office = self.unit(
            f"{code}-VP", f"Chi bộ Văn phòng {committee} {short}", "chi_bo_co_so", code
        )
        members = self.staff_cell(office, 6, "civil", may_be_probationary=False)
        head = self._make_senior(members[0], None)
        self.post(head, code, f"Bí thư {committee}", HEAD)
        self.post(head, btv, f"Bí thư {committee}", HEAD)
        self.post(members[1], code, f"Phó Bí thư Thường trực {committee}", DEPUTY)
        self.post(members[1], btv, f"Phó Bí thư Thường trực {committee}", DEPUTY)
        head.authorities.append((self.btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý"))
        self.cell_posts(office, members[2])
        self.district_btv = btv
        return code, head

    def build_commune(
        self,
        ward: dict,
        district: str,
        budget: float,
        *,
        district_head: PersonSpec | None,
        enterprise: bool,
    ) -> str:
        rng = self.rng
        t, s = ward_parts(ward)
        C = f"X{ward['code']:05d}"
        name = f"{t} {s}"
        code = self.unit(C, f"Đảng bộ {name}", "dang_bo_xa", district, short_name=f"Đảng ủy {name}")
        btv = self.unit(f"{C}-BTV", f"Ban Thường vụ Đảng ủy {name}", "ban_thuong_vu", code)
        ubnd = self.unit(
            f"{C}-UBND",
            f"Ủy ban nhân dân {name}",
            "co_quan_hanh_chinh",
            code,
            short_name=f"UBND {name}",
        )
        hdnd = self.unit(
            f"{C}-HDND",
            f"Hội đồng nhân dân {name}",
            "co_quan_hanh_chinh",
            code,
            short_name=f"HĐND {name}",
        )
        front = self.unit(f"{C}-MTTQ", f"Ủy ban MTTQ Việt Nam {name}", "mat_tran", code)
        schools = {
            "MN": self.unit(f"{C}-MN", f"Trường Mầm non {s}", "don_vi_su_nghiep", ubnd),
            "TH": self.unit(f"{C}-TH", f"Trường Tiểu học {s}", "don_vi_su_nghiep", ubnd),
            "THCS": self.unit(f"{C}-THCS", f"Trường THCS {s}", "don_vi_su_nghiep", ubnd),
        }
        station = self.unit(f"{C}-TYT", f"Trạm Y tế {name}", "don_vi_su_nghiep", ubnd)

        def cell(suffix, cell_name):
            return self.unit(f"{C}-{suffix}", cell_name, "chi_bo_truc_thuoc", code)

        ddt = cell("CB-DDT", f"Chi bộ Cơ quan Đảng - Đoàn thể {name}")
        ub = cell("CB-UB", f"Chi bộ Cơ quan UBND {name}")
        used = 0
        ddt_m = self.staff_cell(
            ddt, clamp(budget * 0.08, 6, 30), "civil", may_be_probationary=False
        )
        ub_m = self.staff_cell(
            ub,
            clamp(budget * 0.09, 6, 30),
            "civil",
            employer=ubnd,
            extra_staff=0.25,
            may_be_probationary=False,
        )
        used += len(ddt_m) + len(ub_m)
        # two health workers of the station are in the UBND agency cell
        for spec in ub_m[-2:]:
            for aff in spec.affiliations:
                if aff.kind == EMPLOYMENT:
                    aff.unit, aff.state_category, aff.title = station, VIEN_CHUC, "Y sĩ"
            spec.occupation = "cbccvc"
        school_cells = {}
        for k, label, share in (
            ("TH", "Trường Tiểu học", 0.06),
            ("THCS", "Trường THCS", 0.06),
            ("MN", "Trường Mầm non", 0.04),
        ):
            if k == "MN" and budget < 120:
                continue
            sc = cell(f"CB-{k}", f"Chi bộ {label} {s}")
            school_cells[k] = self.staff_cell(
                sc,
                clamp(budget * share, 5, 25),
                "teacher",
                employer=schools[k],
                category=VIEN_CHUC,
                job="Giáo viên",
                extra_staff=0.6,
            )
            used += len(school_cells[k])
        if enterprise:
            company = rng.choice(names.ENTERPRISES).format(s)
            dn = self.unit(f"{C}-DN", f"Đảng bộ {company}", "dang_bo_co_so", code)
            dn_vp = self.unit(f"{C}-DN-VP", "Chi bộ Khối Văn phòng", "chi_bo_truc_thuoc", dn)
            dn_px = self.unit(
                f"{C}-DN-PX", "Đảng bộ bộ phận Phân xưởng Sản xuất", "dang_bo_bo_phan", dn
            )
            dn_cells = [dn_vp] + [
                self.unit(f"{C}-DN-PX{i}", f"Chi bộ Tổ sản xuất số {i}", "chi_bo_truc_thuoc", dn_px)
                for i in (1, 2)
            ]
            dn_m = [self.staff_cell(c, clamp(budget * 0.05, 5, 35), "enterprise") for c in dn_cells]
            used += sum(len(m) for m in dn_m)
            boss = self._make_senior(dn_m[0][0], None)
            boss.occupation = "enterprise"
            self.post(boss, dn, f"Bí thư Đảng ủy {company}", HEAD)
            self.post(dn_m[1][0], dn_px, "Bí thư Đảng ủy bộ phận", HEAD)
            self.post(dn_m[0][1], dn, "Phó Bí thư Đảng ủy", DEPUTY)
            for c, m in zip(dn_cells, dn_m, strict=True):
                self.cell_posts(c, m[0] if c != dn_vp else None)
        # villages or residential groups
        villages = []
        for number, size in enumerate(self.village_sizes(int(budget - used)), start=1):
            if t == "xã":
                label = f"Chi bộ thôn {self._village_name(C, number)}"
            elif t == "phường":
                label = f"Chi bộ tổ dân phố số {number}"
            else:
                label = f"Chi bộ khu phố {number}"
            v = cell(f"CB-T{number:02d}", label)
            villages.append(v)
            for _i in range(size):
                self.person(names.weighted_choice(rng, VILLAGE_MIX), cell=v)
            self.cell_posts(v)
        self.villages[code] = villages

        # posts
        leaders = [self._make_senior(p, None) for p in ddt_m[:4]]
        sec, standing, front_head, insp = leaders
        chair, vice = (self._make_senior(p, None) for p in ub_m[:2])
        if district_head is None:
            for unit_code in (code, btv):
                self.post(sec, unit_code, "Bí thư Đảng ủy", HEAD)
        else:
            # the district secretary becomes the commune secretary on 1/7/2025
            for unit_code in (code, btv):
                self.post(sec, unit_code, "Bí thư Đảng ủy", HEAD, end=REFORM_DAY)
                self.post(district_head, unit_code, "Bí thư Đảng ủy", HEAD, start=REFORM_DAY)
                self.post(sec, unit_code, "Phó Bí thư Đảng ủy", DEPUTY, start=REFORM_DAY)
        self.post(sec, hdnd, f"Chủ tịch HĐND {t}", HEAD, start=HDND_TERM, concurrent=True)
        for unit_code in (code, btv):
            self.post(standing, unit_code, "Phó Bí thư Thường trực Đảng ủy", DEPUTY)
            self.post(chair, unit_code, "Phó Bí thư Đảng ủy", DEPUTY, concurrent=unit_code == code)
        self.post(chair, ubnd, f"Chủ tịch UBND {t}", HEAD)
        self._set_job(chair, ubnd, f"Chủ tịch UBND {t}", CAN_BO)
        self.post(vice, ubnd, f"Phó Chủ tịch UBND {t}", DEPUTY)
        self._set_job(vice, ubnd, f"Phó Chủ tịch UBND {t}", CAN_BO)
        self.post(front_head, front, f"Chủ tịch Ủy ban MTTQ Việt Nam {t}", HEAD)
        for spec, job in (
            (vice, f"Phó Chủ tịch UBND {t}"),
            (front_head, f"Chủ tịch Ủy ban MTTQ Việt Nam {t}"),
            (insp, "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy"),
        ):
            self.post(spec, btv, f"Ủy viên Ban Thường vụ, {job}")
        self.post(sec, self.district_btv, f"Ủy viên Ban Thường vụ, Bí thư Đảng ủy {t}")
        for spec in (sec, chair):
            spec.authorities.append(
                (self.district_btv, TERM_START, "Cán bộ diện Ban Thường vụ quản lý")
            )
            spec.authorities.append((self.btv, REFORM_DAY, "Cán bộ diện Ban Thường vụ quản lý"))
        if district_head is not None:
            self.post(
                district_head,
                f"{self.prefix}-BCH",
                f"{self.committee} viên, Bí thư Đảng ủy {t}",
                start=REFORM_DAY,
            )
        self.plan.ops.append(Op(REFORM_DAY, "move", code, target=self.plan.root))
        self.plan.ops.append(Op(REFORM_DAY, "manage", code, target=self.btv))
        # agency cells: secretaries and residence cells
        self.cell_posts(ddt, standing, concurrent=True)
        self.cell_posts(ub, chair, concurrent=True)
        station_head = ub_m[-1]
        self.post(station_head, station, "Trạm trưởng", HEAD)
        station_head.authorities.append(
            (btv, TERM_START, "Viên chức quản lý diện Ban Thường vụ Đảng ủy")
        )
        for k, members in school_cells.items():
            principal = self._make_senior(members[0], None)
            self.post(principal, schools[k], "Hiệu trưởng", HEAD)
            self._set_job(principal, schools[k], "Hiệu trưởng", VIEN_CHUC)
            principal.authorities.append(
                (btv, TERM_START, "Viên chức quản lý diện Ban Thường vụ Đảng ủy")
            )
            if len(members) > 3:
                self.post(members[1], schools[k], "Phó Hiệu trưởng", DEPUTY)
            self.cell_posts(f"{C}-CB-{k}", principal, concurrent=True)
        for members in (ddt_m, ub_m, *school_cells.values()):
            for spec in members:
                if rng.random() < 0.6:
                    self._residence(spec, rng.choice(villages))
        if district_head is not None:
            self.plan.ops.append(Op(REFORM_DAY, "merge", ddt, sources=[f"{district}-VP"]))
        self.commune_cells[code] = {"ddt": ddt, "ub": ub, "btv": btv, "ubnd": ubnd}
        return code

    def _village_name(self, commune: str, number: int) -> str:
        pool = (
            names.MOUNTAIN_VILLAGES
            if self.rng.random() < self.mountain_share
            else names.KINH_VILLAGES
        )
        taken = self.taken_names.setdefault(commune, set())
        for _attempt in range(10):
            candidate = self.rng.choice(pool)
            if candidate not in taken:
                taken.add(candidate)
                return candidate
        return str(number)

    def _residence(self, spec: PersonSpec, village: str) -> None:
        start = max(spec.affiliations[0].valid_from, self.start_of(village))
        exemption = ""
        if self.rng.random() < 0.12:
            exemption = self.rng.choice(["travels", "travels", "study"])
        spec.affiliations.append(AffSpec(village, RESIDENCE, start, residence_exemption=exemption))

    def build_old_town(self, ward: dict, commune: str, district: str) -> None:
        """A town (thị trấn) committee of 2020 merged into the commune on 1/7/2025."""
        _t, s = ward_parts(ward)
        T = f"{commune}-TT"
        town = self.unit(T, f"Đảng bộ thị trấn {s}", "dang_bo_xa", district)
        btv = self.unit(f"{T}-BTV", f"Ban Thường vụ Đảng ủy thị trấn {s}", "ban_thuong_vu", town)
        ubnd = self.unit(f"{T}-UBND", f"Ủy ban nhân dân thị trấn {s}", "co_quan_hanh_chinh", town)
        agency = self.unit(f"{T}-CQ", f"Chi bộ Cơ quan thị trấn {s}", "chi_bo_truc_thuoc", town)
        staff = self.staff_cell(agency, 7, "civil", employer=ubnd, may_be_probationary=False)
        sec, chair = (self._make_senior(p, None) for p in staff[:2])
        for unit_code in (town, btv):
            self.post(sec, unit_code, "Bí thư Đảng ủy thị trấn", HEAD)
            self.post(chair, unit_code, "Phó Bí thư Đảng ủy thị trấn", DEPUTY)
        self.post(chair, ubnd, "Chủ tịch UBND thị trấn", HEAD)
        self._set_job(chair, ubnd, "Chủ tịch UBND thị trấn", CAN_BO)
        self.cell_posts(agency, staff[2])
        groups = []
        for number in (1, 2):
            code = self.unit(
                f"{T}-T{number:02d}",
                f"Chi bộ tổ dân phố {self._village_name(T, number)}",
                "chi_bo_truc_thuoc",
                town,
            )
            for _i in range(self.size(20, 6, 30)):
                self.person(names.weighted_choice(self.rng, VILLAGE_MIX), cell=code)
            self.cell_posts(code)
            groups.append(code)
        self.villages[commune].extend(groups)
        ops = self.plan.ops
        ops.append(Op(REFORM_DAY, "close", btv))
        ops.append(Op(REFORM_DAY, "merge", self.commune_cells[commune]["ubnd"], sources=[ubnd]))
        ops.append(Op(REFORM_DAY, "merge", self.commune_cells[commune]["ub"], sources=[agency]))
        ops.append(Op(REFORM_DAY, "merge", commune, sources=[town]))

    # --- statuses, transfers, logins -----------------------------------------------------

    def plain(self, spec: PersonSpec) -> bool:
        return (
            spec.is_member
            and spec.official_on is not None
            and not spec.has_posts()
            and not spec.statuses
            and not spec.transfers
            and not spec.reserved
        )

    def pick_demo_users(self) -> None:
        rng = self.rng
        root = self.plan.root
        communes = list(self.villages)
        commune = communes[-1]
        village = self.villages[commune][0]
        head = next(
            p
            for p in self.cells[village]
            for a in p.affiliations
            if a.unit == village and a.kind == POSITION and a.role == HEAD
        )

        def plain_in(cell: str) -> PersonSpec:
            candidates = [p for p in self.cells[cell] if self.plain(p)]
            spec = rng.choice(candidates)
            spec.reserved = True
            return spec

        org_head = self.province_leaders["org_head"]
        head.reserved = org_head.reserved = True
        self.plan.users = [
            {"username": "admin", "role": "admin", "unit": root, "person": None, "superuser": True},
            {
                "username": "tochuc",
                "role": "staff",
                "unit": root,
                "person": plain_in(self.province_cells["btc"]).key,
            },
            {"username": "quyetdinh", "role": "decider", "unit": root, "person": org_head.key},
            {"username": "bithu", "role": "secretary", "unit": village, "person": head.key},
            {
                "username": "dangvien",
                "role": "member",
                "unit": village,
                "person": plain_in(village).key,
            },
            {
                "username": "thanhtra",
                "role": "inspector",
                "unit": root,
                "person": plain_in(self.province_cells["ubkt"]).key,
            },
            {
                "username": "tochucxa",
                "role": "staff",
                "unit": commune,
                "person": plain_in(self.commune_cells[commune]["ddt"]).key,
            },
        ]

    def add_statuses_and_transfers(self) -> None:
        rng = self.rng
        year_start = datetime.date(self.today.year, 1, 2)
        village_cells = [v for vs in self.villages.values() for v in vs]
        village_members = [p for v in village_cells for p in self.cells[v]]
        members = len([p for p in self.plan.people if p.is_member])
        # exempt: the oldest retirees
        old = sorted(
            (p for p in village_members if p.occupation == "retired" and self.plain(p)),
            key=lambda p: (p.birth_date, p.key),
        )
        for spec in old[: max(2, round(members * 0.015))]:
            day = self.date_between(
                max(datetime.date(2021, 1, 4), spec.admitted_on + datetime.timedelta(days=1)),
                self.today - datetime.timedelta(days=60),
            )
            spec.statuses.append(("exempt", day, "Tuổi cao, sức yếu; Đảng ủy quyết định miễn"))
        # suspended: a couple
        for spec in rng.sample([p for p in village_members if self.plain(p)], 2):
            day = self.date_between(year_start, self.today)
            spec.statuses.append(
                ("suspended", day, "Đình chỉ sinh hoạt đảng trong thời gian xem xét kỷ luật")
            )
        # transfers between village cells of the same commune during the current year
        sizes = {v: len(self.cells[v]) for v in village_cells}
        moves = max(3, round(members * 0.004))
        commune_list = [c for c in self.villages if len(self.villages[c]) > 1]
        for _i in range(moves * 10):
            if moves == 0:
                break
            commune = rng.choice(commune_list)
            source, target = rng.sample(self.villages[commune], 2)
            if sizes[source] <= 6 or sizes[target] >= 45:  # cells keep 5-50 members
                continue
            candidates = [
                p
                for p in self.cells[source]
                if self.plain(p) and p.affiliations[0].valid_from < year_start and p.cell == source
            ]
            if not candidates:
                continue
            spec = rng.choice(candidates)
            spec.transfers.append((target, self.date_between(year_start, self.today)))
            sizes[source] -= 1
            sizes[target] += 1
            moves -= 1


def build_plan(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    province: str | int = DEFAULT_PROVINCE,
    today: datetime.date | None = None,
) -> Plan:
    return Builder(
        find_province(province), scale=scale, seed=seed, today=today or local_today()
    ).build()


# --- writing the plan through the services -------------------------------------------------


@dataclass
class Result:
    plan: Plan
    units: int
    people: int
    members: int
    seconds: float
    problems: list[str]


class Writer:
    """Applies a plan through the services, in date order, as the system (actor None)."""

    def __init__(self, plan: Plan, progress: Callable[[str], None] = lambda _step: None):
        self.plan = plan
        self.progress = progress
        self.units: dict = {}
        self.persons: dict = {}
        self.affiliations: dict = {}

    def write(self) -> None:
        self.progress(_("Writing %(count)s units…") % {"count": len(self.plan.units)})
        self.create_units()
        self.progress(_("Writing %(count)s people…") % {"count": len(self.plan.people)})
        self.create_people()
        self.progress(_("Replaying the history (transfers, restructuring of 2025)…"))
        self.run_timeline()
        self.create_users()

    def create_units(self) -> None:
        from kiemdiem.orgtree import services as tree

        for spec in self.plan.units.values():
            self.units[spec.code] = tree.unit_create(
                code=spec.code,
                name=spec.name,
                short_name=spec.short_name,
                kind=spec.kind,
                parent=self.units[spec.parent] if spec.parent else None,
                valid_from=spec.valid_from,
                managed_by=self.units[spec.managed_by] if spec.managed_by else None,
                actor=None,
            )

    def create_people(self) -> None:
        from kiemdiem.people import services as people

        for spec in self.plan.people:
            home = self.units[spec.cell or spec.affiliations[0].unit]
            person = people.person_create(
                actor=None,
                unit=home,
                family_name=spec.family_name,
                middle_name=spec.middle_name,
                given_name=spec.given_name,
                birth_date=spec.birth_date,
                gender=spec.gender,
                ethnicity=spec.ethnicity,
                citizen_id=spec.citizen_id,
                phone=spec.phone,
            )
            self.persons[spec.key] = person
            if spec.is_member:
                people.member_admit(
                    person=person,
                    admitted_on=spec.admitted_on,
                    official_on=spec.official_on,
                    card_number=spec.card_number,
                    occupation=spec.occupation,
                    actor=None,
                )

    def timeline(self) -> list[tuple]:
        """Every dated step, in the order it happened: ends, restructuring, starts, the rest,
        and closures last."""
        events = []
        for seq, op in enumerate(self.plan.ops):
            # A unit closes last on its day, once whoever it rated or managed has moved on.
            events.append((op.day, 6 if op.action == "close" else 1, seq, "op", op))
        for spec in self.plan.people:
            for index, aff in enumerate(spec.affiliations):
                events.append((aff.valid_from, 2, spec.key, "start", (spec, index)))
                if aff.valid_to is not None:
                    events.append((aff.valid_to, 0, spec.key, "end", (spec, index)))
            for day_index, (unit, day, note) in enumerate(spec.authorities):
                events.append((day, 3, spec.key, "authority", (spec, unit, day, note, day_index)))
            for status, day, reason in spec.statuses:
                events.append((day, 4, spec.key, "status", (spec, status, day, reason)))
            for unit, day in spec.transfers:
                events.append((day, 5, spec.key, "transfer", (spec, unit, day)))
        events.sort(key=lambda e: e[:3])  # stable: ties keep the plan's order
        return events

    def run_timeline(self) -> None:
        for event in self.timeline():
            self.run_event(event)

    def run_event(self, event: tuple) -> None:
        from kiemdiem.orgtree import services as tree
        from kiemdiem.people import restructure
        from kiemdiem.people import services as people

        kind, payload = event[3], event[4]
        if kind == "op":
            self.run_op(payload, tree, restructure)
        elif kind == "start":
            spec, index = payload
            aff = spec.affiliations[index]
            fields = {
                "title": aff.title,
                "role": aff.role,
                "concurrent": aff.concurrent,
                "state_category": aff.state_category,
                "residence_exemption": aff.residence_exemption,
            }
            self.affiliations[(spec.key, index)] = people.affiliation_start(
                person=self.persons[spec.key],
                unit=self.units[aff.unit],
                kind=aff.kind,
                valid_from=aff.valid_from,
                actor=None,
                **{k: v for k, v in fields.items() if v},
            )
        elif kind == "end":
            spec, index = payload
            people.affiliation_end(
                affiliation=self.affiliations[(spec.key, index)],
                valid_to=spec.affiliations[index].valid_to,
                actor=None,
            )
        elif kind == "authority":
            spec, unit, day, note, _i = payload
            people.authority_assign(
                person=self.persons[spec.key],
                authority=self.units[unit],
                valid_from=day,
                note=note,
                actor=None,
            )
        elif kind == "status":
            spec, status, day, reason = payload
            people.member_status_change(
                member=self.persons[spec.key].membership,
                status=status,
                effective=day,
                reason=reason,
                actor=None,
            )
        elif kind == "transfer":
            spec, unit, day = payload
            people.member_transfer(
                person=self.persons[spec.key], to_cell=self.units[unit], effective=day, actor=None
            )

    def run_op(self, op: Op, tree, restructure) -> None:
        unit = self.refresh(op.unit)
        if op.action == "move":
            self.units[op.unit] = tree.unit_move(
                unit=unit, new_parent=self.refresh(op.target), effective=op.day, actor=None
            )
        elif op.action == "close":
            self.units[op.unit] = restructure.unit_close(unit=unit, effective=op.day, actor=None)
        elif op.action == "merge":
            restructure.units_merge(
                sources=[self.refresh(code) for code in op.sources],
                target=unit,
                effective=op.day,
                actor=None,
            )
            for code in op.sources:
                self.refresh(code)
        elif op.action == "manage":
            tree.unit_update(
                unit=unit,
                name=unit.name,
                short_name=unit.short_name,
                kind=unit.kind,
                managed_by=self.refresh(op.target),
                actor=None,
            )
        else:  # pragma: no cover - a programming error in the plan
            raise ValueError(op.action)

    def refresh(self, code: str):
        unit = self.units[code]
        unit.refresh_from_db()
        return unit

    def create_users(self) -> None:
        from kiemdiem.accounts import services as accounts

        for row in self.plan.users:
            user = accounts.user_create(
                username=row["username"],
                password=DEMO_PASSWORD,
                person=self.persons[row["person"]] if row["person"] is not None else None,
                is_superuser=row.get("superuser", False),
                actor=None,
            )
            accounts.grant_add(
                user=user, role=row["role"], unit=self.refresh(row["unit"]), actor=None
            )


def generate(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    province: str | int = DEFAULT_PROVINCE,
    fast: bool = True,
    cycles: bool = True,
    progress: Callable[[str], None] = lambda _step: None,
) -> Result:
    """Build the demo province and write it in one transaction. Raises if the tree is broken.

    ``fast`` bulk-inserts the person, membership and affiliation rows (``demo.fastpath``) and
    most reviews and ratings (``demo.review_fastpath``); without it every row goes through the
    services one by one (about five times slower). ``cycles`` adds last year's closed review
    cycle and this year's running one (``demo.review_cycles``). ``progress`` is told each step
    as it starts (``load_demo`` prints them).
    """
    import time

    from kiemdiem.demo.checks import tree_problems
    from kiemdiem.demo.fastpath import FastWriter
    from kiemdiem.orgtree.models import Unit
    from kiemdiem.people.models import PartyMember, Person

    started = time.perf_counter()
    progress(_("Planning the province…"))
    plan = build_plan(scale=scale, seed=seed, province=province)
    with transaction.atomic():
        (FastWriter if fast else Writer)(plan, progress).write()
        progress(_("Checking the tree…"))
        problems = tree_problems()
        if problems:
            raise RuntimeError("demo tree is inconsistent: " + "; ".join(problems[:10]))
        if cycles:
            from kiemdiem.demo.review_cycles import load_cycles

            load_cycles(seed=seed, fast=fast, progress=progress)
    return Result(
        plan=plan,
        units=Unit.objects.count(),
        people=Person.objects.count(),
        members=PartyMember.objects.count(),
        seconds=time.perf_counter() - started,
        problems=problems,
    )


# --- reports -------------------------------------------------------------------------------


def summary() -> dict:
    """Counts of what is in the database now (current units and affiliations)."""
    from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup, UnitKind
    from kiemdiem.people.models import Affiliation, MemberStatus, PartyMember, Person

    by_kind = dict(
        Unit.objects.active().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    current = Affiliation.objects.current()
    return {
        "units_by_kind": [
            (str(UnitKind(k).label), by_kind[k]) for k in UnitKind.values if k in by_kind
        ],
        "units": sum(by_kind.values()),
        "dissolved_units": Unit.objects.filter(valid_to__isnull=False).count(),
        "people": Person.objects.count(),
        "members": current.filter(kind=CELL).count(),
        "probationary": PartyMember.objects.filter(official_on__isnull=True).count(),
        "exempt": MemberStatus.objects.filter(valid_to__isnull=True, status="exempt").count(),
        "suspended": MemberStatus.objects.filter(valid_to__isnull=True, status="suspended").count(),
        "collectives": sum(
            n for k, n in by_kind.items() if KIND_GROUP[UnitKind(k)] == UnitGroup.COLLECTIVE
        ),
        "collective_seats": current.filter(
            kind=POSITION,
            unit__kind__in=[k for k, g in KIND_GROUP.items() if g == UnitGroup.COLLECTIVE],
        ).count(),
        "state_staff": current.filter(kind=EMPLOYMENT).values("person").distinct().count(),
        "posts": current.filter(kind=POSITION).count(),
        "residence": current.filter(kind=RESIDENCE).count(),
        "cycles": cycle_summary(),
    }


def cycle_summary() -> list[dict]:
    """Per review cycle: its subjects, the reviews submitted and in progress, the ratings."""
    from kiemdiem.cycles.models import CycleStatus, ReviewCycle, SubjectStatus
    from kiemdiem.reviews.models import ReviewStatus, SelfReview

    rows = []
    for cycle in ReviewCycle.objects.order_by("period_start", "code"):
        reviews = dict(
            SelfReview.objects.filter(subject__cycle=cycle)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        rows.append(
            {
                "name": cycle.name,
                "status": str(CycleStatus(cycle.status).label),
                "subjects": cycle.subjects.count(),
                "submitted": reviews.get(ReviewStatus.SUBMITTED, 0),
                "in_progress": reviews.get(ReviewStatus.DRAFT, 0)
                + reviews.get(ReviewStatus.RETURNED, 0),
                "rated": cycle.subjects.filter(status=SubjectStatus.RATED).count(),
            }
        )
    return rows


def demo_logins() -> list[dict]:
    """The demo logins that exist: user name, password, role, scope and person."""
    from kiemdiem.accounts.models import Grant, Role

    grants = {
        g.user.username: g
        for g in Grant.objects.filter(user__username__in=DEMO_USERS).select_related(
            "user", "user__person", "unit"
        )
    }
    rows = []
    for username in DEMO_USERS:
        grant = grants.get(username)
        if grant is None:
            continue
        rows.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": str(Role(grant.role).label),
                "scope": grant.unit.name,
                "person": grant.user.person.full_name if grant.user.person else "",
            }
        )
    return rows


def format_logins(rows: list[dict] | None = None) -> str:
    """The login table as text, for the terminal."""
    rows = demo_logins() if rows is None else rows
    headers = [_("User name"), _("Password"), _("Role"), _("Scope"), _("Person")]
    table = [headers] + [
        [r["username"], r["password"], r["role"], r["scope"], r["person"]] for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def login_table() -> str:
    """The demo logins with a heading, as printed by ``load_demo`` and ``demo_logins``."""
    rows = demo_logins()
    if not rows:
        return _("No demo logins: load the demo with manage.py load_demo.")
    heading = _("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD}
    return f"{heading}\n{format_logins(rows)}"
