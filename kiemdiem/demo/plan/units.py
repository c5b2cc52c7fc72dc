"""Planning units: codes in the plan, their start, sizes and village names."""

from __future__ import annotations

import datetime

from kiemdiem.demo import names
from kiemdiem.demo.plan.specs import TERM_START, UnitSpec, clamp


class UnitPlanner:
    """The units of the plan (``self.plan.units``), in the order they are made."""

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

    def size(self, base: float, low: int = 5, high: int = 50) -> int:
        return clamp(base * self.scale, low, high)

    def village_sizes(self, budget: int) -> list[int]:
        count = max(2, round(budget / 24))
        mean = max(budget / count, 6)
        return [clamp(mean * self.rng.uniform(0.6, 1.4), 6, 45) for _i in range(count)]

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
