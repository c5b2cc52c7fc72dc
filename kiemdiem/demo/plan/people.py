"""Planning people: persons with Vietnamese names, membership, posts, state jobs, residence
cells, and later their statuses and transfers."""

from __future__ import annotations

import datetime

from kiemdiem.demo import names
from kiemdiem.demo.plan.specs import (
    CELL,
    CONG_CHUC,
    DEPUTY,
    EMPLOYMENT,
    HEAD,
    MEMBER,
    PHONE_PREFIXES,
    POSITION,
    PROFILES,
    RESIDENCE,
    AffSpec,
    PersonSpec,
    add_years,
)


class PeoplePlanner:
    """The people of the plan (``self.plan.people``): each drawn from ``self.rng``."""

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

    def _residence(self, spec: PersonSpec, village: str) -> None:
        start = max(spec.affiliations[0].valid_from, self.start_of(village))
        exemption = ""
        if self.rng.random() < 0.12:
            exemption = self.rng.choice(["travels", "travels", "study"])
        spec.affiliations.append(AffSpec(village, RESIDENCE, start, residence_exemption=exemption))

    # --- statuses and transfers ----------------------------------------------------------

    def plain(self, spec: PersonSpec) -> bool:
        return (
            spec.is_member
            and spec.official_on is not None
            and not spec.has_posts()
            and not spec.statuses
            and not spec.transfers
            and not spec.reserved
        )

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
