"""The comparison of equivalent positions: a hand-checked group (tiers, points, percentiles),
its filters, the door (a commune's staff see their commune's holders only), bounded queries
whatever the size of the group, and the Excel export."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.decisions.models import Decision
from kiemdiem.insights import charts, comparison
from kiemdiem.orgtree import services as tree
from kiemdiem.people import services as people
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import hold_post, open_annual

pytestmark = pytest.mark.django_db
D = datetime.date
KIND = "head.dang_bo_xa"


def _secretary(unit, given):
    person = people.person_create(
        family_name="Hoàng",
        middle_name="Văn",
        given_name=given,
        birth_date=D(1975, 1, 1),
        actor=None,
    )
    hold_post(person, unit, title=f"Bí thư {unit.name}", role="head")
    return person


def _commune(province, i):
    return tree.unit_create(
        code=f"X{i}",
        name=f"Đảng bộ xã Số {i}",
        kind="dang_bo_xa",
        parent=province.province,
        valid_from=D(2020, 1, 1),
        actor=None,
    )


def _rated(cycle, person, tier, points=None, exceeded=None, decided=True):
    subject = Subject.objects.get(cycle=cycle, person=person, kind="head")
    if decided:
        Subject.objects.filter(pk=subject.pk).update(tier=tier, status="rated")
    else:
        Decision.objects.create(subject=subject, state="proposed", proposed_tier=tier)
    if points is not None:
        general, task = points
        SelfReview.objects.create(
            subject=subject,
            form_key="2a",
            content={
                "xep_loai": {
                    "fact.general_score": str(general),
                    "fact.task_score": str(task),
                    "fact.pct_tasks_done": "100",
                    "fact.pct_tasks_exceeded": str(exceeded or 0),
                }
            },
        )
    return subject


@pytest.fixture
def group(province):
    """Five commune secretaries: A's and B's, and three new communes'; the cycle after."""
    heads = {
        "h1": _secretary(province.commune_a, "Một"),
        "h2": _secretary(province.commune_b, "Hai"),
    }
    for i, name, given in ((3, "h3", "Ba"), (4, "h4", "Bốn"), (5, "h5", "Năm")):
        heads[name] = _secretary(_commune(province, i), given)
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    _rated(cycle, heads["h1"], "HTXSNV", (27, 65), 40)
    _rated(cycle, heads["h2"], "HTTNV", (25, 60), 10)
    _rated(cycle, heads["h3"], "HTTNV", (25, 60), 10, decided=False)  # proposed only
    _rated(cycle, heads["h4"], "HTNV", (20, 40))
    # h5: not rated yet
    Subject.objects.filter(cycle=cycle, unit=province.commune_a, person__isnull=True).update(
        tier="HTTNV", status="rated"
    )
    return cycle, heads


def _by_given(result):
    return {r.name.split()[-1]: r for r in result.rows}


def test_a_hand_checked_group(province, group):
    cycle, heads = group
    result = comparison.compare(province.users["staff_p"], cycle, KIND)
    assert (result.group_size, result.rated) == (5, 4)
    rows = _by_given(result)
    one, two, three, four, five = (rows[n] for n in ("Một", "Hai", "Ba", "Bốn", "Năm"))
    # percentile rank = 100 × (below + ½ × equal) / 4
    assert one.percentile == 87.5 and one.rank == 1  # (3 + ½) / 4
    assert two.percentile == three.percentile == 50.0  # (1 + 2 × ½) / 4: tied on tier and points
    assert two.rank == three.rank == 2
    assert four.percentile == 12.5 and four.rank == 4
    assert five.percentile is None and five.tier == ""
    assert (one.points, one.pct_done, one.pct_exceeded) == (92, 100, 40)
    assert three.tier == "HTTNV" and not three.decided  # the proposal stands in
    assert one.unit_tier == "HTTNV" and two.unit_tier == ""  # commune A rated, B not
    assert [r.name.split()[-1] for r in result.rows] == ["Một", "Hai", "Ba", "Bốn", "Năm"]


def test_filters_and_sorting(province, group):
    cycle, _heads = group
    staff = province.users["staff_p"]
    htttnv = comparison.compare(staff, cycle, KIND, tier="HTTNV")
    assert {r.name.split()[-1] for r in htttnv.rows} == {"Hai", "Ba"}
    assert htttnv.rows[0].percentile == 50.0  # the percentile is the whole group's
    by_name = comparison.compare(staff, cycle, KIND, sort="points")
    assert [r.name.split()[-1] for r in by_name.rows][:2] == ["Một", "Hai"]
    within_a = comparison.compare(staff, cycle, KIND, within=province.commune_a)
    assert [r.name.split()[-1] for r in within_a.rows] == ["Một"]
    direct = comparison.compare(staff, cycle, KIND, within=province.province, directly_under=True)
    assert direct.group_size == 5
    assert comparison.compare(staff, cycle, "head.chi_bo_truc_thuoc").group_size == 1  # An
    with pytest.raises(ValueError):
        comparison.compare(staff, cycle, "member.dang_bo_xa")


def test_a_communes_staff_see_their_communes_holders_only(province, group):
    cycle, _heads = group
    a = comparison.compare(province.users["staff_a"], cycle, KIND)
    assert [r.name.split()[-1] for r in a.rows] == ["Một"]
    assert a.rows[0].percentile == 50.0  # alone in what they may see
    b = comparison.compare(province.users["staff_b"], cycle, KIND)
    assert [r.name.split()[-1] for r in b.rows] == ["Hai"]
    assert comparison.compare(province.users["nogrant"], cycle, KIND).rows == []


def _count(staff, cycle):
    with CaptureQueriesContext(connection) as queries:
        comparison.compare(staff, cycle, KIND)
    return len(queries)


def test_bounded_queries_whatever_the_size_of_the_group(province, group):
    cycle, _heads = group
    staff = province.users["staff_p"]
    _count(staff, cycle)  # the user's grants are read once, then kept on the user object
    small = _count(staff, cycle)
    more = [
        _secretary(
            _commune(province, 10 + i), ["Sáu", "Bảy", "Tám", "Chín", "Mười", "Mai", "Lan"][i]
        )
        for i in range(7)
    ]
    for person in more:
        subjects.subject_add(
            cycle=cycle,
            kind="head",
            unit=person.affiliations.get().unit,
            person=person,
            reason="Bổ nhiệm",
            actor=None,
        )
        _rated(cycle, person, "HTTNV", (24, 60), 5)
    assert comparison.compare(staff, cycle, KIND).group_size == 12
    assert _count(staff, cycle) == small == 3  # holders; their subjects; the units led


def test_the_page_and_the_excel_export(client, province, group):
    cycle, _heads = group
    client.force_login(province.users["staff_p"])
    page = client.get(reverse("insights-comparison"), {"cycle": cycle.pk, "kind": KIND})
    assert page.status_code == 200
    assert "Hoàng Văn Một" in page.text and "87,5" in page.text  # Vietnamese decimal comma
    export = client.get(
        reverse("insights-comparison-export"), {"cycle": cycle.pk, "kind": KIND, "tier": "HTTNV"}
    )
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in rows] == ["Hoàng Văn Hai", "Hoàng Văn Ba"]
    assert rows[0][4] == "HTTNV" and rows[0][6] == 85 and rows[0][10] == 50
    bad = client.get(reverse("insights-comparison-export"), {"cycle": cycle.pk, "kind": "x"})
    assert bad.status_code == 400
    client.force_login(province.users["member"])
    assert client.get(reverse("insights-comparison")).status_code == 403


def test_the_comparison_through_the_documents_registry(province, group):
    """The same workbook as the page's download, from the registry's form and exporter."""
    from kiemdiem.documents import registry

    cycle, _heads = group
    exporter = registry.get("insights_comparison")
    staff = province.users["staff_p"]
    assert exporter.policy(staff) and not exporter.policy(province.users["member"])
    form = exporter.form(staff, {"cycle": str(cycle.pk), "kind": KIND, "tier": "HTTNV"})
    assert form.is_valid(), form.errors
    [item] = exporter.items(staff, form.cleaned_data)
    out = exporter.render(item, "xlsx")
    assert out.filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(out.data)).active.iter_rows(min_row=4, values_only=True))
    assert [r[1] for r in rows] == ["Hoàng Văn Hai", "Hoàng Văn Ba"]
    bad = exporter.form(staff, {"cycle": str(cycle.pk), "kind": "x"})
    assert not bad.is_valid() and "kind" in bad.errors


# The chart: the tiers of the rows the table shows, one bar for all, one per unit above.


def test_the_chart_counts_the_rows_the_table_shows(province, group):
    cycle, _heads = group
    staff = province.users["staff_p"]
    result = comparison.compare(staff, cycle, KIND)
    chart = charts.comparison_chart(result)
    # hand count: Một HTXSNV; Hai, Ba HTTNV (Ba proposed); Bốn HTNV; Năm not rated yet
    assert chart.bars == [(gettext("All holders shown"), [1, 2, 1, 0, 1])]
    assert sum(chart.bars[0][1]) == len(result.rows) == 5
    assert chart.groups == 0  # the five communes all sit under the province: no bar each
    assert "HTXSNV: 1 (20.0 %)" in chart.svg and "HTTNV: 2 (40.0 %)" in chart.svg
    # the tier filter narrows the table, and the chart with it
    only = comparison.compare(staff, cycle, KIND, tier="HTTNV")
    assert len(only.rows) == 2
    assert charts.comparison_chart(only).bars[0][1] == [0, 2, 0, 0, 0]


def test_a_bar_per_unit_above_the_posts_with_names_escaped(province, group, monkeypatch):
    cycle, _heads = group
    # cell secretaries: An heads A1 (the fixture's); two more for A2 and B1
    for unit, given, tier in ((province.cell_a2, "Tư", "HTNV"), (province.cell_b1, "Sáu", "")):
        person = _secretary(unit, given)
        subjects.subject_add(
            cycle=cycle, kind="head", unit=unit, person=person, reason="Bầu", actor=None
        )
        if tier:
            _rated(cycle, person, tier)
    an = Subject.objects.get(cycle=cycle, person=province.members["an"], kind="head")
    Subject.objects.filter(pk=an.pk).update(tier="HTXSNV", status="rated")
    evil = "<script>alert(1)</script> Bến Thành"
    type(province.commune_b).objects.filter(pk=province.commune_b.pk).update(
        name=evil, short_name=""
    )
    result = comparison.compare(province.users["staff_p"], cycle, "head.chi_bo_truc_thuoc")
    assert len(result.rows) == 3
    chart = charts.comparison_chart(result)
    assert chart.groups == 2
    assert chart.bars == [
        (gettext("All holders shown"), [1, 0, 1, 0, 1]),
        ("Đảng bộ xã An Bình", [1, 0, 1, 0, 0]),  # An HTXSNV (A1), Tư HTNV (A2)
        (evil, [0, 0, 0, 0, 1]),  # Sáu (B1), not rated yet
    ]
    assert sum(chart.bars[1][1]) + sum(chart.bars[2][1]) == sum(chart.bars[0][1])
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bến Thành" in chart.svg
    # many units above: those with the most holders are drawn (A: two), the page says so
    monkeypatch.setattr(charts, "MOST", 1)
    few = charts.comparison_chart(result)
    assert (few.groups, few.drawn) == (2, 1)
    assert [label for label, _counts in few.bars[1:]] == ["Đảng bộ xã An Bình"]


def test_the_page_shows_the_chart_or_nothing(client, province, group):
    cycle, _heads = group
    client.force_login(province.users["staff_p"])
    page = client.get(reverse("insights-comparison"), {"cycle": cycle.pk, "kind": KIND})
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 1
    assert "HTXSNV: 1 (20.0 %)" in page.text
    # nobody holds the post: the table's sentence, no chart
    empty = client.get(
        reverse("insights-comparison"), {"cycle": cycle.pk, "kind": "deputy.dang_bo_xa"}
    )
    assert empty.status_code == 200 and "<svg" not in empty.text
    assert "Không có ai giữ loại chức danh này" in empty.text
    assert charts.comparison_chart(comparison.Comparison(kind=KIND, cycle=cycle)).svg == ""
