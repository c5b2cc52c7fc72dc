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

``count_bars`` draws counts rather than shares: one bar per row whose length is its total
against the largest row's (the rows compare by size: the signals of each kind, of each unit),
split into its series when there are several (then a legend, one entry a line, names long as
they may be), the total printed after the bar; same conventions (label above the bar,
``viewBox``, a ``<title>`` per segment, no JavaScript).

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


def _opening(wide: int, height: int, title: str) -> list[str]:
    """The chart's ``<svg>`` (drawn at its container's width) and its title."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {wide} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'font-family="{FONT}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    return parts


def _text_colour(fill: str) -> str:
    r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    return "#000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#fff"


CHAR = 6.2  # a rough width of a character of the 11–12 unit labels, in viewBox units


def _legend(series: Sequence[tuple[str, str]], y: int, wide: int) -> tuple[list[str], int]:
    """The legend's parts and height: the entries in equal columns when they fit, else one
    after the other, wrapping to a new line (a fifth "not rated yet" does not fit a column)."""
    parts, x = [], 0.0
    step = wide // max(len(series), 1)
    widths = [16 + CHAR * len(name) for name, _colour in series]
    columns = all(w <= step for w in widths)
    top = y
    for (name, colour), w in zip(series, widths, strict=True):
        if not columns and x and x + w > wide:
            x, top = 0.0, top + LABEL
        parts.append(
            f'<rect x="{x:g}" y="{top}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16:g}" y="{top + 10}" font-size="11">{escape(name)}</text>'
        )
        x += step if columns else w + 12
    return parts, top - y + LEGEND


def stacked_bars(
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[tuple[str, str]],
    *,
    title: str = "",
    empty: str = "—",
    wide: int = WIDTH,
) -> SafeString:
    """A 100 % stacked bar per row; ``rows`` is [(label, [value per series])]. A narrower
    ``wide`` (the viewBox's width) draws the same text larger on the page."""
    legend, y = _legend(series, 2, wide)
    height = y + len(rows) * (LABEL + BAR + GAP) + 4
    parts = _opening(wide, height, title)
    parts.extend(legend)
    for label, values in rows:
        total = sum(values)
        most = int(wide / CHAR) - len(str(total)) - 3  # the label, then its "(total)"
        if len(label) > most:
            label = label[: most - 1] + "…"
        parts.append(
            f'<text x="0" y="{y + LABEL - 4}" font-size="12">{escape(label)} '
            f'<tspan fill="#555">({total})</tspan></text>'
        )
        top = y + LABEL
        if not total:
            parts.append(
                f'<rect x="0" y="{top}" width="{wide}" height="{BAR}" fill="#eee"/>'
                f'<text x="4" y="{top + BAR - 5}" font-size="11" fill="#555">{escape(empty)}</text>'
            )
        x = 0.0
        for (name, colour), value in zip(series, values, strict=False):
            if not value or not total:
                continue
            width = wide * value / total
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


def _legend_lines(series: Sequence[tuple[str, str]], wide: int) -> tuple[list[str], int]:
    """A legend one entry a line (two when the name is long: the signals' names are sentences,
    not tier codes); its parts and height."""
    parts, top = [], 0
    for name, colour in series:
        parts.append(f'<rect x="0" y="{top + 2}" width="12" height="12" fill="{colour}"/>')
        for line in _lines(name, wide - 16):
            parts.append(f'<text x="16" y="{top + 12}" font-size="11">{escape(line)}</text>')
            top += LABEL
    return parts, top


COUNT_ROOM = 40  # room after the longest bar for its total


def _lines(label: str, wide: int) -> list[str]:
    """A label in at most two lines that fit ``wide``, broken between words; what still does
    not fit is cut (…) rather than clipped by the chart's edge."""
    most = int(wide / CHAR)
    if len(label) <= most:
        return [label]
    cut = label.rfind(" ", 0, most + 1)
    first, rest = (label[:cut], label[cut + 1 :]) if cut > 0 else (label[:most], label[most:])
    if len(rest) > most:
        rest = rest[: most - 1] + "…"
    return [first, rest]


def count_bars(
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[tuple[str, str]],
    *,
    title: str = "",
    wide: int = WIDTH,
) -> SafeString:
    """A bar per row, as long as its total against the largest, split into ``series`` (a
    legend is drawn when there are several); ``rows`` is [(label, [value per series])]."""
    legend = len(series) > 1
    labels = [_lines(label, wide) for label, _values in rows]
    keys, top_y = _legend_lines(series, wide) if legend else ([], -6)
    top_y += 6
    height = top_y + sum(len(lines) * LABEL + BAR + GAP for lines in labels) + 4
    largest = max((sum(values) for _label, values in rows), default=0) or 1
    room = wide - COUNT_ROOM
    parts = _opening(wide, height, title)
    parts.extend(keys)
    y = top_y
    for lines, (_label, values) in zip(labels, rows, strict=True):
        total = sum(values)
        for line in lines:
            parts.append(f'<text x="0" y="{y + LABEL - 4}" font-size="12">{escape(line)}</text>')
            y += LABEL
        x = 0.0
        for (name, colour), value in zip(series, values, strict=False):
            if not value:
                continue
            width = room * value / largest
            parts.append(
                f'<rect x="{x:.2f}" y="{y}" width="{width:.2f}" height="{BAR}" '
                f'fill="{colour}"><title>{escape(name)}: {value}</title></rect>'
            )
            x += width
        parts.append(
            f'<text x="{x + 4:.2f}" y="{y + BAR - 5}" font-size="12" '
            f'font-weight="bold">{total}</text>'
        )
        y += BAR + GAP
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every label escaped above)
