"""Import jobs: store the upload, validate everything, then commit in ONE transaction.

``import_validate`` reads the file (streamed) and reports every problem without writing any
data. ``import_commit`` reads it again and writes: units through ``orgtree.services``; people
that already exist through ``people.services`` (one service call per change), and new people
through a bulk path that runs the services' own checks during validation and writes the very
rows and audit entries the services would (``tests/test_equivalence.py`` compares the two).
A killed process rolls the whole transaction back: the database stays as it was.
"""

from __future__ import annotations

import datetime
import json
import logging
import pickle
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext

from kiemdiem.accounts.models import Action
from kiemdiem.audit.services import LogRow, log_action, log_actions_bulk
from kiemdiem.common import fastinsert
from kiemdiem.common.dates import today
from kiemdiem.common.vietnamese import fold_diacritics, nfc
from kiemdiem.imports import policies, text
from kiemdiem.imports.limits import LimitError
from kiemdiem.imports.messages import Message
from kiemdiem.imports.messages import deferred as _  # problems: translated when read
from kiemdiem.imports.models import ImportJob, ImportKind, JobStatus
from kiemdiem.imports.readers import ReadError, detect_format, open_table
from kiemdiem.imports.text import CsvEncodingError
from kiemdiem.imports.validation import (
    PERSON_COLUMNS,
    PersonRecord,
    Problem,
    Problems,
    RowReader,
    UnitIndex,
    UnitRecord,
)
from kiemdiem.orgtree import services as tree
from kiemdiem.orgtree.models import Unit
from kiemdiem.people import services as people
from kiemdiem.people.models import (
    Affiliation,
    AffiliationKind,
    MemberStatus,
    MemberStatusKind,
    PartyMember,
    Person,
)
from kiemdiem.people.policies import changeable_people

BATCH = 2000
ANALYZE_AFTER = 10_000  # people created or updated by one import
_SEARCH_TEXT_AT = PERSON_COLUMNS.index("search_text")
PREVIEW_PROBLEMS = 200

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]


class ImportFailed(Exception):
    pass


# --- jobs ---------------------------------------------------------------------------------


@transaction.atomic  # a file that cannot be stored leaves no job waiting for it
def job_create(*, user, unit: Unit, kind: str, filename: str, chunks) -> ImportJob:
    """Store an upload (``chunks``: an iterable of bytes) as a queued job. Needs ``change`` on
    ``unit`` (``imports.policies``; PermissionDenied, nothing stored)."""
    if not policies.may_import(user, unit):
        raise PermissionDenied
    fmt = detect_format(filename)
    if fmt is None:
        raise ValidationError({"file": gettext("Choose a .xlsx, .xls, .ods or .csv file.")})
    if kind not in ImportKind.values:
        raise ValidationError({"kind": gettext("Choose what the file contains.")})
    job = ImportJob.objects.create(
        created_by=user if getattr(user, "pk", None) else None,
        unit=unit,
        kind=kind,
        original_name=filename[:255],
        file_format=fmt,
    )
    job.folder.mkdir(parents=True, exist_ok=True)
    with open(job.source_path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return job


def _mark_working(job: ImportJob, status: str) -> None:
    job.status = status
    job.save(update_fields=["status"])


def _failure_text(exc: Exception) -> str:
    """What a failed job shows: our own messages; a library's or database's text is logged."""
    if isinstance(exc, ImportFailed):
        return str(exc)
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    log.error("import failed", exc_info=exc)
    return gettext("The file could not be processed; the error was logged for the administrator.")


def job_delete_files(job: ImportJob) -> None:
    shutil.rmtree(job.folder, ignore_errors=True)


def _user(job: ImportJob):
    return job.created_by


# --- reading ------------------------------------------------------------------------------


@dataclass
class Reading:
    problems: Problems
    sheet: str = ""
    columns: dict = field(default_factory=dict)
    header_row: int = 0
    committing: bool = False
    # Legacy encodings: each column's context for reading its cells (None: judge each cell on
    # its own and count the columns' texts into ``texts``, see ``text.py``).
    contexts: dict | None = None
    texts: dict = field(default_factory=dict)


def _records(job: ImportJob, units: UnitIndex, reading: Reading) -> Iterator:
    """Parsed rows of the job's file (None for a row with errors)."""
    try:
        table = open_table(job.source_path, job.file_format, job.kind)
    except LimitError as exc:  # over a limit, or unreadable: nothing was read
        reading.problems.add(Problem("", 0, "", "", exc.code, exc.message))
        return
    except CsvEncodingError as exc:
        reading.problems.add(
            Problem("", 0, "", "", "file.encoding", Message.from_encoding(exc.problem))
        )
        return
    except ReadError:
        reading.problems.add(
            Problem(
                "",
                0,
                "",
                "",
                "file.header",
                _(
                    "No header row found: the file must have the template's column headers "
                    "(download the template)."
                ),
            )
        )
        return
    reading.sheet, reading.columns, reading.header_row = (
        table.sheet,
        table.columns,
        table.header_row,
    )
    reader = RowReader(job.kind, table.sheet, table.columns, units, reading.problems)
    reader.full_checks = not reading.committing
    reader.contexts = reading.contexts
    reading.texts = reader.texts
    parse = {
        ImportKind.PEOPLE: reader.person,
        ImportKind.UNITS: reader.unit_row,
        ImportKind.REGISTER: reader.register_row,
    }[ImportKind(job.kind)]
    try:
        for number, cells in table.rows:
            yield number, parse(number, cells)
    except LimitError as exc:  # a row beyond the limits: stop reading, the file is refused
        reading.problems.add(Problem(table.sheet, 0, "", "", exc.code, exc.message), first=True)


# --- people: matching and changes -----------------------------------------------------------


@dataclass
class PersonPlan:
    record: PersonRecord
    pk: int | None = None  # the existing person found for the record; None: a new person
    ops: list = field(default_factory=list)  # (name, kwargs) service calls for an existing one


class Stored(NamedTuple):
    """What is stored about an existing person, read as plain values (no model instances)."""

    person: dict  # PERSON_FIELDS
    member_pk: int | None
    member: dict | None  # MEMBER_FIELDS
    status: str | None  # the open status
    current: list  # CurrentAffiliation


class CurrentAffiliation(NamedTuple):
    pk: int
    unit_id: int
    kind: str
    title: str
    role: str
    state_category: str
    valid_from: datetime.date


_AFFILIATION_VALUES = ("pk", "person_id", "unit_id", "kind", "title", "role", "state_category")
_POST_COLUMNS = ("posts", "collectives", "employment")


def _stored(pks) -> dict[int, Stored]:
    """Everything ``PeopleMatcher._changes`` compares, for the people ``pks``, in 4 queries."""
    persons = {
        row[0]: dict(zip(people.PERSON_FIELDS, row[1:], strict=True))
        for row in Person.objects.filter(pk__in=_in(pks))
        .order_by()
        .values_list("pk", *people.PERSON_FIELDS)
    }
    members = {
        row[0]: (row[1], dict(zip(people.MEMBER_FIELDS, row[2:], strict=True)))
        for row in PartyMember.objects.filter(person_id__in=_in(pks)).values_list(
            "person_id", "pk", *people.MEMBER_FIELDS
        )
    }
    statuses = dict(
        MemberStatus.objects.filter(
            member_id__in=_in(pk for pk, _member in members.values()), valid_to__isnull=True
        )
        .order_by()
        .values_list("member_id", "status")
    )
    current: dict[int, list] = {}
    for pk, person_id, *rest in (
        Affiliation.objects.current()
        .filter(person_id__in=_in(pks))
        .order_by("valid_from", "pk")
        .values_list(*_AFFILIATION_VALUES, "valid_from")
    ):
        current.setdefault(person_id, []).append(CurrentAffiliation(pk, *rest))
    out = {}
    for pk, person in persons.items():
        member_pk, member = members.get(pk, (None, None))
        out[pk] = Stored(person, member_pk, member, statuses.get(member_pk), current.get(pk, []))
    return out


def _column_of(affiliation: CurrentAffiliation, units: UnitIndex) -> str | None:
    info = units.by_pk.get(affiliation.unit_id)
    if affiliation.kind == AffiliationKind.EMPLOYMENT:
        return "employment"
    if affiliation.kind == AffiliationKind.POSITION:
        return "collectives" if info and info.group == "collective" else "posts"
    return None


def _post_key(a: CurrentAffiliation) -> tuple:
    return (a.unit_id, a.kind, fold_diacritics(a.title), a.role or "", a.state_category or "")


def _folded_name(rec: PersonRecord) -> str:
    """``Person.search_text`` of the record's name (computed in validation when it ran)."""
    if rec.values is not None:
        return rec.values[_SEARCH_TEXT_AT]
    return fold_diacritics(rec.full_name)


def _in(values):
    """The right-hand side of an ``__in`` lookup for a batch of values.

    On PostgreSQL the values go as one array parameter: building, quoting and parsing an
    ``IN`` list of 2,000 placeholders per query costs more than the query itself.
    """
    values = list(values)
    if connection.vendor == "postgresql" and values:
        kind = "bigint" if isinstance(values[0], int) else "text"
        return RawSQL(f"SELECT unnest(%s::{kind}[])", [values])
    return values


class PeopleMatcher:
    """Finds who already exists for a batch of records, and what would change."""

    def __init__(
        self, job: ImportJob, units: UnitIndex, problems: Problems, sheet: str, columns: dict
    ):
        from kiemdiem.accounts.permissions import restrict

        self.job, self.units, self.problems = job, units, problems
        self.sheet, self.columns = sheet, columns
        self.restrict = restrict
        self.user = _user(job)
        self.today = today()
        self.heads = set(
            Affiliation.objects.current()
            .filter(kind=AffiliationKind.POSITION, role="head")
            .values_list("unit_id", "person_id")
        )

    def _error(self, rec: PersonRecord, key: str | None, code: str, message: Message) -> None:
        from kiemdiem.imports.columns import COLUMNS

        header = next((c.header for c in COLUMNS["people"] if c.key == key), "")
        self.problems.add(
            Problem(
                self.sheet,
                rec.row,
                rec.refs.get(key, "") if key else "",
                header,
                code,
                message,
            )
        )

    def plan(self, batch: list[PersonRecord]) -> list[PersonPlan]:
        cids = {r.fields["citizen_id"] for r in batch if r.fields.get("citizen_id")}
        cards = {
            r.membership["card_number"]
            for r in batch
            if r.membership and r.membership.get("card_number")
        }
        # Names identify only the rows without a citizen ID or a card number.
        names = {
            _folded_name(r)
            for r in batch
            if not r.fields.get("citizen_id")
            and not (r.membership and r.membership.get("card_number"))
        }
        by_cid = dict(
            Person.objects.filter(citizen_id__in=_in(cids))
            .order_by()
            .values_list("citizen_id", "pk")
            if cids
            else ()
        )
        by_card = dict(
            PartyMember.objects.filter(card_number__in=_in(cards)).values_list(
                "card_number", "person_id"
            )
            if cards
            else ()
        )
        by_name: dict[tuple, list[int]] = {}
        if names:
            for pk, folded, birth in (
                Person.objects.filter(search_text__in=_in(names), citizen_id__isnull=True)
                .order_by()
                .values_list("pk", "search_text", "birth_date")
            ):
                by_name.setdefault((folded, birth), []).append(pk)
        wanted: dict[int, PersonRecord] = {}
        plans: list[PersonPlan] = []
        for rec in batch:
            pk = None
            cid = rec.fields.get("citizen_id")
            card = rec.membership.get("card_number") if rec.membership else None
            if cid and cid in by_cid:
                pk = by_cid[cid]
            elif card and card in by_card:
                pk = by_card[card]
            elif not cid and not card:
                found = by_name.get((_folded_name(rec), rec.fields.get("birth_date")), [])
                if len(found) > 1:
                    self._error(
                        rec,
                        "family_name" if "family_name" in rec.refs else None,
                        "person.ambiguous",
                        _(
                            "Several people have this name and date of birth; add the "
                            "citizen ID to tell them apart."
                        ),
                    )
                    continue
                pk = found[0] if found else None
            if card and card in by_card and pk is not None and by_card[card] != pk:
                self._error(
                    rec,
                    "card_number",
                    "person.card_taken",
                    _("This party card number belongs to another person."),
                )
                continue
            plans.append(PersonPlan(rec, pk))
            if pk is not None:
                wanted[pk] = rec
        members = set(
            PartyMember.objects.filter(person_id__in=_in(wanted)).values_list(
                "person_id", flat=True
            )
            if wanted
            else ()
        )
        for plan in plans:
            rec = plan.record
            if (rec.cell or rec.residence) and not rec.membership and plan.pk not in members:
                key = "cell" if rec.cell else "residence"
                self._error(
                    rec, key, "cell.not_member", _("Only party members belong to a party cell.")
                )
                plan.record = None
        if wanted:
            linked = set(
                self.restrict(Person.objects.filter(pk__in=_in(wanted)), self.user, Action.CHANGE)
                .order_by()
                .values_list("pk", flat=True)
            )
            # Details, membership, status and cell only where the person's membership (else
            # work) is: a residence registration here is no licence to rewrite them.
            changeable = set(
                changeable_people(self.user)
                .filter(pk__in=_in(wanted))
                .order_by()
                .values_list("pk", flat=True)
            )
            stored = _stored(list(wanted))
            for plan in plans:
                pk = plan.pk
                if pk is None or plan.record is None:
                    continue
                if pk not in linked:
                    self._error(
                        plan.record,
                        None,
                        "person.out_of_scope",
                        _(
                            "This person already exists and belongs to units outside "
                            "your scope; ask the unit that manages them."
                        ),
                    )
                    plan.record = None
                    continue
                plan.ops = self._changes(plan.record, stored[pk])
                if pk not in changeable and not self._only_here(plan.ops, stored[pk]):
                    self._error(
                        plan.record,
                        None,
                        "person.home_elsewhere",
                        _(
                            "This person's party cell or workplace is outside your scope: "
                            "here you may only change their posts and residence "
                            "registration in your units; ask the unit that manages them."
                        ),
                    )
                    plan.record = None
        plans = [p for p in plans if p.record is not None]
        for plan in plans:
            self._check_heads(plan)
        return plans

    def _only_here(self, ops: list, stored: Stored) -> bool:
        """Whether ``ops`` only start or end affiliations in the import's units (what may be
        done for someone whose home is elsewhere: ``people.policies``)."""
        units = {a.pk: a.unit_id for a in stored.current}
        for name, kw in ops:
            if name == "start":
                unit_id = kw["unit_id"]
            elif name in ("end", "restart"):
                unit_id = units.get(kw["affiliation"])
            else:
                return False
            info = self.units.by_pk.get(unit_id)
            if info is None or not info.in_scope:
                return False
        return True

    def _check_heads(self, plan: PersonPlan) -> None:
        person_pk = plan.pk
        for entry in plan.record.all_posts():
            if entry.fields.get("role") != "head":
                continue
            holders = {p for u, p in self.heads if u == entry.unit.pk}
            if holders - {person_pk}:
                self._error(
                    plan.record,
                    entry.column,
                    "post.head_taken",
                    _("Unit “%(code)s” already has a head.") % {"code": entry.unit.code},
                )

    def _changes(self, rec: PersonRecord, stored: Stored) -> list:
        """The service calls that bring the stored person to what the row says (none: same)."""
        ops = []
        day = self.today
        fields = {k: v for k, v in rec.fields.items() if v not in (None, "")}
        if any(stored.person[k] != v for k, v in fields.items()):
            ops.append(("person_update", fields))
        member = stored.member
        if rec.membership:
            given = {k: v for k, v in rec.membership.items() if v not in (None, "")}
            if member is None:
                ops.append(("member_admit", given))
            elif any(member[k] != v for k, v in given.items()):
                ops.append(("member_update", {**member, **given}))
        if rec.status and rec.membership:
            if stored.status != rec.status:
                ops.append(("status", {"status": rec.status, "effective": rec.status_from or day}))
        current = stored.current
        by_kind: dict[str, list[CurrentAffiliation]] = {}
        for a in current:
            by_kind.setdefault(a.kind, []).append(a)
        cell = (by_kind.get("cell") or [None])[0]
        if rec.cell and (cell is None or cell.unit_id != rec.cell.pk):
            if cell is None:
                ops.append(
                    (
                        "start",
                        {
                            "unit_id": rec.cell.pk,
                            "kind": "cell",
                            "valid_from": rec.cell_from or day,
                            "fields": {},
                        },
                    )
                )
            else:
                when = rec.cell_from if rec.cell_from and rec.cell_from > cell.valid_from else day
                ops.append(("transfer", {"to_cell_id": rec.cell.pk, "effective": when}))
        residence = (by_kind.get("residence") or [None])[0]
        if rec.residence and (residence is None or residence.unit_id != rec.residence.pk):
            if residence is not None:
                ops.append(("end", {"affiliation": residence.pk, "valid_to": day}))
            ops.append(
                (
                    "start",
                    {
                        "unit_id": rec.residence.pk,
                        "kind": "residence",
                        "valid_from": rec.residence_from or day,
                        "fields": {},
                    },
                )
            )
        for column, entries in rec.posts.items():
            existing = [
                a
                for a in current
                if _column_of(a, self.units) == column
                and self.units.by_pk.get(a.unit_id)
                and self.units.by_pk[a.unit_id].in_scope
            ]
            keys = {e.key() for e in entries}
            have: dict[tuple, CurrentAffiliation] = {}
            for a in existing:
                have.setdefault(_post_key(a), a)
            for a in existing:
                if _post_key(a) not in keys:
                    ops.append(("end", {"affiliation": a.pk, "valid_to": day}))
            for e in entries:
                held = have.get(e.key())
                if held is None:
                    ops.append(
                        (
                            "start",
                            {
                                "unit_id": e.unit.pk,
                                "kind": e.kind,
                                "valid_from": e.valid_from or rec.cell_from or day,
                                "fields": e.fields,
                            },
                        )
                    )
                elif e.valid_from and e.valid_from != held.valid_from:
                    # The same post with another start date: the file corrects the date.
                    ops.append(("restart", {"affiliation": held.pk, "valid_from": e.valid_from}))
        return ops


def _apply_ops(person_pk: int, ops: list, actor) -> None:
    """Run the service calls planned for an existing person, in order."""
    person = Person.objects.select_related("membership").get(pk=person_pk)
    for name, kw in ops:
        if name == "person_update":
            people.person_update(person=person, actor=actor, **kw)
        elif name == "member_admit":
            people.member_admit(person=person, actor=actor, **kw)
            person = Person.objects.select_related("membership").get(pk=person_pk)
        elif name == "member_update":
            people.member_update(member=person.membership, actor=actor, **kw)
        elif name == "status":
            people.member_status_change(
                member=PartyMember.objects.get(person=person), actor=actor, **kw
            )
        elif name == "transfer":
            people.member_transfer(
                person=person,
                to_cell=Unit.objects.get(pk=kw["to_cell_id"]),
                effective=kw["effective"],
                actor=actor,
            )
        elif name == "end":
            people.affiliation_end(
                affiliation=Affiliation.objects.get(pk=kw["affiliation"]),
                valid_to=kw["valid_to"],
                actor=actor,
            )
        elif name == "restart":
            people.affiliation_update(
                affiliation=Affiliation.objects.get(pk=kw["affiliation"]),
                valid_from=kw["valid_from"],
                actor=actor,
            )
        elif name == "start":
            people.affiliation_start(
                person=person,
                unit=Unit.objects.get(pk=kw["unit_id"]),
                kind=kw["kind"],
                valid_from=kw["valid_from"],
                actor=actor,
                **kw["fields"],
            )


# --- people: new persons -------------------------------------------------------------------


def _affiliation_specs(rec: PersonRecord, day: datetime.date | None = None) -> list[tuple]:
    """(unit pk, kind, valid_from, fields) in the order the services path starts them."""
    day = day or today()
    default = rec.cell_from or day
    specs = []
    if rec.cell:
        specs.append((rec.cell.pk, "cell", default, {}))
    if rec.residence:
        specs.append((rec.residence.pk, "residence", rec.residence_from or day, {}))
    for e in rec.all_posts():
        specs.append((e.unit.pk, e.kind, e.valid_from or default, dict(e.fields)))
    return specs


def _person_fields(rec: PersonRecord) -> dict:
    return {
        k: v
        for k, v in rec.fields.items()
        if v is not None and (v != "" or k in ("middle_name", "phone", "email", "gender"))
    }


def person_values(rec: PersonRecord) -> tuple:
    """The person's column values (``PERSON_COLUMNS``) as ``person_create`` computes them."""
    probe = Person()
    people._apply_person_fields(probe, _person_fields(rec))
    return tuple(getattr(probe, name) for name in PERSON_COLUMNS)


def _membership(rec: PersonRecord) -> dict:
    m = dict(rec.membership)
    m["occupation"] = m.get("occupation") or "cbccvc"
    return m


def create_via_services(rec: PersonRecord, actor) -> Person:
    """The reference path: one new person through the services (used for small files too)."""
    home = Unit.objects.get(pk=rec.home.pk)
    person = people.person_create(actor=actor, unit=home, **_person_fields(rec))
    if rec.membership:
        people.member_admit(person=person, unit=home, actor=actor, **_membership(rec))
    for unit_pk, kind, valid_from, fields in _affiliation_specs(rec):
        people.affiliation_start(
            person=person,
            unit=Unit.objects.get(pk=unit_pk),
            kind=kind,
            valid_from=valid_from,
            actor=actor,
            **fields,
        )
    if rec.membership and rec.status and rec.status != MemberStatusKind.ACTIVE:
        people.member_status_change(
            member=person.membership, status=rec.status, effective=rec.status_from, actor=actor
        )
    return person


class BulkWriter:
    """What the bulk path needs once per commit: today's date, labels, unit names."""

    def __init__(self):
        self.today = today()
        # Affiliation.__str__ names the kind in the current language when there is no title.
        self.kind_labels = {value: str(label) for value, label in AffiliationKind.choices}
        self.unit_names: dict[int, str] = {}

    def names_of(self, unit_ids: set[int]) -> dict[int, str]:
        missing = unit_ids - self.unit_names.keys()
        if missing:
            self.unit_names.update(Unit.objects.filter(pk__in=missing).values_list("pk", "name"))
        return self.unit_names


_PERSON_COLUMNS = ("id", *PERSON_COLUMNS)
_MEMBER_COLUMNS = ("id", "person_id", "card_number", "admitted_on", "official_on", "occupation")
# Nothing refers to a status or an audit entry: their keys come from the table's own default.
_STATUS_COLUMNS = ("member_id", "status", "valid_from", "valid_to", "reason")
_AFFILIATION_COLUMNS = (
    "id",
    "person_id",
    "unit_id",
    "kind",
    "title",
    "role",
    "concurrent",
    "state_category",
    "residence_exemption",
    "valid_from",
    "valid_to",
    "note",
)
# Positions in PERSON_COLUMNS of the audited PERSON_FIELDS, for the ``person.created`` snapshot.
_SNAPSHOT_AT = [(name, PERSON_COLUMNS.index(name)) for name in people.PERSON_FIELDS]
_FULL_NAME_AT = PERSON_COLUMNS.index("full_name")


def _day(value) -> str | None:
    return None if value is None else str(value)  # as audit.services.snapshot writes dates


def create_in_bulk(records: list[PersonRecord], actor, writer: BulkWriter | None = None) -> None:
    """Write what ``create_via_services`` writes, with one COPY per table per batch.

    The rows are built as tuples straight from the records: the person's column values were
    computed in validation by the services' own ``_apply_person_fields`` (``record.values``),
    and the audit entries carry the very data ``log_action`` would write (``log_actions_bulk``).
    """
    if not records:
        return
    w = writer or BulkWriter()
    today_ = w.today
    person_ids = fastinsert.reserve_ids(Person, len(records))
    person_rows, logs = [], []
    members, affiliations = [], []  # (record, person id, values…)
    for rec, pk in zip(records, person_ids, strict=True):
        values = rec.values or person_values(rec)
        person_rows.append((pk, *values))
        home = rec.home.pk
        full_name = values[_FULL_NAME_AT]
        snap = {}
        for name, at in _SNAPSHOT_AT:
            value = values[at]
            snap[name] = str(value) if isinstance(value, datetime.date) else value
        logs.append(LogRow("person.created", Person, pk, full_name, home, snap))
        if rec.membership:
            members.append((rec, pk, full_name, home))
        for unit_pk, kind, valid_from, fields in _affiliation_specs(rec, today_):
            affiliations.append((pk, full_name, unit_pk, kind, valid_from, fields))
    fastinsert.insert_rows(Person, _PERSON_COLUMNS, person_rows)

    member_ids = fastinsert.reserve_ids(PartyMember, len(members))
    member_rows, status_specs, status_logs = [], [], []
    for (rec, person_pk, full_name, home), pk in zip(members, member_ids, strict=True):
        m = _membership(rec)
        card = nfc(m.get("card_number")) or None
        admitted, official = m["admitted_on"], m.get("official_on")
        member_rows.append((pk, person_pk, card, admitted, official, m["occupation"]))
        logs.append(
            LogRow(
                "member.admitted",
                PartyMember,
                pk,
                full_name,
                home,
                {
                    "card_number": card,
                    "admitted_on": _day(admitted),
                    "official_on": _day(official),
                    "occupation": m["occupation"],
                },
            )
        )
        inactive = rec.status and rec.status != MemberStatusKind.ACTIVE
        status_specs.append(
            (pk, MemberStatusKind.ACTIVE.value, admitted, rec.status_from if inactive else None)
        )
        if inactive:
            status_specs.append((pk, rec.status, rec.status_from, None))
            status_logs.append(
                LogRow(
                    "member.status_changed",
                    PartyMember,
                    pk,
                    full_name,
                    home,
                    {
                        "status": ["active", rec.status],
                        "effective": rec.status_from.isoformat(),
                        "reason": "",
                    },
                )
            )
    fastinsert.insert_rows(PartyMember, _MEMBER_COLUMNS, member_rows)
    fastinsert.insert_rows(
        MemberStatus,
        _STATUS_COLUMNS,
        ((member, status, start, end, "") for member, status, start, end in status_specs),
    )

    names = w.names_of({a[2] for a in affiliations})
    labels = w.kind_labels
    affiliation_ids = fastinsert.reserve_ids(Affiliation, len(affiliations))
    affiliation_rows = []
    for pk, (person_pk, full_name, unit_pk, kind, valid_from, fields) in zip(
        affiliation_ids, affiliations, strict=True
    ):
        cleaned = {k: nfc(v) if isinstance(v, str) else v for k, v in fields.items()}
        title = cleaned.get("title", "")
        affiliation_rows.append(
            (
                pk,
                person_pk,
                unit_pk,
                kind,
                title,
                cleaned.get("role", ""),
                cleaned.get("concurrent", False),
                cleaned.get("state_category", ""),
                cleaned.get("residence_exemption", ""),
                valid_from,
                None,
                cleaned.get("note", ""),
            )
        )
        logs.append(
            LogRow(
                "affiliation.started",
                Affiliation,
                pk,
                f"{full_name} — {title or labels[kind]} — {names[unit_pk]}",
                unit_pk,
                # Dates as DjangoJSONEncoder writes them (no encoder call back per row).
                {
                    "kind": kind,
                    "person": person_pk,
                    "valid_from": valid_from.isoformat(),
                    **cleaned,
                },
            )
        )
    fastinsert.insert_rows(Affiliation, _AFFILIATION_COLUMNS, affiliation_rows)

    logs += status_logs
    log_actions_bulk(logs, actor=actor)


# --- people: validate and commit ----------------------------------------------------------


def _owner(rec: PersonRecord) -> tuple:
    """(full name, folded name, birth date): who a row of the file is."""
    return rec.full_name, _folded_name(rec), rec.fields.get("birth_date")


def _other_person(a: tuple, b: tuple) -> bool:
    """Two rows (``_owner``) name different people: other names, or other birth dates."""
    return a[1] != b[1] or (a[2] is not None and b[2] is not None and a[2] != b[2])


def _people_pass(
    job: ImportJob,
    reading: Reading,
    *,
    commit: bool,
    actor=None,
    bulk=True,
    progress: ProgressFn | None = None,
    total: int = 0,
) -> dict:
    units = UnitIndex(job.unit.path)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rows": 0}
    seen: dict[tuple, tuple[int, str]] = {}  # identity → (row, cell code)
    owners: dict[tuple, tuple] = {}  # citizen ID identity → the person named on its first row
    cids: dict[str, int] = {}
    cards: dict[str, int] = {}
    heads: dict[int, int] = {}
    matcher = None
    writer = None
    batch: list[PersonRecord] = []

    cache_path = job.folder / "records.pickle"
    cache = None if commit else open(cache_path, "wb")  # noqa: SIM115

    def flush():
        nonlocal matcher, writer
        if matcher is None:
            matcher = PeopleMatcher(job, units, reading.problems, reading.sheet, reading.columns)
        if cache is not None:
            pickle.dump(batch, cache, protocol=pickle.HIGHEST_PROTOCOL)
        plans = matcher.plan(batch)
        new = [p.record for p in plans if p.pk is None]
        changed = [p for p in plans if p.pk is not None and p.ops]
        counts["created"] += len(new)
        counts["updated"] += len(changed)
        counts["unchanged"] += len(plans) - len(new) - len(changed)
        if commit:
            if reading.problems.errors:
                raise ImportFailed(gettext("The file changed since it was checked."))
            for plan in changed:
                try:
                    _apply_ops(plan.pk, plan.ops, actor)
                except ValidationError as exc:
                    raise ImportFailed(
                        gettext("Row %(row)s: %(message)s")
                        % {"row": plan.record.row, "message": "; ".join(exc.messages)}
                    ) from exc
            if bulk:
                writer = writer or BulkWriter()
                create_in_bulk(new, actor, writer)
            else:
                for rec in new:
                    create_via_services(rec, actor)
        batch.clear()
        if progress:
            progress(counts["rows"], total)

    def dup(rec, key, code, message: Message):
        from kiemdiem.imports.columns import COLUMNS

        header = next((c.header for c in COLUMNS["people"] if c.key == key), "")
        reading.problems.add(
            Problem(reading.sheet, rec.row, rec.refs.get(key, ""), header, code, message)
        )

    if commit and cache_path.exists():
        # The rows as validation parsed them (checked, in order): no second parse.
        from kiemdiem.imports.columns import COLUMNS

        with open(cache_path, "rb") as stored:
            header = pickle.load(stored)
            reading.sheet, reading.columns = header["sheet"], header["columns"]
            assert set(reading.columns) <= {c.key for c in COLUMNS["people"]}
            while True:
                try:
                    batch[:] = pickle.load(stored)
                except EOFError:
                    break
                counts["rows"] += len(batch)
                flush()
        counts["rows"] = job.total
        if progress:
            progress(counts["rows"], total)
        return counts
    for number, rec in _records(job, units, reading):
        if counts["rows"] == 0 and cache is not None:
            pickle.dump({"sheet": reading.sheet, "columns": reading.columns}, cache)
        counts["rows"] += 1
        if rec is None:
            continue
        identity = rec.identity()
        cell_code = rec.cell.code if rec.cell else ""
        if identity in seen:
            first_row, first_cell = seen[identity]
            other = owners.get(identity)
            if other is not None and _other_person(other, _owner(rec)):
                # One citizen ID, two people (other name or birth date): the ID is wrong.
                dup(
                    rec,
                    "citizen_id",
                    "person.duplicate_citizen_id",
                    _("This citizen ID is already given to %(name)s on row %(row)s.")
                    % {"name": other[0], "row": first_row},
                )
                continue
            if cell_code and first_cell and cell_code != first_cell:
                dup(
                    rec,
                    "cell",
                    "person.two_cells",
                    _(
                        "This person is also in party cell %(cell)s on row %(row)s: a person is "
                        "active in one cell at a time."
                    )
                    % {"cell": first_cell, "row": first_row},
                )
            else:
                key = {"cid": "citizen_id", "card": "card_number"}.get(identity[0], "family_name")
                if key not in rec.refs:
                    key = "full_name"
                dup(
                    rec,
                    key,
                    "person.duplicate",
                    _("The same person is already on row %(row)s.") % {"row": first_row},
                )
            continue
        seen[identity] = (number, cell_code)
        if identity[0] == "cid":
            owners[identity] = _owner(rec)
        cid = rec.fields.get("citizen_id")
        if cid:
            if cid in cids:
                dup(
                    rec,
                    "citizen_id",
                    "person.duplicate",
                    _("The same person is already on row %(row)s.") % {"row": cids[cid]},
                )
                continue
            cids[cid] = number
        card = rec.membership.get("card_number") if rec.membership else None
        if card:
            if card in cards:
                dup(
                    rec,
                    "card_number",
                    "person.duplicate_card",
                    _("This party card number is already on row %(row)s.") % {"row": cards[card]},
                )
                continue
            cards[card] = number
        for entry in rec.all_posts():
            if entry.fields.get("role") == "head":
                if entry.unit.pk in heads:
                    dup(
                        rec,
                        entry.column,
                        "post.two_heads",
                        _("Unit “%(code)s” already gets a head on row %(row)s.")
                        % {"code": entry.unit.code, "row": heads[entry.unit.pk]},
                    )
                heads[entry.unit.pk] = number
        batch.append(rec)
        if len(batch) >= BATCH:
            flush()
    if cache is not None and counts["rows"] == 0:
        pickle.dump({"sheet": reading.sheet, "columns": reading.columns}, cache)
    if batch:
        flush()
    if cache is not None:
        cache.close()
        if reading.problems.errors:
            cache_path.unlink(missing_ok=True)
    if not batch and progress:
        progress(counts["rows"], total)
    return counts


# --- units --------------------------------------------------------------------------------


def _units_pass(
    job: ImportJob,
    reading: Reading,
    *,
    commit: bool,
    actor=None,
    progress: ProgressFn | None = None,
    total: int = 0,
) -> dict:
    units = UnitIndex(job.unit.path)
    records: dict[str, UnitRecord] = {}
    rows = 0
    problems = reading.problems

    def err(rec: UnitRecord, key: str, code: str, message: Message) -> None:
        from kiemdiem.imports.columns import COLUMNS

        header = next((c.header for c in COLUMNS["units"] if c.key == key), "")
        problems.add(Problem(reading.sheet, rec.row, rec.refs.get(key, ""), header, code, message))

    for _number, rec in _records(job, units, reading):
        rows += 1
        if rec is None:
            continue
        if rec.code in records:
            err(
                rec,
                "code",
                "unit.duplicate",
                _("The same unit code is already on row %(row)s.") % {"row": records[rec.code].row},
            )
            continue
        info = units.by_code.get(rec.code)
        if info is not None and not info.in_scope:
            err(
                rec,
                "code",
                "unit.out_of_scope",
                _("Unit “%(code)s” is outside the scope of this import.") % {"code": rec.code},
            )
            continue
        records[rec.code] = rec

    # Parents: known, active, inside the scope (unless unchanged), and no cycle.
    scope_code = job.unit.code.upper()
    parent_of: dict[str, str] = {c: i.parent_code for c, i in units.by_code.items()}
    valid: dict[str, UnitRecord] = {}
    for code, rec in records.items():
        info = units.by_code.get(code)
        parent = rec.parent_code or (info.parent_code if info else "")
        if not parent and info is None:
            err(rec, "parent", "required", _("Enter the code of the parent unit."))
            continue
        if parent:
            known = parent in records or parent in units.by_code
            if not known:
                err(
                    rec,
                    "parent",
                    "unit.unknown",
                    _("No active unit with code “%(code)s”.") % {"code": parent},
                )
                continue
            pinfo = units.by_code.get(parent)
            unchanged = info is not None and info.parent_code == parent
            if pinfo and not unchanged:
                if not pinfo.active:
                    err(rec, "parent", "unit.dissolved", _("The parent unit has been dissolved."))
                    continue
                if not pinfo.in_scope:
                    err(
                        rec,
                        "parent",
                        "unit.out_of_scope",
                        _("Unit “%(code)s” is outside the scope of this import.")
                        % {"code": parent},
                    )
                    continue
            if code == scope_code and not unchanged and info is not None:
                err(
                    rec,
                    "parent",
                    "unit.scope_moved",
                    _("The unit at the top of the import cannot be moved by it."),
                )
                continue
        if (
            rec.managed_by_code
            and rec.managed_by_code not in records
            and (
                rec.managed_by_code not in units.by_code
                or not units.by_code[rec.managed_by_code].active
            )
        ):
            err(
                rec,
                "managed_by",
                "unit.unknown",
                _("No active unit with code “%(code)s”.") % {"code": rec.managed_by_code},
            )
            continue
        parent_of[code] = parent
        valid[code] = rec
    for code, rec in valid.items():
        walk, current = [code], parent_of.get(code, "")
        while current:
            if current in walk:
                err(
                    rec,
                    "parent",
                    "unit.cycle",
                    _("The parent codes go round in a circle: %(chain)s.")
                    % {"chain": " → ".join([*walk[walk.index(current) :], current])},
                )
                break
            walk.append(current)
            current = parent_of.get(current, "")

    # What would change, in an order where parents come first.
    order: list[str] = []
    placed: set[str] = set()

    def place(code: str, depth=0):
        if code in placed or code not in valid or depth > 500:
            return
        parent = parent_of.get(code, "")
        if parent in valid:
            place(parent, depth + 1)
        placed.add(code)
        order.append(code)

    for code in valid:
        place(code)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rows": rows}
    created: dict[str, Unit] = {}
    existing = {u.code.upper(): u for u in Unit.objects.filter(code__in=list(valid))}

    def resolve(code: str) -> Unit | None:
        if not code:
            return None
        return created.get(code) or existing.get(code) or Unit.objects.get(code=code)

    done = 0
    for code in order:
        rec = valid[code]
        unit = existing.get(code)
        parent_code = parent_of.get(code, "")
        if unit is None:
            counts["created"] += 1
            if commit:
                created[code] = tree.unit_create(
                    code=rec.code,
                    name=rec.name,
                    kind=rec.kind,
                    short_name=rec.short_name,
                    parent=resolve(parent_code),
                    managed_by=resolve(rec.managed_by_code),
                    valid_from=rec.valid_from or today(),
                    actor=actor,
                )
        else:
            managed = rec.managed_by_code or (
                unit.managed_by.code.upper() if unit.managed_by else ""
            )
            short = rec.short_name or unit.short_name
            moved = units.by_code[code].parent_code != parent_code
            current_managed = unit.managed_by.code.upper() if unit.managed_by else ""
            changed = (
                unit.name != rec.name
                or unit.kind != rec.kind
                or unit.short_name != short
                or current_managed != managed
            )
            if changed or moved:
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            if commit and changed:
                tree.unit_update(
                    unit=unit,
                    name=rec.name,
                    short_name=short,
                    kind=rec.kind,
                    managed_by=resolve(managed),
                    actor=actor,
                )
            if commit and moved:
                tree.unit_move(
                    unit=unit, new_parent=resolve(parent_code), effective=today(), actor=actor
                )
        done += 1
        if progress and done % 200 == 0:
            progress(done, total)
    if progress:
        progress(rows, total)
    return counts


# --- the register of discipline and conclusions -----------------------------------------


def _register_pass(
    job: ImportJob,
    reading: Reading,
    *,
    commit: bool,
    actor=None,
    progress: ProgressFn | None = None,
    total: int = 0,
) -> dict:
    """Each row an entry of the register (``register.services``), about a person with a home
    in the job's subtree (found by citizen ID) or a unit in it (by code). Checked by the
    register's own rules (``entry_check``); on commit recorded one by one in the import's
    transaction. A row already in the register (same person or unit, kind, year, date and
    number) is left unchanged, so a file imported twice records nothing twice."""
    from kiemdiem.imports.columns import COLUMNS
    from kiemdiem.people.policies import homes_q
    from kiemdiem.register import services as register
    from kiemdiem.register.models import RegisterEntry

    units = UnitIndex(job.unit.path)
    problems = reading.problems
    spec = {c.key: c for c in COLUMNS["register"]}
    user = actor if commit else _user(job)
    people = Person.objects.filter(homes_q([job.unit.path]))
    counts = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0}

    def err(rec, key: str, code: str, message) -> None:
        column = spec.get(key)
        problems.add(
            Problem(
                reading.sheet,
                rec.row,
                rec.refs.get(key, "") if column else "",
                column.header if column else "",
                code,
                message,
            )
        )

    for _number, rec in _records(job, units, reading):
        counts["rows"] += 1
        if progress is not None:
            progress(counts["rows"], total)
        if rec is None:
            continue
        target: dict = {}
        if rec.citizen_id:
            person = people.filter(citizen_id=rec.citizen_id).first()
            if person is None:
                err(
                    rec,
                    "citizen_id",
                    "register.person_unknown",
                    _("Nobody with this citizen ID belongs to %(unit)s.") % {"unit": job.unit.name},
                )
                continue
            if rec.full_name and fold_diacritics(rec.full_name) != fold_diacritics(
                person.full_name
            ):
                err(
                    rec,
                    "full_name",
                    "register.name_mismatch",
                    _("The citizen ID belongs to %(name)s.") % {"name": person.full_name},
                )
                continue
            target["person"] = person
        else:
            info = units.by_code.get(rec.unit_code)
            if info is None or not info.in_scope:
                err(
                    rec,
                    "unit_code",
                    "register.unit_unknown",
                    _("No unit with code “%(code)s” in %(unit)s.")
                    % {"code": rec.unit_code, "unit": job.unit.name},
                )
                continue
            target["unit"] = Unit.objects.get(pk=info.pk)
        same = RegisterEntry.objects.filter(
            annulled_at__isnull=True,
            kind=rec.fields["kind"],
            year=rec.fields["year"],
            decided_on=rec.fields["decided_on"],
            document_number=rec.fields["document_number"],
            **target,
        )
        if same.exists():
            counts["unchanged"] += 1
            continue
        try:
            if commit:
                register.entry_record(actor=user, **target, **rec.fields)
            else:
                register.entry_check(actor=user, **target, **rec.fields)
        except ValidationError:
            # The register's own words, kept in both languages for the report's readers.
            texts = _register_refusals(register.entry_check, actor=user, **target, **rec.fields)
            for key, by_language in texts.items():
                err(
                    rec,
                    key if key in spec else "",
                    "register.invalid",
                    Message.rendered(by_language),
                )
            continue
        except PermissionDenied:
            err(
                rec,
                "citizen_id" if rec.citizen_id else "unit_code",
                "register.denied",
                _("You may not record in the register for this person or unit."),
            )
            continue
        counts["created"] += 1
    return counts


def _register_refusals(check, **kwargs) -> dict[str, dict[str, str]]:
    """The register's refusal of a row, field → {language: text}."""
    from django.utils import translation

    out: dict[str, dict[str, str]] = {}
    for language in ("vi", "en"):
        with translation.override(language):
            try:
                check(**kwargs)
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    out.setdefault(key, {})[language] = " ".join(messages)
    return out


# --- the two steps -----------------------------------------------------------------------


def _run(job: ImportJob, *, commit: bool, actor=None, bulk=True, progress=None, total=0):
    fn = {
        ImportKind.PEOPLE: _people_pass,
        ImportKind.UNITS: _units_pass,
        ImportKind.REGISTER: _register_pass,
    }[ImportKind(job.kind)]
    kwargs = {"bulk": bulk} if job.kind == ImportKind.PEOPLE else {}
    if commit:
        reading = Reading(Problems(), committing=True, contexts=_saved_contexts(job))
        counts = fn(
            job, reading, commit=True, actor=actor, progress=progress, total=total, **kwargs
        )
        return reading, counts
    reading = Reading(Problems())
    counts = fn(job, reading, commit=False, progress=progress, **kwargs)
    # A column in a legacy encoding, or unaccented names among accented ones: some cells read
    # differently with their column than alone, so the file is read again with the columns'
    # contexts (rare: an ordinary file is read once).
    contexts = text.contexts(reading.texts)
    if contexts is not None:
        _save_contexts(job, contexts)
        reading = Reading(Problems(), contexts=contexts)
        counts = fn(job, reading, commit=False, progress=progress, **kwargs)
    else:
        job.contexts_path.unlink(missing_ok=True)
    return reading, counts


def _save_contexts(job: ImportJob, contexts: dict) -> None:
    job.folder.mkdir(parents=True, exist_ok=True)
    data = {key: text.context_to_dict(ctx) for key, ctx in contexts.items()}
    job.contexts_path.write_text(json.dumps(data))


def _saved_contexts(job: ImportJob) -> dict | None:
    """The columns' contexts found by validation (None: every cell was read on its own)."""
    try:
        data = json.loads(job.contexts_path.read_text())
    except FileNotFoundError:
        return None
    return {key: text.context_from_dict(value) for key, value in data.items()}


def import_validate(job: ImportJob, *, progress: ProgressFn | None = None) -> ImportJob:
    """Check the whole file; write nothing but the job's report."""
    from kiemdiem.imports.exporters import error_report, save_problems

    _mark_working(job, JobStatus.VALIDATING)
    try:
        reading, counts = _run(job, commit=False, progress=progress)
    except Exception as exc:  # an unreadable file: say so, keep the job
        job.status, job.failure = JobStatus.FAILED, _failure_text(exc)[:2000]
        job.finished_at = timezone.now()
        job.save()
        raise
    problems = reading.problems
    job.total = counts["rows"]
    job.error_count, job.warning_count = problems.errors, problems.warnings
    job.problems = [p.as_dict() for p in problems.items[:PREVIEW_PROBLEMS]]
    job.preview = {k: counts[k] for k in ("created", "updated", "unchanged")}
    job.status = JobStatus.INVALID if problems.errors else JobStatus.READY
    if problems.items:
        save_problems(job, problems.items)
        error_report(job)  # in the uploader's language now; others when first downloaded
    job.save()
    return job


def import_commit(
    job: ImportJob, actor, *, bulk: bool = True, progress: ProgressFn | None = None
) -> ImportJob:
    """Write the file in one transaction; on any error nothing is written and the job fails.

    The file must have been checked without errors (ready, or confirmed and waiting for the
    queue). Taking it is one conditional update, so the same file is never imported twice.
    Needs ``change`` on the job's unit (PermissionDenied, the job left as it was).
    """
    if not policies.ImportPolicy(actor, job).may_commit:
        raise PermissionDenied
    taken = ImportJob.objects.filter(
        pk=job.pk, status__in=[JobStatus.READY, JobStatus.CONFIRMED]
    ).update(status=JobStatus.RUNNING)
    if not taken:
        raise ImportFailed(gettext("Only a checked file without errors can be imported."))
    job.status = JobStatus.RUNNING
    total = job.total
    try:
        with transaction.atomic():
            reading, counts = _run(
                job, commit=True, actor=actor, bulk=bulk, progress=progress, total=total
            )
            if reading.problems.errors:
                raise ImportFailed(gettext("The file changed since it was checked."))
            job.created, job.updated, job.unchanged = (
                counts["created"],
                counts["updated"],
                counts["unchanged"],
            )
            log_action(
                "import.committed",
                actor=actor,
                target=job,
                unit=job.unit,
                data={
                    "kind": job.kind,
                    "file": job.original_name,
                    "rows": counts["rows"],
                    "created": job.created,
                    "updated": job.updated,
                    "unchanged": job.unchanged,
                },
            )
            # "Done" in the same transaction as the data: a process killed at any moment
            # leaves either both or neither, never data under a job that looks interrupted.
            job.status, job.done, job.finished_at = JobStatus.DONE, job.total, timezone.now()
            job.save()
    except Exception as exc:
        job.status, job.failure = JobStatus.FAILED, _failure_text(exc)[:2000]
        job.finished_at = timezone.now()
        job.save()
        raise
    if job.kind == ImportKind.PEOPLE and job.created + job.updated >= ANALYZE_AFTER:
        _analyze_people_tables()
    return job


def _analyze_people_tables() -> None:
    """Refresh the planner's statistics after a bulk load, as PostgreSQL's manual advises.

    Without them (autovacuum off, or not yet run) the next import's lookups by person, and
    the people lists, are planned for the tables as they were before: empty or small.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = [m._meta.db_table for m in (Person, PartyMember, MemberStatus, Affiliation)]
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")
    except DatabaseError:  # statistics only help; the import itself is committed
        pass


def today_date() -> datetime.date:
    return today()
