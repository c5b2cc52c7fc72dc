"""Small server-rendered SVG charts: no JavaScript, the same on screen, in print and in a PDF.

``stacked_bars`` draws one horizontal 100 % bar per row (a unit, a year), split into its series
(the four tiers, say), each row's label on its own line above the bar so that long Vietnamese
unit names stay readable at 375 px; the chart scales to its container's width (``viewBox``).
Every segment carries a ``<title>`` (its series, count and share) for screen readers and a
hover tip, and the numbers are printed inside the segments wide enough to hold them.

    svg = stacked_bars(
        [("Xã An Bình", [12, 30, 5, 1]), ("Phường Bến Thành", [3, 20, 2, 0])],
        [("HTXSNV", "#1b7f3b"), ("HTTNV", "#6fbf73"), ("HTNV", "#f2c14e"), ("KHTNV", "#c0392b")],
        title="Kết quả xếp loại theo đơn vị",
    )

The result is a ``SafeString``: every label is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360  # the viewBox width; the chart is drawn at 100 % of its container
LABEL = 16  # height of a row's label line
BAR = 18
GAP = 10
LEGEND = 22
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"

# The tiers' colours, best to worst, distinct in grey print too (lightness steps).
TIER_COLOURS = ("#1b6e3a", "#63b06b", "#e8b84a", "#b3261e")


def _text_colour(fill: str) -> str:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#fff"


def _legend(series: Sequence[tuple[str, str]], y: int) -> list[str]:
    parts, x = [], 0
    step = WIDTH // max(len(series), 1)
    for name, colour in series:
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y + 10}" font-size="11">{escape(name)}</text>'
        )
        x += step
    return parts


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[tuple[str, str]],
    *,
    title: str = "",
    empty: str = "—",
) -> SafeString:
    """A 100 % stacked bar per row; ``rows`` is [(label, [value per series])]."""
    height = LEGEND + len(rows) * (LABEL + BAR + GAP) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.extend(_legend(series, 2))
    y = LEGEND
    for label, values in rows:
        total = sum(values)
        parts.append(
            f'<text x="0" y="{y + LABEL - 4}" font-size="12">{escape(label)} '
            f'<tspan fill="#555">({total})</tspan></text>'
        )
        top = y + LABEL
        if not total:
            parts.append(
                f'<rect x="0" y="{top}" width="{WIDTH}" height="{BAR}" fill="#eee"/>'
                f'<text x="4" y="{top + BAR - 5}" font-size="11" fill="#555">{escape(empty)}</text>'
            )
        x = 0.0
        for (name, colour), value in zip(series, values, strict=False):
            if not value or not total:
                continue
            width = WIDTH * value / total
            share = value * 100 / total
            parts.append(
                f'<rect x="{x:.2f}" y="{top}" width="{width:.2f}" height="{BAR}" '
                f'fill="{colour}"><title>{escape(name)}: {value} ({share:.1f} %)</title></rect>'
            )
            text = f"{share:.0f}%"
            if width >= 8 * len(text):
                parts.append(
                    f'<text x="{x + width / 2:.2f}" y="{top + BAR - 5}" font-size="11" '
                    f'text-anchor="middle" fill="{_text_colour(colour)}">{text}</text>'
                )
            x += width
        y += LABEL + BAR + GAP
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every label escaped above)
