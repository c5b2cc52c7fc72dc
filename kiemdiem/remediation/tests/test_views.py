"""Remediation's pages: a unit's remedy items (filters, overdue, edit by those entitled), the
lists and their Excel export (personal fields only for those entitled, formulas defused), the
consolidation page, and the tiers on a person's page."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.people import services as people
from kiemdiem.remediation import services
from kiemdiem.reviews.models import Shortcoming
from kiemdiem.testing import open_annual

D = datetime.date


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    Subject.objects.filter(cycle=cycle).update(tier="HTTNV", status="rated")
    return cycle


def binh_subject(cycle, province):
    return Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )


def test_the_items_page_lists_filters_and_marks_overdue(client, province, cycle):
    row = services.remedy_item_add(
        subject=binh_subject(cycle, province),
        actor=None,
        source="meeting",
        source_ref="BB họp chi bộ 20/12/2025",
        text="Chậm nộp đảng phí",
        due_date=D(2025, 12, 31),
    )
    client.force_login(province.users["staff_a"])
    url = reverse("remedy-items", args=[province.commune_a.pk])
    page = client.get(url).content.decode()
    assert "Chậm nộp đảng phí" in page and reverse("remedy-item-edit", args=[row.pk]) in page
    assert 'class="badge late"' in page  # due 31/12/2025, open: overdue
    assert "Chậm nộp đảng phí" not in client.get(url + "?status=remedied").content.decode()
    assert "Chậm nộp đảng phí" in client.get(url + "?overdue=1").content.decode()
    edit = reverse("remedy-item-edit", args=[row.pk])
    response = client.post(
        edit,
        {
            "remedy_plan": "Nộp bù",
            "owner": province.members["binh"].pk,
            "due_date": "31/03/2026",
            "status": "remedied",
            "note": "Đã nộp",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.remedy_plan, row.due_date) == ("remedied", "Nộp bù", D(2026, 3, 31))
    client.force_login(province.users["staff_b"])
    assert client.get(edit).status_code == 404


def test_the_lists_page_and_its_export(client, province, cycle):
    binh = province.members["binh"]
    people.person_update(person=binh, birth_date=D(1990, 4, 5), actor=None)
    # a name as an old import may have left it: the export must not hand it on as a formula
    type(binh).objects.filter(pk=binh.pk).update(full_name="=HYPERLINK(1)")
    Subject.objects.filter(cycle=cycle, person=binh).update(tier="KHTNV")
    client.force_login(province.users["staff_a"])
    url = reverse("tier-lists", args=[province.commune_a.pk]) + "?list=khtnv&year=2025"
    page = client.get(url).content.decode()
    assert "HYPERLINK" in page and "KHTNV" in page
    export = reverse("tier-lists-export", args=[province.commune_a.pk]) + "?list=khtnv&year=2025"
    sheet = load_workbook(io.BytesIO(client.get(export).content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][1].startswith("'=HYPERLINK")  # a formula, defused
    assert rows[3][2] == "05/04/1990" and rows[3][4] == "KHTNV"
    # Bình sees her own cell's list: her own row, with her date of birth
    client.force_login(province.users["member"])
    mine = reverse("tier-lists-export", args=[province.cell_a1.pk]) + "?list=khtnv&year=2025"
    response = client.get(mine)
    assert response.status_code == 200
    own = load_workbook(io.BytesIO(response.content)).active
    assert list(own.iter_rows(values_only=True))[3][2] == "05/04/1990"


def test_no_personal_fields_in_the_export_for_those_not_entitled(
    client, province, cycle, monkeypatch
):
    binh = province.members["binh"]
    people.person_update(person=binh, birth_date=D(1990, 4, 5), actor=None)
    Subject.objects.filter(cycle=cycle, person=binh).update(tier="KHTNV")
    from kiemdiem.remediation import export

    monkeypatch.setattr(export, "personal_ids", lambda user, ids, chunk=5000: set())
    client.force_login(province.users["staff_a"])
    url = reverse("tier-lists-export", args=[province.commune_a.pk]) + "?list=khtnv&year=2025"
    rows = list(
        load_workbook(io.BytesIO(client.get(url).content)).active.iter_rows(values_only=True)
    )
    assert rows[3][1] == binh.full_name and rows[3][2] in ("", None)


def test_the_consolidation_page_builds_and_shows_actions(client, province, cycle):
    Subject.objects.filter(cycle=cycle, unit=province.cell_a2, person__isnull=True).update(
        tier="KHTNV"
    )
    client.force_login(province.users["staff_a"])
    url = reverse("consolidation-list", args=[province.commune_a.pk])
    response = client.post(
        reverse("consolidation-build", args=[province.commune_a.pk]), {"cycle": cycle.pk}
    )
    assert response.status_code == 302
    page = client.get(f"{url}?cycle={cycle.pk}").content.decode()
    assert province.cell_a2.name in page and "KHTNV" in page


def test_the_person_page_loads_the_tier_history(client, province, cycle):
    binh = province.members["binh"]
    services.remedy_item_add(
        subject=binh_subject(cycle, province),
        actor=None,
        source="decision",
        source_ref="QĐ 1",
        text="Ít phát biểu",
    )
    client.force_login(province.users["member"])
    page = client.get(reverse("person-detail", args=[binh.pk])).content.decode()
    assert reverse("person-tiers", args=[binh.pk]) in page
    part = client.get(
        reverse("person-tiers", args=[binh.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "tier-history" in part and "HTTNV" in part and "Ít phát biểu" in part
    assert "<html" not in part  # the section alone, for the person's page
    assert reverse("remedy-item-add", args=[province.cell_a1.pk]) not in part  # not her own
    client.force_login(province.users["staff_a"])
    part = client.get(reverse("person-tiers", args=[binh.pk])).content.decode()
    assert reverse("remedy-item-add", args=[province.cell_a1.pk]) + "?subject=" in part
    assert Shortcoming.objects.count() == 1


def test_a_shortcoming_named_through_the_page(client, province, cycle):
    subject = binh_subject(cycle, province)
    client.force_login(province.users["staff_a"])
    url = reverse("remedy-item-add", args=[province.commune_a.pk]) + f"?subject={subject.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "subject": subject.pk,
            "source": "meeting",
            "source_ref": "BB 20/12/2025",
            "text": "Chưa gương mẫu",
            "remedy_plan": "",
            "owner": "",
            "due_date": "",
        },
    )
    assert response.status_code == 302
    row = Shortcoming.objects.get()
    assert (row.source, row.source_subject, row.owner) == (
        "meeting",
        subject,
        province.members["binh"],
    )
    client.force_login(province.users["secretary"])  # change on cell A1 only, not on commune A
    assert client.get(url).status_code == 404  # the secretary of A1 may not change commune A


def _consolidation_page_queries(client, province, n):
    """The consolidation page of commune A with ``n`` annual cycles and, in the one shown,
    ``n`` units on the list, each with an action: the statements it runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.remediation.models import Consolidation, ConsolidationAction

    cycles = [open_annual(province, 2025 - i) for i in range(n)]
    units = [province.cell_a1, province.cell_a2, province.commune_a, province.agency][:n]
    for i, unit in enumerate(units):
        consolidation = Consolidation.objects.create(cycle=cycles[0], unit=unit, reason="khtnv")
        ConsolidationAction.objects.create(consolidation=consolidation, text=f"Việc số {i}")
    client.force_login(province.users["staff_a"])
    url = reverse("consolidation-list", args=[province.commune_a.pk]) + f"?cycle={cycles[0].pk}"
    client.get(url)  # the session warmed up
    with CaptureQueriesContext(connection) as done:
        page = client.get(url)
    assert page.status_code == 200
    return len(done), page.content.decode()


def test_the_consolidation_page_runs_the_same_statements_for_1_or_4_cycles_and_units(
    client, province
):
    """Not a query per cycle listed nor per unit on the list (each row's "may edit")."""
    from kiemdiem.cycles.models import ReviewCycle
    from kiemdiem.remediation.models import Consolidation

    one, _page = _consolidation_page_queries(client, province, 1)
    Consolidation.objects.all().delete()
    ReviewCycle.objects.all().delete()
    many, page = _consolidation_page_queries(client, province, 4)
    assert all(f"Việc số {i}" in page for i in range(4))
    assert page.count("/edit/?from=") == 4  # every row editable by commune A's staff
    assert many == one, (one, many)
