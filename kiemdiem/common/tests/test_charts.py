"""The server-drawn charts: counts drawn to scale, labels escaped, long ones wrapped or cut
rather than clipped by the chart's edge."""

import re

from kiemdiem.common.charts import count_bars, stacked_bars


def _bars(svg):
    return [
        float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="18"', svg)
    ]


def test_count_bars_are_drawn_to_scale_with_their_totals():
    svg = count_bars([("A", [4]), ("B", [1]), ("C", [0])], [("Signals", "#b3261e")], wide=300)
    assert 'viewBox="0 0 300 ' in svg
    assert _bars(svg) == [260.0, 65.0]  # 300 less the room for the total, then a quarter
    assert re.findall(r'font-weight="bold">(\d+)<', svg) == ["4", "1", "0"]
    assert "<title>Signals: 4</title>" in svg and '<rect x="0" y="2"' not in svg  # no legend


def test_count_bars_stack_their_series_with_a_legend():
    svg = count_bars([("A", [2, 1])], [("one", "#111111"), ("two", "#222222")])
    widths = _bars(svg)
    assert widths == [213.33, 106.67]  # 320 wide in all (360 less the total's room), 2 : 1
    assert svg.count('width="12" height="12"') == 2  # the legend's keys


def test_labels_are_escaped_and_long_ones_wrapped_then_cut():
    long = "Chênh lệch lớn giữa mức tự nhận, đề xuất và quyết định của " * 3
    svg = count_bars([("<script>x</script>", [1]), (long, [2])], [("s", "#b3261e")], wide=300)
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
    lines = re.findall(r'font-size="12">([^<]+)</text>', svg)
    assert len(lines) == 1 + 2  # the long label on two lines
    assert lines[2].endswith("…") and all(len(line) <= 300 / 6.2 for line in lines)
    bars = stacked_bars([("<b>" + "x" * 80, [1, 1])], [("a", "#111111"), ("b", "#eeeeee")])
    assert "<b>" not in bars and "…" in bars
