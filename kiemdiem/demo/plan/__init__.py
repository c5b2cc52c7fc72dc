"""The plan of the demo province, made in pure Python from a seeded ``random.Random`` (same
seed ⇒ same plan), split by what it plans: units, people, the provincial level, the communes,
the demo logins. ``Builder`` puts the parts together; ``demo.write`` applies the plan."""

from __future__ import annotations

import datetime
import random

from kiemdiem.common.dates import today as local_today
from kiemdiem.demo import names
from kiemdiem.demo.plan.communes import CommunePlanner
from kiemdiem.demo.plan.logins import LoginPlanner
from kiemdiem.demo.plan.people import PeoplePlanner
from kiemdiem.demo.plan.province import ProvincePlanner
from kiemdiem.demo.plan.specs import (
    DEFAULT_PROVINCE,
    DEFAULT_SEED,
    PersonSpec,
    Plan,
    find_province,
    province_short_name,
)
from kiemdiem.demo.plan.units import UnitPlanner


class Builder(ProvincePlanner, CommunePlanner, LoginPlanner, PeoplePlanner, UnitPlanner):
    """Makes the plan. Only ``self.rng`` decides anything random, in a fixed order (the parts
    are called in the order ``build`` gives, so the same seed gives the same plan). The state
    set up here is shared by the parts."""

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

    # set while building: the provincial standing committee, leaders and cells, the
    # members of the provincial cells, the standing committee of the district being built
    btv: str
    province_leaders: dict[str, PersonSpec]
    province_cells: dict[str, str]
    provincial_members: list[PersonSpec]
    district_btv: str

    def date_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def build(self) -> Plan:
        self.build_province()
        self.build_communes()
        self.add_statuses_and_transfers()
        self.pick_demo_users()
        return self.plan


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
