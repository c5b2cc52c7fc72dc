"""Templates, exports and error reports as .xlsx (openpyxl, write-only: streamed) and .csv.

Every text cell goes through ``common.spreadsheets.safe_cell``: nothing written here is
evaluated as a formula when the file is opened.

Exports use the template's columns and values, so an export re-imports to the same state.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from kiemdiem.common.spreadsheets import safe_cell
from kiemdiem.documents import registry
from kiemdiem.imports import policies
from kiemdiem.imports.columns import COLUMNS, SHEET_TITLES, choice_label
from kiemdiem.imports.forms import ExportForm
from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup, UnitKind
from kiemdiem.people.models import (
    Affiliation,
    Gender,
    MemberStatus,
    MemberStatusKind,
    Occupation,
    Person,
    PostRole,
    StateCategory,
)

HEADER_FILL = PatternFill("solid", fgColor="FFE8D5B5")
REQUIRED_FONT = Font(bold=True, color="FF9B1C1C")
BAD_FILL = PatternFill("solid", fgColor="FFF8B4B4")
WARN_FILL = PatternFill("solid", fgColor="FFFDE68A")
DATE_FORMAT = "DD/MM/YYYY"


def _print_setup(sheet) -> None:
    """Landscape, all columns on one page width: the sheets print and convert to PDF readably."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def _fmt_date(day: datetime.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# --- rows of an export ----------------------------------------------------------------------


def unit_rows(root: Unit) -> Iterator[list]:
    units = Unit.objects.active().subtree_of(root).select_related("parent", "managed_by")
    for unit in units.order_by("path").iterator(chunk_size=2000):
        yield [
            unit.code,
            unit.name,
            unit.short_name,
            choice_label(UnitKind, unit.kind),
            unit.parent.code if unit.parent else "",
            unit.managed_by.code if unit.managed_by else "",
            unit.valid_from,
        ]


def _post_text(a: Affiliation, code: str) -> str:
    extra = ""
    if a.kind == "employment" and a.state_category:
        extra = f" ({choice_label(StateCategory, a.state_category)})"
    elif a.role:
        extra = f" ({choice_label(PostRole, a.role)})"
    return f"{code}: {a.title}{extra} từ {_fmt_date(a.valid_from)}"


def people_rows(root: Unit, chunk: int = 2000, *, people=None) -> Iterator[list]:
    """One row per person currently in the subtree (and in ``people``, when given);
    affiliations outside the subtree are left out."""
    units = {
        pk: (code, kind)
        for pk, code, kind in Unit.objects.subtree_of(root).values_list("pk", "code", "kind")
    }
    person_ids = (
        Affiliation.objects.current()
        .filter(unit__path__startswith=root.path)
        .values_list("person_id", flat=True)
        .distinct()
    )
    if people is not None:
        person_ids = person_ids.filter(person_id__in=people.values("pk"))
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        persons = Person.objects.filter(pk__in=part).select_related("membership").order_by("pk")
        statuses = {
            s.member_id: s
            for s in MemberStatus.objects.filter(member__person_id__in=part, valid_to__isnull=True)
        }
        affs: dict[int, list[Affiliation]] = {}
        for a in (
            Affiliation.objects.current().filter(person_id__in=part).order_by("valid_from", "pk")
        ):
            if a.unit_id in units:
                affs.setdefault(a.person_id, []).append(a)
        for p in persons:
            m = getattr(p, "membership", None)
            status = statuses.get(m.pk) if m else None
            cell = residence = None
            posts, collectives, employment = [], [], []
            for a in affs.get(p.pk, []):
                code, kind = units[a.unit_id]
                if a.kind == "cell":
                    cell = (code, a)
                elif a.kind == "residence":
                    residence = (code, a)
                elif a.kind == "employment":
                    employment.append(_post_text(a, code))
                elif KIND_GROUP[kind] == UnitGroup.COLLECTIVE:
                    collectives.append(_post_text(a, code))
                else:
                    posts.append(_post_text(a, code))
            inactive = status and status.status != MemberStatusKind.ACTIVE
            yield [
                p.family_name,
                p.middle_name,
                p.given_name,
                "",
                p.birth_date,
                choice_label(Gender, p.gender),
                p.ethnicity,
                p.citizen_id or "",
                p.phone,
                p.email,
                (m.card_number or "") if m else "",
                m.admitted_on if m else None,
                m.official_on if m else None,
                choice_label(Occupation, m.occupation) if m else "",
                choice_label(MemberStatusKind, status.status) if status else "",
                status.valid_from if inactive else None,
                cell[0] if cell else "",
                cell[1].valid_from if cell else None,
                residence[0] if residence else "",
                residence[1].valid_from if residence else None,
                "; ".join(posts),
                "; ".join(collectives),
                "; ".join(employment),
            ]


# --- writers --------------------------------------------------------------------------------


def _header_cells(sheet, kind: str) -> list:
    cells = []
    for column in COLUMNS[kind]:
        cell = WriteOnlyCell(sheet, value=column.header + (" (*)" if column.required else ""))
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if column.required else Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cells.append(cell)
    return cells


def _value_cell(sheet, value):
    value = safe_cell(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula
    if isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, str) and value.isdigit():
        cell.number_format = "@"  # keep leading zeros of codes and IDs
    return cell


def _instructions(book: Workbook, kind: str) -> None:
    sheet = book.create_sheet("Hướng dẫn")
    _print_setup(sheet)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 90
    sheet.column_dimensions["D"].width = 40
    what = {"units": "đơn vị", "people": "nhân sự", "register": "sổ theo dõi kỷ luật, kết luận"}
    title = WriteOnlyCell(sheet, value="Hướng dẫn điền mẫu nhập " + what[kind])
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    for line in (
        "Điền dữ liệu ở trang tính đầu tiên, từ dòng 2. Không đổi tên các cột; có thể bỏ các "
        "cột không dùng. Cột có dấu (*) là bắt buộc.",
        "Ngày ghi theo dạng dd/mm/yyyy (ví dụ 03/04/2026) hoặc để Excel định dạng ngày.",
        "Chữ tiếng Việt phải là Unicode có dấu đầy đủ; tệp CSV lưu dạng “CSV UTF-8”.",
        "Nhập lại cùng một tệp không thay đổi gì; ô để trống giữ nguyên giá trị đang có.",
        "Nhận diện người: theo số CCCD; nếu không có thì số thẻ đảng viên; nếu không có nữa "
        "thì họ tên + ngày sinh.",
    ):
        sheet.append([line])
    sheet.append([])
    head = [WriteOnlyCell(sheet, value=v) for v in ("Cột", "Bắt buộc", "Cách ghi", "Ví dụ")]
    for cell in head:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    sheet.append(head)
    for column in COLUMNS[kind]:
        help_text = column.help
        if column.choices:
            help_text = (
                help_text
                + " Giá trị: "
                + "; ".join(choice_label(type(c), c.value) for c in column.choices)
            ).strip()
        line = (column.header, "Có" if column.required else "", help_text, column.example)
        sheet.append([_value_cell(sheet, v) for v in line])


def template_xlsx(kind: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLES[kind])
    _print_setup(sheet)
    for index, column in enumerate(COLUMNS[kind]):
        letter = _letter(index)
        sheet.column_dimensions[letter].width = max(14, min(45, len(column.header) + 6))
    sheet.freeze_panes = "A2"
    sheet.append(_header_cells(sheet, kind))
    example = [c.example for c in COLUMNS[kind]]
    sheet.append([_value_cell(sheet, v) for v in example])
    _instructions(book, kind)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _letter(index: int) -> str:
    from kiemdiem.imports.validation import column_letter

    return column_letter(index)


def export_rows(kind: str, root: Unit, *, people=None) -> Iterator[list]:
    """``people``: a Person queryset the export is limited to (None: everyone in the subtree)."""
    return unit_rows(root) if kind == "units" else people_rows(root, people=people)


def write_xlsx(kind: str, rows, out) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLES[kind])
    _print_setup(sheet)
    for index, column in enumerate(COLUMNS[kind]):
        sheet.column_dimensions[_letter(index)].width = max(12, min(45, len(column.header) + 6))
    sheet.freeze_panes = "A2"
    sheet.append(_header_cells(sheet, kind))
    for row in rows:
        sheet.append([_value_cell(sheet, v) for v in row])
    _instructions(book, kind)
    book.save(out)


def write_csv(kind: str, rows, out) -> None:
    """UTF-8 with BOM (Excel opens it with the right characters), comma-separated."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([c.header for c in COLUMNS[kind]])
    for row in rows:
        writer.writerow(
            [safe_cell(_fmt_date(v) if isinstance(v, datetime.date) else v) for v in row]
        )
    text.flush()
    text.detach()


# --- error report ---------------------------------------------------------------------------


def save_problems(job, problems) -> None:
    """Keep the problems (messages without a language) for reports built later."""
    job.folder.mkdir(parents=True, exist_ok=True)
    tmp = job.problems_path.with_suffix(".tmp")
    tmp.write_text(json.dumps([p.as_dict() for p in problems], ensure_ascii=False))
    tmp.replace(job.problems_path)


def _until_refused(rows):
    """The rows up to one beyond the limits (the refusal itself is among the problems)."""
    from kiemdiem.imports.limits import LimitError

    try:
        yield from rows
    except LimitError:
        return


def error_report(job) -> Path | None:
    """The error report in the active language, built on first use (None: no problems)."""
    from kiemdiem.imports.validation import Problem

    path = job.report_path
    if path.exists():
        return path
    if not job.problems_path.exists():
        old = job.folder / "report.xlsx"  # a job checked before reports followed the reader
        return old if old.exists() else None
    problems = [Problem.from_dict(d) for d in json.loads(job.problems_path.read_text())]
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")  # two downloads at once
    write_error_report(job, problems, tmp)
    tmp.replace(path)
    return path


# Width (characters) of a data column in the error report, by the template column's type.
_REPORT_WIDTHS = {"name": 16, "date": 12, "choice": 18, "code": 12, "digits": 15, "posts": 42}
_TOP = Alignment(vertical="top")
_TOP_CENTER = Alignment(horizontal="center", vertical="top")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)


def _head_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(vertical="center", wrap_text=True)
    return cell


def _cell(sheet, value, alignment=_TOP):
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    cell.alignment = alignment
    return cell


def _fit(sheet, row: int, cells: list, widths: list[float], *, bold: bool = False) -> None:
    """Give row ``row`` the height its wrapped texts need (spreadsheets do not on opening).

    Lines are counted by wrapping words as a spreadsheet does, at about 1.2 characters of
    ordinary text per unit of column width (less in bold).
    """
    lines = 1
    for cell, width in zip(cells, widths, strict=False):
        value = cell.value
        if isinstance(value, str) and value:
            per_line = max(4, int(width * (0.95 if bold else 1.2)))
            count = sum(len(textwrap.wrap(part, per_line)) or 1 for part in value.split("\n"))
            lines = max(lines, count)
    if lines > 1:
        sheet.row_dimensions[row].height = 15 * min(lines, 20)


def write_error_report(job, problems, target) -> None:
    """The problems list, and the rows with problems with their bad cells marked.

    Long texts (messages, post lists) wrap inside their column instead of running over the
    next ones, so the sheets read on screen and print (landscape, one page wide) readably.
    """
    from kiemdiem.imports.limits import LimitError
    from kiemdiem.imports.readers import ReadError, open_table
    from kiemdiem.imports.text import CsvEncodingError

    book = Workbook(write_only=True)
    summary = book.create_sheet(_("Problems")[:31])
    _print_setup(summary)
    widths = [14, 7, 8, 24, 20, 10, 90]
    for letter, width in zip("ABCDEFG", widths, strict=True):
        summary.column_dimensions[letter].width = width
    summary.freeze_panes = "A2"
    head = [_("Sheet"), _("Row"), _("Column"), _("Header"), _("Code"), _("Severity"), _("Message")]
    head = [_head_cell(summary, value) for value in head]
    _fit(summary, 1, head, widths, bold=True)
    summary.append(head)
    for number, p in enumerate(problems, start=2):
        severity = _cell(summary, _("error") if p.severity == "error" else _("warning"))
        if p.severity == "error":
            severity.font = Font(color="FF9B1C1C")
        line = [
            _cell(summary, p.sheet),
            _cell(summary, p.row or "", _TOP_CENTER),
            _cell(summary, p.column, _TOP_CENTER),
            _cell(summary, p.header, _TOP_WRAP),
            _cell(summary, p.code),
            severity,
            _cell(summary, p.text, _TOP_WRAP),
        ]
        _fit(summary, number, line, widths)
        summary.append(line)
    marks: dict[int, dict[int, list]] = {}
    index_of = {letter: i for i, letter in ((i, _letter(i)) for i in range(200))}
    for p in problems:
        if p.row:
            marks.setdefault(p.row, {}).setdefault(index_of.get(p.column, -1), []).append(p)
    if marks:
        data = book.create_sheet(_("Rows with problems")[:31])
        _print_setup(data)
        try:
            table = open_table(job.source_path, job.file_format, job.kind)
        except (ReadError, CsvEncodingError, LimitError):
            table = None
        if table is not None:
            width = max(table.columns.values()) + 1
            spec = {c.key: c for c in COLUMNS[job.kind]}
            types = ["text"] * width
            header = [_("Row")] + [""] * width
            for key, i in table.columns.items():
                header[i + 1] = spec[key].header
                types[i] = spec[key].type
            widths = [7] + [_REPORT_WIDTHS.get(kind, 16) for kind in types]
            for i, column_width in enumerate(widths):
                data.column_dimensions[_letter(i)].width = column_width
            data.freeze_panes = "B2"
            head = [_head_cell(data, value) for value in header]
            _fit(data, 1, head, widths, bold=True)
            data.append(head)
            written = 1
            for number, row in _until_refused(table.rows):
                if number not in marks:
                    continue
                out = [_cell(data, number, _TOP_CENTER)]
                for i, value in enumerate(row):
                    cell = _value_cell(data, value if value != "" else None)
                    cell.alignment = _TOP_WRAP
                    found = marks[number].get(i)
                    if found:
                        bad = any(p.severity == "error" for p in found)
                        cell.fill = BAD_FILL if bad else WARN_FILL
                        cell.comment = _comment(found)
                    out.append(cell)
                whole_row = marks[number].get(-1)
                if whole_row:
                    out[0].fill = BAD_FILL
                    out[0].comment = _comment(whole_row)
                written += 1
                _fit(data, written, out, widths)
                data.append(out)
    book.save(target)


def _comment(problems) -> Comment:
    """A cell's note: its messages, in a box large enough to read them without resizing."""
    text = "\n".join(p.text for p in problems)
    comment = Comment(text, "kiemdiem")
    lines = sum(1 + len(line) // 48 for line in text.splitlines())
    comment.width, comment.height = 320, max(60, 18 * lines + 12)  # points
    return comment


# --- in the documents registry ---------------------------------------------------------------


class PeopleUnitsForm(ExportForm):
    format = None  # the documents page and the API choose the format


class PeopleUnitsExporter(registry.Exporter):
    """The people or units of a subtree (the import template's columns), in the documents
    registry: the documents page, the API and the job queue run it like any other export, and
    so does the imports page's export (``views.export``: the same door, policy and limits, as
    the user's job run at once, the file sent straight back)."""

    identifier = "people_units"
    label = _lazy("People or units of a subtree (import template columns)")
    description = _lazy(
        "Re-imports to the same state; only the people whose personal fields you may see."
    )
    formats = ("xlsx", "csv")
    form_class = PeopleUnitsForm

    policy = staticmethod(policies.may_export)

    def items(self, user, cleaned):
        yield cleaned["kind"], cleaned["unit"], policies.export_people(user)

    def render(self, item, fmt) -> registry.Output:
        kind, unit, people = item
        out = io.BytesIO()
        rows = export_rows(kind, unit, people=people)
        (write_xlsx if fmt == "xlsx" else write_csv)(kind, rows, out)
        stamp = datetime.date.today().strftime("%Y%m%d")
        name = f"{'don-vi' if kind == 'units' else 'nhan-su'}-{unit.code}-{stamp}.{fmt}"
        return registry.Output(name, out.getvalue())

    def archive_name(self, cleaned) -> str:
        return f"xuat-{cleaned['unit'].code}"


def register_exporters() -> None:
    registry.register(PeopleUnitsExporter)
