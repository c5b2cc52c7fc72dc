"""Writing the plan's people and their history: through ``people.services`` one call at a
time (``PeopleWriter``), or with the bulk paths of those services (``BulkPeopleWriter``)."""

from __future__ import annotations

from kiemdiem.demo.plan.specs import AffSpec, PersonSpec
from kiemdiem.people import bulk
from kiemdiem.people import services as people


def person_fields(spec: PersonSpec) -> dict:
    return {
        "family_name": spec.family_name,
        "middle_name": spec.middle_name,
        "given_name": spec.given_name,
        "birth_date": spec.birth_date,
        "gender": spec.gender,
        "ethnicity": spec.ethnicity,
        "citizen_id": spec.citizen_id,
        "phone": spec.phone,
    }


def membership(spec: PersonSpec) -> dict:
    return {
        "admitted_on": spec.admitted_on,
        "official_on": spec.official_on,
        "card_number": spec.card_number,
        "occupation": spec.occupation,
    }


def affiliation_fields(aff: AffSpec) -> dict:
    fields = {
        "title": aff.title,
        "role": aff.role,
        "concurrent": aff.concurrent,
        "state_category": aff.state_category,
        "residence_exemption": aff.residence_exemption,
    }
    return {k: v for k, v in fields.items() if v}


class PeopleWriter:
    """Persons by plan key (``self.persons``), affiliations by (key, index)."""

    def create_people(self) -> None:
        for spec in self.plan.people:
            person = people.person_create(actor=None, unit=self.home(spec), **person_fields(spec))
            self.persons[spec.key] = person
            if spec.is_member:
                people.member_admit(person=person, actor=None, **membership(spec))

    def home(self, spec: PersonSpec):
        """The unit a new person's entry is filed under: their cell, else their first place."""
        return self.units[spec.cell or spec.affiliations[0].unit]

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
        kind, payload = event[3], event[4]
        if kind == "op":
            self.run_op(payload)
        elif kind == "start":
            spec, index = payload
            aff = spec.affiliations[index]
            self.affiliations[(spec.key, index)] = people.affiliation_start(
                person=self.persons[spec.key],
                unit=self.units[aff.unit],
                kind=aff.kind,
                valid_from=aff.valid_from,
                actor=None,
                **affiliation_fields(aff),
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


class BulkPeopleWriter(PeopleWriter):
    """The persons, memberships and affiliations through ``people.bulk``.

    One service call per row costs about a dozen queries; at the demo's scale (thousands of
    people, tens of thousands at ``--scale 10``) that is most of the load, so the people and
    the runs of consecutive starts go through the services' bulk paths, which make the same
    rows and audit entries after the same checks. Ends, statuses, transfers, authorities and
    restructuring still go through the services one at a time (a few hundred).
    ``tests/test_generator.py`` checks that both writers write the same."""

    def create_people(self) -> None:
        rows = [
            bulk.NewPerson(
                fields=person_fields(spec),
                unit=self.home(spec),
                membership=membership(spec) if spec.is_member else None,
            )
            for spec in self.plan.people
        ]
        persons = bulk.people_create_bulk(rows, actor=None)
        for spec, person in zip(self.plan.people, persons, strict=True):
            self.persons[spec.key] = person

    def run_timeline(self) -> None:
        """Runs of consecutive starts go in one call; everything else one event at a time."""
        starts: list[tuple[PersonSpec, int]] = []
        for event in self.timeline():
            if event[3] == "start":
                starts.append(event[4])
                continue
            self.start_all(starts)
            starts = []
            self.run_event(event)
        self.start_all(starts)

    def start_all(self, starts: list[tuple[PersonSpec, int]]) -> None:
        if not starts:
            return
        rows = []
        for spec, index in starts:
            aff = spec.affiliations[index]
            rows.append(
                bulk.NewAffiliation(
                    person=self.persons[spec.key],
                    unit=self.units[aff.unit],
                    kind=aff.kind,
                    valid_from=aff.valid_from,
                    fields=affiliation_fields(aff),
                )
            )
        affiliations = bulk.affiliations_start_bulk(rows, actor=None)
        for (spec, index), affiliation in zip(starts, affiliations, strict=True):
            self.affiliations[(spec.key, index)] = affiliation
