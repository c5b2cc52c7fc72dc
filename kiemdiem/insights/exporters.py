"""Exporters of the insights app, shaped for the documents registry (the lead moves them onto
it): an exporter names itself, declares its columns, gives its rows for a user and parameters
(through the same selectors the page reads, so through the door), and renders them.
Every text cell goes through ``common.spreadsheets.safe_cell``."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from kiemdiem.common.spreadsheets import safe_cell
from kiemdiem.insights.comparison import Comparison, kind_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _num(value):
    return None if value is None else float(value)


class ComparisonExporter:
    identifier = "insights.comparison"
    verbose_name = gettext_lazy("Comparison of equivalent positions")
    content_type = XLSX
    extension = "xlsx"

    def columns(self) -> list[str]:
        return [
            _("No."),
            _("Name"),
            _("Post"),
            _("Unit"),
            _("Tier"),
            _("Decided"),
            _("Points"),
            _("% of tasks done"),
            _("% of tasks exceeded"),
            _("Unit's tier"),
            _("Percentile"),
            _("Rank"),
        ]

    def rows(self, comparison: Comparison):
        for i, r in enumerate(comparison.rows, start=1):
            yield [
                i,
                safe_cell(r.name),
                safe_cell(r.title),
                safe_cell(r.unit_name),
                r.tier,
                _("yes") if r.decided else _("no"),
                _num(r.points),
                _num(r.pct_done),
                _num(r.pct_exceeded),
                r.unit_tier,
                r.percentile,
                r.rank,
            ]

    def render(self, comparison: Comparison, *, scope_name: str = "") -> bytes:
        book = Workbook()
        sheet = book.active
        sheet.title = _("Comparison")[:31]
        sheet.append([safe_cell(f"{kind_label(comparison.kind)} — {comparison.cycle.name}")])
        sheet["A1"].font = Font(bold=True)
        sheet.append([safe_cell(scope_name)])
        sheet.append(self.columns())
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in self.rows(comparison):
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
