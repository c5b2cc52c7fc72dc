"""The bulk paths of ``people.services``: many persons, memberships and affiliations at once.

One service call per row costs about a dozen queries (foreign keys, unique fields, four
conditional unique constraints per affiliation, the audit entry) — most of the time it takes
to load a demo province of thousands of members. These functions write exactly the rows and
audit entries the services write, after the same checks and the same policy: the services'
own helpers, with what the checks look up read once per call for the rows of the call only
(in chunks), then kept current in memory row by row. The rows go in with ``bulk_create``, the
audit entries with ``audit.services.log_actions_bulk``; the database's unique constraints stay
the backstop against a concurrent writer. ``demo/tests/test_generator.py`` compares both paths
row for row; ``people/tests/test_bulk.py`` checks the refusals.

(The importer has its own bulk path, tuned for files of 100,000 rows and their row-by-row
error report: ``imports.services.create_in_bulk``.)
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kiemdiem.audit.services import log_actions_bulk, log_row, snapshot
from kiemdiem.common.dates import check_change_date, today
from kiemdiem.common.vietnamese import nfc
from kiemdiem.orgtree.models import Unit
from kiemdiem.people import policies
from kiemdiem.people.models import (
    Affiliation,
    AffiliationKind,
    MemberStatus,
    MemberStatusKind,
    PartyMember,
    Person,
)
from kiemdiem.people.services import (
    AFFILIATION_FIELDS,
    MEMBER_FIELDS,
    PERSON_FIELDS,
    Current,
    _apply_person_fields,
    _check_member_dates,
    _refuse_unit,
    _validate_affiliation,
    check_create,
)

BATCH = 500  # rows per INSERT
CHUNK = 5_000  # ids per look-up query (SQLite allows 32,766 parameters)
MEMBERSHIP_FIELDS = {"admitted_on", "official_on", "card_number", "occupation", "unit"}


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _check_unique(model, name: str, values: list) -> None:
    """The unique-field check of ``full_clean`` for many rows: within them and against the
    table, with Django's own message."""
    seen: set = set()
    taken: set = set()
    for value in values:
        if value is not None and value in seen:
            taken.add(value)
        seen.add(value)
    seen.discard(None)
    for chunk in _chunks(seen):
        taken.update(model.objects.filter(**{f"{name}__in": chunk}).values_list(name, flat=True))
    if taken:
        instance = model(**{name: sorted(taken)[0]})
        raise ValidationError({name: [instance.unique_error_message(model, (name,))]})


@dataclass
class NewPerson:
    """``person_create(unit=unit, **fields)`` and, with ``membership``, then
    ``member_admit(person=…, **membership)``."""

    fields: dict[str, Any]
    unit: Unit | None = None
    membership: dict[str, Any] | None = None


@transaction.atomic
def people_create_bulk(rows: Sequence[NewPerson], *, actor) -> list[Person]:
    """Create the persons (and their memberships); each person admitted has ``.membership``."""
    on = today()
    persons = []
    for row in rows:
        unknown = set(row.fields) - set(PERSON_FIELDS)
        if unknown:
            raise TypeError(f"unknown person fields: {sorted(unknown)}")
        check_create(actor, row.unit)
        person = Person()
        _apply_person_fields(person, row.fields, on=on)
        person.full_clean(validate_unique=False, validate_constraints=False)
        persons.append(person)
    _check_unique(Person, "citizen_id", [p.citizen_id for p in persons])
    Person.objects.bulk_create(persons, batch_size=BATCH)

    members: list[tuple[PartyMember, Unit | None]] = []
    for row, person in zip(rows, persons, strict=True):
        if row.membership is None:
            continue
        unknown = set(row.membership) - MEMBERSHIP_FIELDS
        if unknown:
            raise TypeError(f"unknown membership fields: {sorted(unknown)}")
        m = row.membership
        policies.check(policies.may_admit(actor, person, m.get("unit")))
        _check_member_dates(m["admitted_on"], m.get("official_on"), person.birth_date, on=on)
        member = PartyMember(
            person=person,
            admitted_on=m["admitted_on"],
            official_on=m.get("official_on"),
            card_number=nfc(m.get("card_number")) or None,
            occupation=m.get("occupation", "cbccvc"),
        )
        member.full_clean(exclude=["person"], validate_unique=False, validate_constraints=False)
        members.append((member, m.get("unit")))
    _check_unique(PartyMember, "card_number", [m.card_number for m, _u in members])
    PartyMember.objects.bulk_create([m for m, _u in members], batch_size=BATCH)
    MemberStatus.objects.bulk_create(
        [
            MemberStatus(member=m, status=MemberStatusKind.ACTIVE, valid_from=m.admitted_on)
            for m, _u in members
        ],
        batch_size=BATCH,
    )
    # A new member has no affiliation yet: member_admit files the entry under ``unit`` alone.
    log_actions_bulk(
        [
            log_row("person.created", p, unit=row.unit, data=snapshot(p, PERSON_FIELDS))
            for row, p in zip(rows, persons, strict=True)
        ]
        + [
            log_row("member.admitted", m, unit=unit, data=snapshot(m, MEMBER_FIELDS))
            for m, unit in members
        ],
        actor=actor,
    )
    for member, _unit in members:
        member.person.membership = member
    return persons


@dataclass
class NewAffiliation:
    """``affiliation_start(person=…, unit=…, kind=…, valid_from=…, **fields)``."""

    person: Person
    unit: Unit
    kind: str
    valid_from: datetime.date
    fields: dict[str, Any] = field(default_factory=dict)


class _Known(Current):
    """``Current`` for the persons and units of one call, read at its start (one query per
    question and chunk) and kept current as its rows are accepted."""

    def __init__(self, rows: Sequence[NewAffiliation]):
        persons = {row.person.pk for row in rows}
        units = {row.unit.pk for row in rows}
        now = Affiliation.objects.current()
        self.active: set[int] = set()
        self.members: set[int] = set()
        self.cells: dict[int, int] = {}  # person -> their current cell
        self.residing: set[int] = set()
        self.heads: dict[int, int] = {}  # unit -> its current head
        for chunk in _chunks(units):
            self.active.update(
                Unit.objects.active().filter(pk__in=chunk).values_list("pk", flat=True)
            )
            heads = now.filter(unit_id__in=chunk, kind=AffiliationKind.POSITION, role="head")
            self.heads.update(heads.values_list("unit_id", "person_id"))
        for chunk in _chunks(persons):
            self.members.update(
                PartyMember.objects.filter(person_id__in=chunk).values_list("person_id", flat=True)
            )
            cells = now.filter(person_id__in=chunk, kind=AffiliationKind.CELL)
            self.cells.update(cells.values_list("person_id", "unit_id"))
            residence = now.filter(person_id__in=chunk, kind=AffiliationKind.RESIDENCE)
            self.residing.update(residence.values_list("person_id", flat=True))

    def unit_active(self, unit: Unit) -> bool:
        return unit.pk in self.active

    def is_member(self, person: Person) -> bool:
        return person.pk in self.members

    def cell_of(self, person: Person) -> Unit | None:
        cell = self.cells.get(person.pk)
        return Unit.objects.get(pk=cell) if cell else None  # read only to name it

    def has_residence(self, person: Person) -> bool:
        return person.pk in self.residing

    def head_of(self, unit: Unit) -> Person | None:
        head = self.heads.get(unit.pk)
        return Person.objects.get(pk=head) if head else None  # read only to name it

    def started(self, affiliation: Affiliation) -> None:
        person, unit = affiliation.person_id, affiliation.unit_id
        if affiliation.kind == AffiliationKind.CELL:
            self.cells[person] = unit
        elif affiliation.kind == AffiliationKind.RESIDENCE:
            self.residing.add(person)
        elif affiliation.kind == AffiliationKind.POSITION and affiliation.role == "head":
            self.heads[unit] = person


@transaction.atomic
def affiliations_start_bulk(rows: Sequence[NewAffiliation], *, actor) -> list[Affiliation]:
    """Start the affiliations, in order (a later row sees the earlier ones)."""
    known = _Known(rows)
    affiliations, cleaned_fields = [], []
    for row in rows:
        unknown = set(row.fields) - set(AFFILIATION_FIELDS)
        if unknown:
            raise TypeError(f"unknown affiliation fields: {sorted(unknown)}")
        if not policies.may_start_affiliation(actor, row.person, row.unit):
            _refuse_unit(row.unit)
        check_change_date(row.valid_from, field="valid_from")
        _validate_affiliation(row.person, row.unit, row.kind, row.fields, known)
        cleaned = {k: nfc(v) if isinstance(v, str) else v for k, v in row.fields.items()}
        affiliation = Affiliation(
            person=row.person, unit=row.unit, kind=row.kind, valid_from=row.valid_from, **cleaned
        )
        affiliation.full_clean(exclude=["person", "unit"], validate_constraints=False)
        known.started(affiliation)
        affiliations.append(affiliation)
        cleaned_fields.append(cleaned)
    Affiliation.objects.bulk_create(affiliations, batch_size=BATCH)
    log_actions_bulk(
        (
            log_row(
                "affiliation.started",
                a,
                unit=a.unit,
                data={"kind": a.kind, "person": a.person_id, "valid_from": a.valid_from, **c},
            )
            for a, c in zip(affiliations, cleaned_fields, strict=True)
        ),
        actor=actor,
    )
    return affiliations
