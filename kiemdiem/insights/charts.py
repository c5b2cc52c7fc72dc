"""The insights pages' charts, drawn on the server as SVG (``common.charts``): the same picture
on the screen, in print and in a PDF of the page, readable at phone width, no JavaScript.

Each chart counts the very rows its page shows — the comparison's table (``Comparison.rows``,
after its filters), the signals' counts by kind and the signals' list (``selectors``: the same
door, kind and scope) — and is "" when there is nothing to draw (the page says so in words).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kiemdiem.common.charts import TIER_COLOURS, count_bars, stacked_bars
from kiemdiem.insights import selectors
from kiemdiem.insights.comparison import Comparison, Holder
from kiemdiem.insights.models import SignalKind
from kiemdiem.insights.signals import RANK
from kiemdiem.orgtree.models import SEGMENT_LENGTH, Unit

TIERS = tuple(RANK)  # best first
UNRATED = "#b9bec7"  # "not rated yet": a grey apart from the four tiers
SIGNAL_COLOUR = "#b3261e"
# The five signals' colours (distinct hues, distinct lightness in grey print).
KIND_COLOURS = ("#7a1f1a", "#d9534f", "#f0ad4e", "#3b6ea8", "#9ac4e8")
MOST = 10  # the units below drawn at most (the most signals first)
WIDE = 300  # the charts' viewBox width: at 375 px the 12-unit labels draw at about 12 px


def tier_counts(rows: Sequence[Holder]) -> list[int]:
    """How many of ``rows`` stand at each tier, best first, then those not rated yet."""
    counts = [0] * (len(TIERS) + 1)
    for row in rows:
        counts[RANK[row.tier] if row.tier in RANK else len(TIERS)] += 1
    return counts


@dataclass
class ComparisonChart:
    bars: list[tuple[str, list[int]]]  # (label, tier_counts): all the rows, then each group
    svg: SafeString | str
    groups: int  # the units above the holders' posts (0 when one: no bar each)
    drawn: int = 0  # of them drawn: the ``MOST`` with the most holders, in tree order


def comparison_chart(result: Comparison) -> ComparisonChart:
    """The tiers of the holders the table shows: one bar for them all, then one per unit
    directly above their posts when they sit under several (the cells of each commune, say;
    the ``MOST`` with the most holders). One query (the names of those units)."""
    rows = result.rows
    if not rows:
        return ComparisonChart([], "", 0)
    series = [*zip(TIERS, TIER_COLOURS, strict=True), (_("not rated yet"), UNRATED)]
    bars = [(_("All holders shown"), tier_counts(rows))]
    by_parent: dict[str, list[Holder]] = {}
    for row in rows:
        by_parent.setdefault(row.unit_path[:-SEGMENT_LENGTH], []).append(row)
    groups = len(by_parent) if len(by_parent) > 1 else 0
    drawn = sorted(by_parent, key=lambda p: (-len(by_parent[p]), p))[:MOST] if groups else []
    if drawn:
        names = {
            u.path: u.short_name or u.name
            for u in Unit.objects.filter(path__in=drawn).only("path", "name", "short_name")
        }
        for path in sorted(drawn):
            bars.append((names.get(path, "—"), tier_counts(by_parent[path])))
    svg = stacked_bars(bars, series, title=_("Tiers of the holders compared"), wide=WIDE)
    return ComparisonChart(bars, svg, groups, len(drawn))


@dataclass
class SignalCharts:
    kinds: SafeString | str  # how many signals of each kind ("" when none)
    units: SafeString | str  # the signals of each unit below ("" when none)
    below: list[selectors.UnitSignals]  # every unit below with a signal, most first
    drawn: int  # how many of them are drawn
    itself: int  # the signals naming the scope's own units


def signal_charts(
    counts: Sequence[tuple[str, str, int]], below: list[selectors.UnitSignals], itself: int
) -> SignalCharts:
    """``counts``: the page's (code, label, n) by kind; ``below``/``itself``: the page's rows
    counted per unit below (``selectors.signals_below``)."""
    kinds = ""
    if any(n for _code, _label, n in counts):
        kinds = count_bars(
            [(label, [n]) for _code, label, n in counts],
            [(_("Signals"), SIGNAL_COLOUR)],
            title=_("Signals by kind"),
            wide=WIDE,
        )
    units = ""
    drawn = below[:MOST]
    if drawn:
        # the kinds present only (one, when the page shows one kind: no legend then)
        colours = dict(zip(SignalKind.values, KIND_COLOURS, strict=True))
        labels = dict(SignalKind.choices)
        codes = [c for c in SignalKind.values if any(r.counts.get(c) for r in drawn)]
        units = count_bars(
            [
                (r.unit.short_name or r.unit.name, [r.counts.get(c, 0) for c in codes])
                for r in drawn
            ],
            [(str(labels[c]), colours[c]) for c in codes],
            title=_("Signals by unit below"),
            wide=WIDE,
        )
    return SignalCharts(kinds, units, below, len(drawn), itself)
