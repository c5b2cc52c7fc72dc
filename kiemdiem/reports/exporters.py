"""The summary tables as an .xlsx file (openpyxl): ``summary_workbook(report)`` takes the
``selectors.Report`` the page shows and returns the file's bytes — for the report page's
download and for the documents registry's ``report_summary`` exporter (registered in
``ReportsConfig.ready()``)."""

from __future__ import annotations

import io

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kiemdiem.accounts.models import Action
from kiemdiem.common.spreadsheets import safe_cell
from kiemdiem.cycles.models import ReviewCycle
from kiemdiem.documents import registry
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField
from kiemdiem.reports import policies, selectors
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


# --- on the documents registry -------------------------------------------------------------------


class SummaryForm(ScopedForm):
    cycle = forms.ModelChoiceField(label=_lazy("Cycle"), queryset=ReviewCycle.objects.none())
    unit = UnitCodeField(
        label=_lazy("Unit code"),
        action=Action.VIEW,
        help_text=_lazy("The unit and its whole subtree."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["cycle"].queryset = selectors.visible_cycles(user).order_by("-year", "name")

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        # The figures are the whole subtree's: a grant on part of it does not open them
        # (the report page's rule), and the unit reads as unknown, like one outside the scope.
        if unit is not None and not policies.may_view(self.user, unit):
            self.add_error(
                "unit",
                _("No active unit with code “%(code)s” in your scope.") % {"code": unit.code},
            )
        return cleaned


class SummaryExporter(registry.Exporter):
    """The summary tables of a unit's subtree in a cycle (biểu tổng hợp) — the same workbook as
    the report page's download (``/reports/<cycle>/<unit>/export/``, which stays)."""

    identifier = "report_summary"
    label = _lazy("Summary of review results")
    description = _lazy("The summary table of the unit's subtree, the units below, year on year.")
    formats = ("xlsx",)
    form_class = SummaryForm

    policy = staticmethod(policies.may_export)

    def items(self, user, cleaned):
        yield selectors.report(user, cleaned["cycle"], cleaned["unit"])

    def render(self, report, fmt) -> registry.Output:
        name = f"tong-hop-{report.cycle.code}-{report.unit.code}".replace(" ", "-")
        return registry.Output(f"{name}.xlsx", summary_workbook(report))

    def archive_name(self, cleaned) -> str:
        return f"tong-hop-{cleaned['unit'].code}-{cleaned['cycle'].year}"


def register_exporters() -> None:
    registry.register(SummaryExporter)
