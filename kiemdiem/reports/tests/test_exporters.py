"""The summary tables on the documents registry (``report_summary``): the same workbook as the
report page's download, for a unit whose whole subtree the user reads — and no other."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.cycles import subjects
from kiemdiem.documents import registry
from kiemdiem.testing import open_annual

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def test_the_summary_through_the_registry_and_the_old_url(province, cycle, client):
    exporter = registry.get("report_summary")
    staff = province.users["staff_a"]
    assert exporter.policy(staff) and not exporter.policy(province.users["nogrant"])
    form = exporter.form(staff, {"cycle": str(cycle.pk), "unit": province.commune_a.code})
    assert form.is_valid(), form.errors
    [report] = exporter.items(staff, form.cleaned_data)
    out = exporter.render(report, "xlsx")
    assert out.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(out.data)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any(province.commune_a.name in str(v) for v in values)
    # the page's download is still there
    client.force_login(staff)
    page = client.get(reverse("report-export", args=[cycle.pk, province.commune_a.pk]))
    assert page.status_code == 200 and page["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_only_a_unit_whose_whole_subtree_the_user_reads(province, cycle):
    """The door refuses these units already; the form also asks the report page's own rule
    (``policies.may_view``: the whole subtree covered), so the two cannot drift apart."""
    exporter = registry.get("report_summary")
    # the province: above commune A's staff
    form = exporter.form(
        province.users["staff_a"], {"cycle": str(cycle.pk), "unit": province.province.code}
    )
    assert not form.is_valid() and "unit" in form.errors
    # commune A for the secretary of cell A1 inside it
    form = exporter.form(
        province.users["secretary"], {"cycle": str(cycle.pk), "unit": province.commune_a.code}
    )
    assert not form.is_valid() and "unit" in form.errors
