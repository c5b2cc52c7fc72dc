"""Exporters of the insights app: ``ComparisonExporter`` (the comparison page's download) and,
on the documents registry, ``ComparisonDocument`` (``insights_comparison``, the same workbook).
An exporter names itself, declares its columns, gives its rows for a user and parameters
(through the same selectors the page reads, so through the door), and renders them.
Every text cell goes through ``common.spreadsheets.safe_cell``."""

from __future__ import annotations

import io

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from kiemdiem.accounts.models import Action
from kiemdiem.common.spreadsheets import safe_cell
from kiemdiem.cycles.models import ReviewCycle, TierChoice
from kiemdiem.cycles.selectors import cycle_list
from kiemdiem.documents import registry
from kiemdiem.insights import comparison, policies
from kiemdiem.insights.comparison import Comparison, kind_label
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField

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


# --- on the documents registry -------------------------------------------------------------------


class ComparisonForm(ScopedForm):
    cycle = forms.ModelChoiceField(label=gettext_lazy("Cycle"), queryset=ReviewCycle.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Post"), choices=())
    unit = UnitCodeField(label=gettext_lazy("Unit code"), action=Action.VIEW, required=False)
    direct = forms.BooleanField(label=gettext_lazy("Directly under it only"), required=False)
    tier = forms.ChoiceField(label=gettext_lazy("Tier"), choices=(), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), choices=(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["cycle"].queryset = cycle_list(user).order_by("-year", "-period_end", "code")
        self.fields["kind"].choices = comparison.position_kinds()
        self.fields["tier"].choices = [("", "—"), *TierChoice.choices]
        self.fields["sort"].choices = [(s, s) for s in comparison.SORTS]


class ComparisonDocument(registry.Exporter):
    """The comparison of equivalent positions through the documents registry: the same
    workbook as the comparison page's download (``/insights/comparison/export/``, which
    stays), read by ``comparison.compare`` through the door."""

    identifier = "insights_comparison"
    label = gettext_lazy("Comparison of equivalent positions")
    description = gettext_lazy("People in the same post across comparable units, with their tiers.")
    formats = ("xlsx",)
    form_class = ComparisonForm

    policy = staticmethod(policies.may_read)

    def items(self, user, cleaned):
        within = cleaned.get("unit")
        result = comparison.compare(
            user,
            cleaned["cycle"],
            cleaned["kind"],
            within=within,
            directly_under=bool(cleaned.get("direct")) and within is not None,
            tier=cleaned.get("tier") or "",
            sort=cleaned.get("sort") or "percentile",
        )
        yield result, (within.name if within else "")

    def render(self, item, fmt) -> registry.Output:
        result, scope_name = item
        data = ComparisonExporter().render(result, scope_name=scope_name)
        name = f"so-sanh-{result.kind.replace('.', '-')}-{result.cycle.year}.xlsx"
        return registry.Output(name, data)

    def archive_name(self, cleaned) -> str:
        return f"so-sanh-{cleaned['kind'].replace('.', '-')}"


def register_exporters() -> None:
    registry.register(ComparisonDocument)
