"""The report as files, from the ``selectors.Report`` the page shows:

* ``summary_workbook(report)`` — the summary tables as an .xlsx file (openpyxl), for the report
  page's download and the documents registry's ``report_summary`` exporter;
* ``document_context(report)`` — the report as an official document (``report.docx``: the
  party's header, the summary table, the units below, year on year) with the page's two charts
  drawn in — the same SVG (``reports.charts``) as a picture — for the ``report_document``
  exporter, in Word and PDF.

Both exporters are registered in ``ReportsConfig.ready()`` and use the reports policy."""

from __future__ import annotations

import io

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kiemdiem.accounts.models import Action
from kiemdiem.common.spreadsheets import safe_cell
from kiemdiem.cycles.models import ReviewCycle
from kiemdiem.documents import heading, registry, render
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField
from kiemdiem.orgtree.selectors import breadcrumbs
from kiemdiem.reports import policies, selectors
from kiemdiem.reports.charts import report_charts
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


# --- the report as a document (Word, PDF) ------------------------------------------------------

CHART_MM = 130  # the charts' width: their 12-unit labels print near the body's size


def _share(value) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def _tier_cells(line) -> list:
    cells = []
    for _tier, n, share in line.cells:
        cells += [n, _share(share)]
    return cells


def _texts(cells) -> list[str]:
    return [str(c) for c in cells]


def document_context(report: Report, *, today=None) -> dict:
    """The fields of ``report.docx`` (docs/documents.md), in Vietnamese whatever the reader's
    language (an official document), with the page's two charts as pictures."""
    with translation.override("vi"):
        unit, cycle = report.unit, report.cycle
        total = report.table.total
        charts = report_charts(report)
        figures = [
            f"Tổng số đối tượng kiểm điểm trong toàn {unit.name} (cả các đơn vị trực thuộc): "
            f"{total.total}; không xếp loại (miễn, tạm hoãn, chuyển kỳ sau): {total.out}; "
            f"đã xếp loại: {total.rated}; chưa xếp loại: {total.pending}."
        ]
        figures += [
            f"- {tier}: {n} ({_share(share)} % số đã xếp loại)." for tier, n, share in total.cells
        ]
        summary = {
            "heading": "I. KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG",
            "lines": figures,
            "rows": [
                _texts([i, line.label, line.total, line.out, line.rated])
                + _texts(_tier_cells(line))
                + [str(line.pending)]
                for i, line in enumerate(report.table.lines, start=1)
            ],
            "total": _texts(["", "Tổng cộng", total.total, total.out, total.rated])
            + _texts(_tier_cells(total))
            + [str(total.pending)],
            "note": "Tỉ lệ (%) tính trên số đã xếp loại. Không xếp loại: được miễn, tạm hoãn "
            "hoặc chuyển sang kỳ sau.",
        }
        children = None
        if report.children:
            submitted = 0
            rows = []
            for child in report.children:
                t = child.table.total
                if child.submission and child.submission.is_submitted:
                    state, submitted = "Đã gửi", submitted + 1
                else:
                    state = "Đã rút lại" if child.submission else "Chưa gửi"
                rows.append(
                    _texts([child.unit.name, t.total, t.rated, *t.tiers.values(), t.pending])
                    + [state]
                )
            children = {
                "heading": "II. KẾT QUẢ CỦA CÁC ĐƠN VỊ TRỰC THUỘC",
                "lines": [
                    f"Số đơn vị trực thuộc đã gửi báo cáo lên cấp trên: {submitted}/{len(rows)}."
                ],
                "rows": rows,
            }
        years = {
            "heading": f"{'III' if children else 'II'}. SO SÁNH VỚI CÁC KỲ TRƯỚC",
            "lines": [] if report.earlier else ["Chưa có kỳ kiểm điểm cùng loại trước đây."],
            "rows": [
                _texts([c.name, t.total.total, t.total.rated]) + _texts(_tier_cells(t.total))
                for c, t in [(cycle, report.table), *report.earlier]
            ],
        }
        made = today or timezone.localdate()
        return {
            **heading.header([*breadcrumbs(unit), unit], kind="bao_cao", when=made),
            "title": "BÁO CÁO",
            "subtitle": f"Tổng hợp kết quả kiểm điểm, đánh giá, xếp loại chất lượng — {cycle.name}",
            "summary": summary,
            "children": children,
            "years": years,
            "chart_children": (
                render.svg_picture(charts["children"], CHART_MM) if charts["children"] else ""
            ),
            "chart_years": render.svg_picture(charts["years"], CHART_MM),
            "signer_title": "T/M CẤP ỦY",
            "signer_name": "",
        }


class ReportDocumentExporter(registry.Exporter):
    """The report page as an official document (báo cáo tổng hợp), in Word or PDF, with the
    page's charts; the same form and policy as ``report_summary``."""

    identifier = "report_document"
    label = _lazy("Results report with charts")
    description = _lazy(
        "The report page as a document in the party's layout: the summary table, the units "
        "below, year on year, and the page's charts."
    )
    formats = ("pdf", "docx")
    form_class = SummaryForm

    policy = staticmethod(policies.may_export)

    def items(self, user, cleaned):
        yield selectors.report(user, cleaned["cycle"], cleaned["unit"])

    def render(self, report, fmt) -> registry.Output:
        name = f"bao-cao-{report.cycle.code}-{report.unit.code}".replace(" ", "-")
        return registry.Output(
            f"{name}.docx", render.render_docx("report.docx", document_context(report))
        )

    def archive_name(self, cleaned) -> str:
        return f"bao-cao-{cleaned['unit'].code}-{cleaned['cycle'].year}"


def register_exporters() -> None:
    registry.register(SummaryExporter)
    registry.register(ReportDocumentExporter)
