"""The report's charts, one function for the page and the document: the SVG the page shows is
the SVG drawn into the Word/PDF report (``exporters.ReportDocumentExporter``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kiemdiem.common.charts import TIER_COLOURS, stacked_bars
from kiemdiem.reports import selectors

SERIES = list(zip(selectors.TIERS, TIER_COLOURS, strict=True))


def report_charts(report: selectors.Report) -> dict:
    """``children``: the tiers of each unit below ("" when there is none); ``years``: this
    cycle and the earlier ones of its kind."""

    def values(table):
        return [table.total.tiers[t] for t in selectors.TIERS]

    rows = [(row.unit.short_name or row.unit.name, values(row.table)) for row in report.children]
    years = [(report.cycle.name, values(report.table))] + [
        (cycle.name, values(table)) for cycle, table in report.earlier
    ]
    return {
        "children": stacked_bars(rows, SERIES, title=_("Tiers by unit below")) if rows else "",
        "years": stacked_bars(years, SERIES, title=_("Tiers year on year")),
    }
