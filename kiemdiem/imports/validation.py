"""Pure checks on the rows of a file: each row becomes a record or a list of ``Problem``s.

Nothing here writes. Messages are kept untranslated with their parameters (``messages.py``)
and rendered in the language of whoever reads the report. Checks that need the database (unit
codes, who already exists) use lookups that the caller reads once (``UnitIndex``) or per batch.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from kiemdiem.common.dates import today
from kiemdiem.common.spreadsheets import unquote_cell
from kiemdiem.common.vietnamese import fold_diacritics, nfc
from kiemdiem.imports import encodings
from kiemdiem.imports.columns import (
    CATEGORY_CHOICES,
    COLUMNS,
    ROLE_CHOICES,
    Column,
    choice_map,
    fold_header,
)
from kiemdiem.imports.encodings import ColumnContext, strip_invisible
from kiemdiem.imports.messages import Message
from kiemdiem.imports.messages import deferred as _  # marks msgids; translated when read
from kiemdiem.imports.text import ColumnTexts, check_text
from kiemdiem.orgtree.models import CELL_KINDS, KIND_GROUP, UnitGroup
from kiemdiem.people import services as people
from kiemdiem.people.models import Person

EXCEL_EPOCH = datetime.date(1899, 12, 30)
_ASCII_SPACE = " \t\r\n\v\f"
# A person's stored columns, in the table's order (the primary key aside).
PERSON_COLUMNS = tuple(f.attname for f in Person._meta.concrete_fields if not f.primary_key)
MAX_STORED_PROBLEMS = 2000
NOTICES_PER_COLUMN = 10  # notices of one code shown cell by cell in a column, then counted


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str  # spreadsheet letter ("C"), or "" for a whole-row or whole-file problem
    header: str  # the column's template header
    code: str
    message: Message  # rendered in the reader's language by str()
    severity: str = "error"

    @property
    def text(self) -> str:
        return str(self.message)

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "code": self.code,
            "msg": self.message.as_dict(),
            "severity": self.severity,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        return cls(
            data["sheet"],
            data["row"],
            data["column"],
            data["header"],
            data["code"],
            Message.from_dict(data["msg"]),
            data["severity"],
        )


class Problems:
    """Counts every problem; keeps the errors first and the notices after them, summarised.

    Errors are kept up to ``MAX_STORED_PROBLEMS`` and always come before any notice, so that a
    bad date is never buried under conversion notices. Notices (warnings, conversions) keep
    their first ``NOTICES_PER_COLUMN`` cells per column and code; the rest of a column's notices
    of one code become one line that says how many more there are.
    """

    def __init__(self):
        self._errors: list[Problem] = []
        self._notices: list[Problem] = []
        self._more: dict[tuple, list] = {}  # (sheet, column, header, code) → [count, severity]
        self._per_group: Counter[tuple] = Counter()
        self.errors = 0
        self.warnings = 0
        self.bad_rows: set[int] = set()

    def add(self, problem: Problem, *, first: bool = False) -> None:
        """Keep ``problem``; ``first``: before the others (a refusal of the whole file)."""
        if problem.severity == "error":
            self.errors += 1
            self.bad_rows.add(problem.row)
            if first:
                self._errors.insert(0, problem)
                del self._errors[MAX_STORED_PROBLEMS:]
            elif len(self._errors) < MAX_STORED_PROBLEMS:
                self._errors.append(problem)
            return
        self.warnings += 1
        group = (problem.sheet, problem.column, problem.header, problem.code)
        self._per_group[group] += 1
        if (
            self._per_group[group] <= NOTICES_PER_COLUMN
            and len(self._notices) < MAX_STORED_PROBLEMS
        ):
            self._notices.append(problem)
        else:
            more = self._more.setdefault(group, [0, problem.severity])
            more[0] += 1

    @property
    def items(self) -> list[Problem]:
        """Every error kept, then the notices kept, then one line per summarised group."""
        summaries = [
            Problem(
                group[0],
                0,
                group[1],
                group[2],
                group[3],
                _(
                    "%(total)s cells of this column have the notice %(code)s; the first "
                    "%(shown)s are listed."
                )
                % {
                    "total": self._per_group[group],
                    "code": group[3],
                    "shown": self._per_group[group] - more,
                },
                severity,
            )
            for group, (more, severity) in self._more.items()
        ]
        return self._errors + self._notices + summaries


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- cell values --------------------------------------------------------------------------

_DATE_DMY = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})$")
_DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


class CellError(ValueError):
    def __init__(self, code: str, message: Message):
        super().__init__(message)
        self.code = code
        self.message = message


def cell_text(value) -> str:
    """A cell as clean text: NFC, invisible characters removed, spaces trimmed and collapsed.

    Legacy-encoding repairs must see the text before this (``RowReader.text``): mojibake of
    "à" ends in a no-break space that collapsing would turn into a plain space.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return nfc(strip_invisible(str(value)))


def citizen_id(value) -> str:
    """A citizen ID cell as its 12 digits' text (the service then checks there are 12).

    A citizen ID begins with the province code 001–096, so a number cell (Excel keeps IDs
    typed as numbers) has lost one or two leading zeros: 10 or 11 digits get them back. Text is
    taken as typed: "12345" is an error, not "000000012345".
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value == int(value) and 10**9 <= value < 10**11:
            return str(int(value)).zfill(12)
    return cell_text(value).replace(" ", "")


def parse_date(value) -> datetime.date | None:
    """dd/mm/yyyy text, a date cell, or an Excel serial number (days since 30/12/1899)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise CellError("date.invalid", _("Enter a date as dd/mm/yyyy, e.g. 03/04/2026."))
    if isinstance(value, int | float):
        return _serial(value)
    text = nfc(str(value))
    if not text:
        return None
    if re.fullmatch(r"\d{4,5}(\.0+)?", text):
        return _serial(float(text))
    match = _DATE_DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _DATE_YMD.match(text)
        if not match:
            raise CellError("date.invalid", _("Enter a date as dd/mm/yyyy, e.g. 03/04/2026."))
        year, month, day = (int(g) for g in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(
            "date.impossible", _("The date %(text)s does not exist.") % {"text": text}
        ) from None


def _serial(number: float) -> datetime.date:
    if not 1 <= number < 2958466 or number != int(number):
        raise CellError("date.invalid", _("Enter a date as dd/mm/yyyy, e.g. 03/04/2026."))
    return EXCEL_EPOCH + datetime.timedelta(days=int(number))


# --- a new person's columns, checked as Person.full_clean checks them ----------------------

_PERSON_FIELDS = [f for f in Person._meta.concrete_fields if not f.primary_key]
_PERSON_DEFAULTS = {f.attname: f.get_default() for f in _PERSON_FIELDS}


class _NewPerson:
    """What ``Person()`` holds before anything is set, for ``_apply_person_fields``.

    A model instance costs more to build than the checks it is built for, 100,000 times.
    """

    def __init__(self):
        self.__dict__.update(_PERSON_DEFAULTS)


def _quick_check(f: models.Field):
    """A test accepting only values that ``f.clean`` accepts as they are (else: full clean)."""
    kinds = {type(v) for v in f.validators}
    if type(f) is models.CharField and kinds <= {
        validators.MaxLengthValidator,
        validators.ProhibitNullCharactersValidator,
    }:
        limit = f.max_length
        allowed = {str(k) for k, _label in f.flatchoices} if f.choices else None

        def char_ok(value) -> bool:
            if value is None or value == "":
                return f.blank
            return (
                type(value) is str
                and len(value) <= limit
                and "\x00" not in value
                and (allowed is None or value in allowed)
            )

        return char_ok
    if type(f) is models.DateField and not kinds:
        return lambda value: f.blank if value is None else type(value) is datetime.date
    return lambda value: f.blank and (value is None or value == "")


_QUICK_CHECKS = [(f.attname, _quick_check(f)) for f in _PERSON_FIELDS]
_PERSON_HAS_CLEAN = Person.clean is not models.Model.clean


def clean_person(probe: _NewPerson) -> tuple:
    """``PERSON_COLUMNS`` of ``probe`` after ``Person.full_clean`` (no unique checks).

    Values that plainly pass (short text, a date, an allowed choice) are not sent through
    Django's field cleaning one by one; anything else is, by a real ``full_clean``, so the
    errors are Django's own.
    """
    values = probe.__dict__
    if _PERSON_HAS_CLEAN or not all(ok(values[name]) for name, ok in _QUICK_CHECKS):
        person = Person(**{name: values[name] for name in PERSON_COLUMNS})
        person.full_clean(validate_unique=False, validate_constraints=False)
        return tuple(getattr(person, name) for name in PERSON_COLUMNS)
    return tuple(values[name] for name in PERSON_COLUMNS)


# --- units known to the import ------------------------------------------------------------


@dataclass
class UnitInfo:
    pk: int | None
    code: str
    kind: str
    path: str
    active: bool
    in_scope: bool
    parent_code: str = ""

    @property
    def group(self) -> str:
        return KIND_GROUP[self.kind]


class UnitIndex:
    """Every unit by upper-case code (read once), marked in or out of the import's scope."""

    def __init__(self, scope_path: str):
        from kiemdiem.orgtree.models import Unit

        self.scope_path = scope_path
        self.by_code: dict[str, UnitInfo] = {}
        self.by_pk: dict[int, UnitInfo] = {}
        rows = Unit.objects.values_list("pk", "code", "kind", "path", "valid_to", "parent__code")
        for pk, code, kind, path, valid_to, parent_code in rows:
            info = UnitInfo(
                pk,
                code.upper(),
                kind,
                path,
                valid_to is None,
                path.startswith(scope_path),
                (parent_code or "").upper(),
            )
            self.by_code[info.code] = info
            self.by_pk[pk] = info


# --- rows -----------------------------------------------------------------------------------


@dataclass
class PostEntry:
    unit: UnitInfo
    kind: str  # position | employment
    fields: dict  # title, role / state_category — exactly what goes to affiliation_start
    valid_from: datetime.date | None
    column: str

    def key(self) -> tuple:
        return (
            self.unit.pk,
            self.kind,
            fold_diacritics(self.fields.get("title", "")),
            self.fields.get("role", ""),
            self.fields.get("state_category", ""),
        )


@dataclass
class PersonRecord:
    row: int
    fields: dict
    membership: dict | None = None
    status: str = ""
    status_from: datetime.date | None = None
    cell: UnitInfo | None = None
    cell_from: datetime.date | None = None
    residence: UnitInfo | None = None
    residence_from: datetime.date | None = None
    posts: dict[str, list[PostEntry]] = field(default_factory=dict)  # column key → entries
    refs: dict[str, str] = field(default_factory=dict)  # column key → cell letter
    # PERSON_COLUMNS of a new person, as ``people.services._apply_person_fields`` computed them
    # during validation (the commit writes them without computing sort keys a second time).
    values: tuple | None = None

    @property
    def full_name(self) -> str:
        f = self.fields
        return " ".join(
            p for p in (f.get("family_name"), f.get("middle_name"), f.get("given_name")) if p
        )

    def identity(self) -> tuple:
        if self.fields.get("citizen_id"):
            return ("cid", self.fields["citizen_id"])
        if self.membership and self.membership.get("card_number"):
            return ("card", self.membership["card_number"])
        return ("name", fold_diacritics(self.full_name), self.fields.get("birth_date"))

    def affiliation_units(self) -> list[UnitInfo]:
        units = [u for u in (self.cell, self.residence) if u]
        for entries in self.posts.values():
            units.extend(e.unit for e in entries)
        return units

    @property
    def home(self) -> UnitInfo | None:
        """The unit its audit entries are filed under, as ``people.services._home_unit``."""
        if self.cell:
            return self.cell
        ordered = sorted(
            [(e.kind, i, e.unit) for i, e in enumerate(self.all_posts())], key=lambda t: t[:2]
        )
        if ordered:
            return ordered[0][2]
        return self.residence

    def all_posts(self) -> list[PostEntry]:
        return [
            e for key in ("posts", "collectives", "employment") for e in self.posts.get(key, [])
        ]


@dataclass
class UnitRecord:
    row: int
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str
    managed_by_code: str
    valid_from: datetime.date | None
    refs: dict[str, str] = field(default_factory=dict)


@dataclass
class RegisterRecord:
    """One row of a register import (``kiemdiem/register``): who, and the entry's fields."""

    row: int
    citizen_id: str
    full_name: str
    unit_code: str
    fields: dict
    refs: dict[str, str] = field(default_factory=dict)


_POST = re.compile(
    r"^(?P<code>[^:]+?)\s*:\s*(?P<title>.*?)\s*(?:\((?P<extra>[^()]*)\))?\s*"
    r"(?:(?:từ|tu|from)\s+(?P<date>\S+))?$",
    re.IGNORECASE,
)


class RowReader:
    """Turns one row's cells into a record, adding problems to ``problems``."""

    def __init__(
        self, kind: str, sheet: str, columns: dict[str, int], units: UnitIndex, problems: Problems
    ):
        self.kind = kind
        self.sheet = sheet
        self.columns = columns
        self.units = units
        self.problems = problems
        self.spec: dict[str, Column] = {c.key: c for c in COLUMNS[kind]}
        self.choices = {c.key: choice_map(c.choices) for c in COLUMNS[kind] if c.choices}
        self.chosen: dict[str, dict] = {key: {} for key in self.choices}  # cell text → value
        self.roles = choice_map(ROLE_CHOICES)
        self.categories = choice_map(CATEGORY_CHOICES)
        # The commit re-reads a file that passed these checks; the bulk writer runs
        # ``_apply_person_fields`` again on the rows it writes.
        self.full_checks = True
        self.refused: set[str] = set()
        self.today = today()
        self.refs = {k: column_letter(i) for k, i in columns.items()}
        # Encoding: the columns' contexts once known (a second reading), else the texts are
        # counted so that the columns can be judged after this reading.
        self.contexts: dict[str, ColumnContext] | None = None
        self.texts: dict[str, ColumnTexts] = {}

    # helpers
    def ref(self, key: str) -> str:
        return self.refs.get(key, "")

    def error(self, row: int, key: str | None, code: str, message: Message, severity="error"):
        header = self.spec[key].header if key else ""
        letter = self.ref(key) if key else ""
        self.problems.add(Problem(self.sheet, row, letter, header, code, message, severity))

    def encoding(self, row: int, key: str, text: str, *, convert_only: bool = False) -> str | None:
        """``text`` of column ``key`` judged for legacy encodings; None when refused.

        ``convert_only`` (choice cells): a legacy reading is taken, nothing is refused.
        """
        column = self.spec[key]
        if self.contexts is None:
            texts = self.texts.get(key)
            if texts is None:
                texts = self.texts[key] = ColumnTexts(column.case)
            texts.add(text)
            context = texts.first_context
        else:
            context = self.contexts.get(key) or ColumnTexts(column.case).first_context
        value, found = check_text(text, f"{self.ref(key)}{row}", context)
        if convert_only:
            converted = [p for p in found if p.code in encodings.CONVERSION_CODES]
            if value is None or not converted:
                return None
            found = converted
        for problem in found:
            severity = "error" if problem.refused else "warning"
            self.error(row, key, problem.code, Message.from_encoding(problem), severity)
        return value

    def raw(self, cells: list, key: str):
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        if isinstance(value, str):
            # Zero-width characters and the BOM are invisible and never meant. Only ASCII
            # spaces are trimmed here: a no-break space may be the end of mojibake ("Ã\xa0"
            # is "à"), repaired before spaces are normalised (``text``).
            value = strip_invisible(value).strip(_ASCII_SPACE)
            # An export quotes texts a spreadsheet would evaluate (common.spreadsheets).
            value = unquote_cell(value).strip(_ASCII_SPACE)
        return value

    def text(self, row: int, cells: list, key: str) -> str:
        raw = self.raw(cells, key)
        value = cell_text(raw)
        if value and self.spec[key].check_encoding:
            fixed = self.encoding(row, key, raw if isinstance(raw, str) else value)
            if fixed is None:
                self.refused.add(key)
                return value  # reported once; later checks must not call it empty
            return nfc(fixed)
        return value

    def date(self, row: int, cells: list, key: str) -> datetime.date | None:
        try:
            return parse_date(self.raw(cells, key))
        except CellError as exc:
            self.error(row, key, exc.code, exc.message)
            return None

    def choice(self, row: int, cells: list, key: str) -> str:
        raw = self.raw(cells, key)
        text = cell_text(raw)
        if not text:
            return ""
        known = self.chosen[key]
        value = known.get(text)
        if value is None:
            value = known[text] = self.choices[key].get(fold_header(text))
        if value is None and not text.isascii():
            # A choice typed in a legacy encoding ("N÷" is TCVN3 for "Nữ"), judged with its
            # column like a name; never refused for its encoding (an unknown value is).
            converted = self.encoding(row, key, raw, convert_only=True)
            if converted:
                value = self.choices[key].get(fold_header(converted))
        if value is None:
            self.error(
                row,
                key,
                "choice.unknown",
                _("“%(value)s” is not one of the accepted values.") % {"value": text},
            )
            return ""
        return value

    def unit(self, row: int, key: str, code: str, *, cell: bool = False) -> UnitInfo | None:
        info = self.units.by_code.get(code.upper())
        if info is None or not info.active:
            self.error(
                row, key, "unit.unknown", _("No active unit with code “%(code)s”.") % {"code": code}
            )
            return None
        if not info.in_scope:
            self.error(
                row,
                key,
                "unit.out_of_scope",
                _("Unit “%(code)s” is outside the scope of this import.") % {"code": code},
            )
            return None
        if cell and info.kind not in CELL_KINDS:
            self.error(
                row,
                key,
                "unit.not_cell",
                _("Unit “%(code)s” is not a party cell.") % {"code": code},
            )
            return None
        return info

    def required(self, row: int, key: str, value) -> None:
        if value in (None, ""):
            self.error(row, key, "required", _("This column is required."))

    # people
    def person(self, row: int, cells: list) -> PersonRecord | None:
        start = self.problems.errors
        self.refused: set[str] = set()
        rec = PersonRecord(row=row, fields={})
        rec.refs = self.refs
        family = self.text(row, cells, "family_name") if "family_name" in self.columns else ""
        middle = self.text(row, cells, "middle_name") if "middle_name" in self.columns else ""
        given = self.text(row, cells, "given_name") if "given_name" in self.columns else ""
        if not (family or given) and "full_name" in self.columns:
            words = self.text(row, cells, "full_name").split()
            if len(words) >= 2:
                family, middle, given = words[0], " ".join(words[1:-1]), words[-1]
            elif words:
                given = words[0]
        if not family or not given:
            key = "given_name" if family else "family_name"
            if key not in self.columns and "full_name" in self.columns:
                key = "full_name"
            if key in self.columns:
                self.error(row, key, "required", _("Enter the family name and the given name."))
            else:
                self.problems.add(
                    Problem(
                        self.sheet,
                        row,
                        "",
                        "",
                        "required",
                        _("Enter the family name and the given name."),
                    )
                )
        fields = {"family_name": family, "middle_name": middle, "given_name": given}
        for key in ("ethnicity", "phone", "email"):
            if key in self.columns:
                fields[key] = self.text(row, cells, key)
        if fields.get("ethnicity") == "":
            fields.pop("ethnicity")
        if "gender" in self.columns:
            fields["gender"] = self.choice(row, cells, "gender")
        if "birth_date" in self.columns:
            fields["birth_date"] = self.date(row, cells, "birth_date")
        if "citizen_id" in self.columns:
            fields["citizen_id"] = citizen_id(self.raw(cells, "citizen_id")) or None
        rec.fields = fields
        # Same checks as the services, reported on the right cells.
        if self.full_checks:

            def check_person() -> tuple:
                probe = _NewPerson()
                people._apply_person_fields(probe, dict(fields), on=self.today)
                return clean_person(probe)

            rec.values = self._checked(row, check_person)
        admitted = self.date(row, cells, "admitted_on") if "admitted_on" in self.columns else None
        if admitted:
            membership = {
                "admitted_on": admitted,
                "official_on": self.date(row, cells, "official_on")
                if "official_on" in self.columns
                else None,
                "card_number": cell_text(self.raw(cells, "card_number")) or None,
                # Empty: the model's default for a new member, no change for an existing one.
                "occupation": (
                    self.choice(row, cells, "occupation") if "occupation" in self.columns else ""
                ),
            }
            rec.membership = membership
            self._checked(
                row,
                lambda: people._check_member_dates(
                    admitted, membership["official_on"], fields.get("birth_date"), on=self.today
                ),
            )
        elif not cell_text(self.raw(cells, "admitted_on")) and (
            cell_text(self.raw(cells, "card_number")) or cell_text(self.raw(cells, "official_on"))
        ):  # an admission date written but refused is reported already
            self.error(
                row, "admitted_on", "required", _("A party member needs the admission date.")
            )
        if "status" in self.columns:
            rec.status = self.choice(row, cells, "status")
            rec.status_from = (
                self.date(row, cells, "status_from") if "status_from" in self.columns else None
            )
            if rec.status and not rec.membership and not cell_text(self.raw(cells, "admitted_on")):
                self.error(
                    row,
                    "status",
                    "status.not_member",
                    _("Only party members have a membership status."),
                )
            if rec.status and rec.status != "active" and rec.membership:
                if rec.status_from is None:
                    self.error(
                        row,
                        "status_from" if "status_from" in self.columns else "status",
                        "required",
                        _("Enter the date the status started."),
                    )
                elif rec.status_from <= admitted or rec.status_from > self.today:
                    self.error(
                        row,
                        "status_from",
                        "date.order",
                        _("The status must start after the admission date and not in the future."),
                    )
        for key, from_key, attr in (
            ("cell", "cell_from", "cell"),
            ("residence", "residence_from", "residence"),
        ):
            if key not in self.columns:
                continue
            code = cell_text(self.raw(cells, key))
            if not code:
                continue
            codes = [c for c in re.split(r"[;,\n]+", code) if c.strip()]
            if len(codes) > 1:
                self.error(
                    row,
                    key,
                    "person.two_cells",
                    _("A person is active in one party cell at a time; this cell lists %(count)s.")
                    % {"count": len(codes)},
                )
                continue
            info = self.unit(row, key, code.strip(), cell=True)
            setattr(rec, attr, info)
            day = self.date(row, cells, from_key) if from_key in self.columns else None
            if day and day > self.today:
                self.error(
                    row, from_key, "date.future", _("The start date cannot be in the future.")
                )
            setattr(rec, f"{attr}_from", day)
        if rec.cell and rec.residence and rec.cell.pk == rec.residence.pk:
            self.error(
                row,
                "residence",
                "residence.same",
                _("The residence cell cannot be the member's own party cell."),
            )
        for key in ("posts", "collectives", "employment"):
            if key in self.columns:
                rec.posts[key] = self.posts(row, cells, key)
        if not rec.affiliation_units() and self.problems.errors == start:
            key = "cell" if "cell" in self.columns else None
            message = _(
                "A person must belong to a unit of this import: give a party cell, a "
                "post or a state employment."
            )
            if key:
                self.error(row, key, "person.no_unit", message)
            else:
                self.problems.add(Problem(self.sheet, row, "", "", "person.no_unit", message))
        return rec if self.problems.errors == start else None

    def posts(self, row: int, cells: list, key: str) -> list[PostEntry]:
        text = cell_text(self.raw(cells, key))
        entries: list[PostEntry] = []
        if not text:
            return entries
        for part in (p.strip() for p in re.split(r"[;\n]+", text)):
            if not part:
                continue
            match = _POST.match(part)
            if not match or (not match.group("title") and key != "employment"):
                self.error(
                    row,
                    key,
                    "post.format",
                    _("“%(text)s” is not “CODE: title (role) from dd/mm/yyyy”.") % {"text": part},
                )
                continue
            info = self.unit(row, key, match.group("code").strip())
            if info is None:
                continue
            title = match.group("title")
            if title:
                title = self.encoding(row, key, title) or ""
            extra = (match.group("extra") or "").strip()
            if key == "employment":
                kind = "employment"
                category = (
                    self.categories.get(self._legacy_fold(row, key, extra)) if extra else None
                )
                if info.group != UnitGroup.STATE:
                    self.error(
                        row,
                        key,
                        "unit.not_state",
                        _("Unit “%(code)s” is not a state agency or public service unit.")
                        % {"code": info.code},
                    )
                    continue
                if not category:
                    self.error(row, key, "post.category", _("Choose the state category."))
                    continue
                fields = {"title": title, "state_category": category}
            else:
                kind = "position"
                is_collective = info.group == UnitGroup.COLLECTIVE
                if key == "collectives" and not is_collective:
                    self.error(
                        row,
                        key,
                        "unit.not_collective",
                        _("Unit “%(code)s” is not a leadership collective.") % {"code": info.code},
                    )
                    continue
                if key == "posts" and is_collective:
                    self.error(
                        row,
                        key,
                        "unit.collective",
                        _(
                            "Unit “%(code)s” is a leadership collective: put it in the "
                            "collectives column."
                        )
                        % {"code": info.code},
                    )
                    continue
                fields = {"title": title}
                if extra:
                    role = self.roles.get(self._legacy_fold(row, key, extra))
                    if role is None:
                        self.error(
                            row,
                            key,
                            "post.role",
                            _("“%(value)s” is not one of the accepted values.") % {"value": extra},
                        )
                        continue
                    fields["role"] = role
            day = None
            if match.group("date"):
                try:
                    day = parse_date(match.group("date"))
                except CellError as exc:
                    self.error(row, key, exc.code, exc.message)
                    continue
                if day and day > self.today:
                    self.error(
                        row, key, "date.future", _("The start date cannot be in the future.")
                    )
                    continue
            entries.append(PostEntry(info, kind, fields, day, key))
        return entries

    def _legacy_fold(self, row: int, key: str, text: str) -> str:
        """``fold_header`` of a value inside a cell, read as Unicode if it is in a legacy
        encoding ("CÊp phã" is TCVN3 for "Cấp phó")."""
        if not text.isascii():
            text = self.encoding(row, key, text, convert_only=True) or text
        return fold_header(text)

    def _checked(self, row: int, check):
        """``check()``, one of the services' own checks; its errors become problems.

        Their messages are the services' (and Django's) own, translated when raised: the check
        runs again in each language so that the report can be read in any of them.
        """
        try:
            return check()
        except ValidationError as exc:
            found = exc.message_dict
        texts = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                try:
                    check()
                except ValidationError as again:
                    texts[language] = again.message_dict
        self._service_errors(row, found, texts)
        return None

    def _service_errors(self, row: int, found: dict, texts: dict) -> None:
        mapping = {
            "admitted_on": "admitted_on",
            "official_on": "official_on",
            "birth_date": "birth_date",
            "citizen_id": "citizen_id",
            "email": "email",
            "phone": "phone",
            "family_name": "family_name",
            "given_name": "given_name",
            "middle_name": "middle_name",
            "ethnicity": "ethnicity",
        }
        for name, messages in found.items():
            key = mapping.get(name)
            if key in self.refused:
                continue
            if key not in self.columns:
                key = "full_name" if "full_name" in self.columns and name.endswith("name") else None
            for i, text in enumerate(messages):
                rendered = {
                    language: by_field[name][i]
                    for language, by_field in texts.items()
                    if i < len(by_field.get(name, ()))
                }
                message = Message.rendered(rendered or {settings.LANGUAGE_CODE: text})
                if key:
                    self.error(row, key, f"invalid.{name}", message)
                else:
                    self.problems.add(Problem(self.sheet, row, "", "", f"invalid.{name}", message))

    # units
    def year_cell(self, row: int, cells: list, key: str) -> int | None:
        text = cell_text(self.raw(cells, key))
        if not text:
            return None
        if not (text.isdigit() and len(text) == 4):
            self.error(row, key, "year.invalid", _("Write the year with four digits, e.g. 2025."))
            return None
        return int(text)

    def register_row(self, row: int, cells: list) -> RegisterRecord | None:
        start = self.problems.errors
        self.refused = set()
        fields = {
            "kind": self.choice(row, cells, "kind"),
            "track": self.choice(row, cells, "track"),
            "discipline_form": self.choice(row, cells, "discipline_form"),
            "decided_on": self.date(row, cells, "decided_on"),
            "issuing_body": self.text(row, cells, "issuing_body"),
            "document_number": self.text(row, cells, "document_number"),
            "year": self.year_cell(row, cells, "year"),
            "counted_in_year": self.year_cell(row, cells, "counted_in_year"),
            "self_detected_and_remedied": self.choice(row, cells, "self_detected_and_remedied")
            == "yes",
            "duty_related": self.choice(row, cells, "duty_related") == "yes",
            "summary": self.text(row, cells, "summary"),
        }
        for key in ("kind", "track", "decided_on", "issuing_body", "year"):
            if key not in self.columns:
                self.problems.add(
                    Problem(
                        self.sheet,
                        row,
                        "",
                        self.spec[key].header,
                        "required",
                        _("This column is required."),
                    )
                )
            elif not cell_text(self.raw(cells, key)):
                self.required(row, key, fields[key])
        record = RegisterRecord(
            row=row,
            citizen_id=citizen_id(self.raw(cells, "citizen_id")),
            full_name=self.text(row, cells, "full_name"),
            unit_code=cell_text(self.raw(cells, "unit_code")).upper(),
            fields=fields,
            refs=self.refs,
        )
        if not record.citizen_id and not record.unit_code:
            self.error(
                row,
                "citizen_id",
                "register.who",
                _("Give the person's citizen ID, or the unit's code."),
            )
        elif record.citizen_id and record.unit_code:
            self.error(
                row,
                "unit_code",
                "register.who",
                _("Give either a citizen ID or a unit code, not both."),
            )
        return record if self.problems.errors == start else None

    def unit_row(self, row: int, cells: list) -> UnitRecord | None:
        start = self.problems.errors
        self.refused = set()
        code = cell_text(self.raw(cells, "code")).upper()
        name = self.text(row, cells, "name")
        kind = self.choice(row, cells, "kind") if "kind" in self.columns else ""
        valid_from = self.date(row, cells, "valid_from") if "valid_from" in self.columns else None
        for key, value in (
            ("code", code),
            ("name", name),
            ("kind", kind),
            ("valid_from", valid_from),
        ):
            if key in self.columns and not cell_text(self.raw(cells, key)):
                self.required(row, key, value)
            elif key not in self.columns and key != "valid_from":
                self.problems.add(
                    Problem(
                        self.sheet,
                        row,
                        "",
                        self.spec[key].header,
                        "required",
                        _("This column is required."),
                    )
                )
        if code and (len(code) > 32 or not re.fullmatch(r"[A-Z0-9._\-/]+", code)):
            self.error(
                row,
                "code",
                "code.invalid",
                _("A unit code has at most 32 letters, digits or . _ - /, no spaces."),
            )
        if valid_from and valid_from > self.today:
            self.error(
                row, "valid_from", "date.future", _("The effective date cannot be in the future.")
            )
        record = UnitRecord(
            row=row,
            code=code,
            name=name,
            short_name=self.text(row, cells, "short_name") if "short_name" in self.columns else "",
            kind=kind,
            parent_code=cell_text(self.raw(cells, "parent")).upper(),
            managed_by_code=cell_text(self.raw(cells, "managed_by")).upper(),
            valid_from=valid_from,
            refs=self.refs,
        )
        return record if self.problems.errors == start else None
