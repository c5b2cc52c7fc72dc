"""The summary tables as an .xlsx file (openpyxl). Kept apart and self-contained so that it
moves to the documents app's exporter registry as it is: ``summary_workbook(report)`` takes the
``selectors.Report`` the page shows and returns the file's bytes."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kiemdiem.common.spreadsheets import safe_cell
from kiemdiem.reports.selectors import TIERS, Report, Table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _head() -> list[str]:
    head = [_("No."), _("Category"), _("Number reviewed"), _("Not rated"), _("Rated")]
    for tier in TIERS:
        head += [tier, f"{tier} (%)"]
    return [*head, _("Not yet rated")]


def _line(number, line) -> list:
    row = [number, safe_cell(str(line.label)), line.total, line.out, line.rated]
    for tier in TIERS:
        share = line.share(tier)
        row += [line.tiers[tier], share if share is not None else ""]
    return [*row, line.pending]


def _table(sheet, title: str, table: Table) -> None:
    sheet.append([safe_cell(title)])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append(_head())
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for i, line in enumerate(table.lines, start=1):
        sheet.append(_line(i, line))
    sheet.append(_line("", table.total))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.append([])


def summary_workbook(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Summary sheet")[:31]
    sheet.append([safe_cell(_("Summary of review and classification results"))])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([safe_cell(f"{report.unit.name} — {report.cycle.name}")])
    sheet.append([_("Made on"), timezone.localtime().strftime("%d/%m/%Y %H:%M")])
    sheet.append([])
    _table(sheet, _("Whole subtree"), report.table)
    for cycle, table in report.earlier:
        _table(sheet, f"{cycle.name}", table)
    children = book.create_sheet(_("Units below")[:31])
    children.append(
        [_("Unit"), _("Number reviewed"), _("Rated"), *TIERS, _("Not yet rated"), _("Report")]
    )
    for cell in children[1]:
        cell.font = Font(bold=True)
    for row in report.children:
        t = row.table.total
        state = _("Submitted") if row.submission and row.submission.is_submitted else ""
        children.append(
            [
                safe_cell(row.unit.name),
                t.total,
                t.rated,
                *(t.tiers[x] for x in TIERS),
                t.pending,
                state,
            ]
        )
    sheet.column_dimensions["B"].width = 42
    children.column_dimensions["A"].width = 42
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
