"""A faster writer for the bulk rows of the demo: persons, memberships and affiliations.

At 3,000 members the services spend most of their time building the same validation queries
again and again (foreign keys, four conditional unique constraints per affiliation). This
writer makes exactly the rows and audit entries the services would make (it reuses their
helpers and runs the same checks in memory against the current state read once per batch)
and inserts them with ``bulk_create``; the database's own unique constraints stay the
backstop. Units, restructuring, ends, statuses, transfers, authorities and users still go
through the services one by one. ``tests/test_generator.py`` checks that both writers produce
the same data.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from kiemdiem.audit.context import current_request_id
from kiemdiem.audit.models import LogEntry
from kiemdiem.audit.services import snapshot
from kiemdiem.common.dates import today
from kiemdiem.common.vietnamese import nfc
from kiemdiem.demo.generator import PersonSpec, Writer
from kiemdiem.orgtree.models import CELL_KINDS, KIND_GROUP, Unit, UnitGroup
from kiemdiem.people import services as people
from kiemdiem.people.models import (
    Affiliation,
    AffiliationKind,
    MemberStatus,
    MemberStatusKind,
    PartyMember,
    Person,
)

BATCH = 500


def _entries(action: str, rows: list[tuple]) -> list[LogEntry]:
    """Audit entries as ``log_action`` writes them: (target, unit, data) per row."""
    request_id = current_request_id()
    return [
        LogEntry(
            action=action,
            actor=None,
            content_type=ContentType.objects.get_for_model(target),
            object_id=str(target.pk),
            object_repr=str(target)[:255],
            unit=unit,
            data=data or {},
            request_id=request_id,
        )
        for target, unit, data in rows
    ]


class FastWriter(Writer):
    def create_people(self) -> None:
        persons: list[tuple[PersonSpec, Person]] = []
        for spec in self.plan.people:
            person = Person()
            people._apply_person_fields(
                person,
                {
                    "family_name": spec.family_name,
                    "middle_name": spec.middle_name,
                    "given_name": spec.given_name,
                    "birth_date": spec.birth_date,
                    "gender": spec.gender,
                    "ethnicity": spec.ethnicity,
                    "citizen_id": spec.citizen_id,
                    "phone": spec.phone,
                },
            )
            person.full_clean(validate_unique=False, validate_constraints=False)
            persons.append((spec, person))
        Person.objects.bulk_create([p for _s, p in persons], batch_size=BATCH)
        LogEntry.objects.bulk_create(
            _entries(
                "person.created",
                [
                    (
                        p,
                        self.units[s.cell or s.affiliations[0].unit],
                        snapshot(p, people.PERSON_FIELDS),
                    )
                    for s, p in persons
                ],
            ),
            batch_size=BATCH,
        )
        members = []
        for spec, person in persons:
            self.persons[spec.key] = person
            if not spec.is_member:
                continue
            people._check_member_dates(spec.admitted_on, spec.official_on, person.birth_date)
            member = PartyMember(
                person=person,
                admitted_on=spec.admitted_on,
                official_on=spec.official_on,
                card_number=nfc(spec.card_number) or None,
                occupation=spec.occupation,
            )
            member.full_clean(exclude=["person"], validate_unique=False, validate_constraints=False)
            members.append(member)
        PartyMember.objects.bulk_create(members, batch_size=BATCH)
        MemberStatus.objects.bulk_create(
            [
                MemberStatus(member=m, status=MemberStatusKind.ACTIVE, valid_from=m.admitted_on)
                for m in members
            ],
            batch_size=BATCH,
        )
        # member_admit files its entry under the person's home unit, and at admission
        # (before any affiliation) there is none.
        LogEntry.objects.bulk_create(
            _entries(
                "member.admitted", [(m, None, snapshot(m, people.MEMBER_FIELDS)) for m in members]
            ),
            batch_size=BATCH,
        )
        for member in members:
            member.person.membership = member

    def run_timeline(self) -> None:
        """Runs of consecutive starts go in one batch; everything else through the services."""
        self.state = None
        batch: list[tuple] = []
        for event in self.timeline():
            if event[3] == "start":
                batch.append(event[4])
                continue
            if batch:
                self.start_batch(batch)
                batch = []
            self.run_event(event)
            if event[3] in ("op", "end", "transfer"):
                self.state = None  # these change who is where: read it again
        if batch:
            self.start_batch(batch)

    def read_state(self) -> dict[str, set]:
        current = Affiliation.objects.current()
        return {
            "active": set(Unit.objects.active().values_list("pk", flat=True)),
            "members": set(PartyMember.objects.values_list("person_id", flat=True)),
            "in_cell": set(
                current.filter(kind=AffiliationKind.CELL).values_list("person_id", flat=True)
            ),
            "residing": set(
                current.filter(kind=AffiliationKind.RESIDENCE).values_list("person_id", flat=True)
            ),
            "headed": set(
                current.filter(kind=AffiliationKind.POSITION, role="head").values_list(
                    "unit_id", flat=True
                )
            ),
        }

    def start_batch(self, batch: list[tuple]) -> None:
        """Start many affiliations at once, with the checks of ``affiliation_start``."""
        if self.state is None:
            self.state = self.read_state()
        state = self.state
        rows = []
        for spec, index in batch:
            aff = spec.affiliations[index]
            person, unit = self.persons[spec.key], self.units[aff.unit]
            fields = {
                k: v
                for k, v in {
                    "title": aff.title,
                    "role": aff.role,
                    "concurrent": aff.concurrent,
                    "state_category": aff.state_category,
                    "residence_exemption": aff.residence_exemption,
                }.items()
                if v
            }
            self._check(person, unit, aff.kind, aff.valid_from, fields, **state)
            cleaned = {k: nfc(v) if isinstance(v, str) else v for k, v in fields.items()}
            affiliation = Affiliation(
                person=person, unit=unit, kind=aff.kind, valid_from=aff.valid_from, **cleaned
            )
            affiliation.full_clean(
                exclude=["person", "unit"], validate_unique=False, validate_constraints=False
            )
            rows.append((spec, index, affiliation, cleaned))
        Affiliation.objects.bulk_create([r[2] for r in rows], batch_size=BATCH)
        LogEntry.objects.bulk_create(
            _entries(
                "affiliation.started",
                [
                    (
                        a,
                        a.unit,
                        {"kind": a.kind, "person": a.person_id, "valid_from": a.valid_from, **c},
                    )
                    for _s, _i, a, c in rows
                ],
            ),
            batch_size=BATCH,
        )
        for spec, index, affiliation, _c in rows:
            self.affiliations[(spec.key, index)] = affiliation

    @staticmethod
    def _check(person, unit, kind, valid_from, fields, active, members, in_cell, residing, headed):
        """``people.services._validate_affiliation`` against the state read for the batch."""
        if valid_from > today():
            raise ValidationError({"valid_from": "The start date cannot be in the future."})
        if unit.pk not in active:
            raise ValidationError({"unit": f"{unit} has been dissolved."})
        if kind in (AffiliationKind.CELL, AffiliationKind.RESIDENCE):
            if unit.kind not in CELL_KINDS:
                raise ValidationError({"unit": f"{unit} is not a party cell."})
            if person.pk not in members:
                raise ValidationError({"person": f"{person} is not a party member."})
        if kind == AffiliationKind.EMPLOYMENT:
            if KIND_GROUP[unit.kind] != UnitGroup.STATE or not fields.get("state_category"):
                raise ValidationError({"unit": f"{unit}: not a state unit or no category."})
        if kind == AffiliationKind.POSITION and not fields.get("title"):
            raise ValidationError({"title": "Enter the title of the post."})
        if kind == AffiliationKind.CELL:
            if person.pk in in_cell:
                raise ValidationError({"unit": f"{person} is already active in a cell."})
            in_cell.add(person.pk)
        if kind == AffiliationKind.RESIDENCE:
            if person.pk in residing:
                raise ValidationError({"unit": f"{person} already has a residence cell."})
            residing.add(person.pk)
        if kind == AffiliationKind.POSITION and fields.get("role") == "head":
            if unit.pk in headed:
                raise ValidationError({"role": f"{unit} already has a head."})
            headed.add(unit.pk)
