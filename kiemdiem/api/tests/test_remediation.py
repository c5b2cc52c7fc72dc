"""The remediation API: remedy items listed, planned and added; the consolidation list built
and followed up; the lists; a person's tiers — through the door and the policies."""

import datetime

from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.remediation.models import Consolidation

D = datetime.date


def _dung(cycle, province):
    return Subject.objects.get(
        cycle=cycle, person=province.members["dung"], kind=SubjectKind.PARTY_MEMBER
    )


def test_remedy_items_listed_planned_and_added(client_for, province, cycle):
    staff_b = client_for("staff_b")
    subject = _dung(cycle, province)
    made = staff_b.post(
        "/api/remedies/",
        {
            "subject": subject.pk,
            "source": "decision",
            "source_ref": "QĐ 12/2025",
            "text": "Chưa tham gia sinh hoạt nơi cư trú",
            "due_date": "2099-03-31",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["source"] == "decision" and made.json()["year"] == 2025
    listed = staff_b.get(f"/api/remedies/?unit={province.commune_b.pk}")
    assert [r["id"] for r in listed.json()["results"]] == [pk]
    assert client_for("staff_a").get(f"/api/remedies/{pk}/").status_code == 404
    changed = staff_b.patch(
        f"/api/remedies/{pk}/",
        {"remedy_plan": "Đăng ký sinh hoạt", "status": "in_progress"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["due_date"] == "2099-03-31"  # left out: kept
    assert changed.json()["owner"] == province.members["dung"].pk
    assert (changed.json()["remedy_plan"], changed.json()["status"]) == (
        "Đăng ký sinh hoạt",
        "in_progress",
    )
    bad = staff_b.patch(
        f"/api/remedies/{pk}/", {"remedy_plan": "", "due_date": "2024-01-01"}, format="json"
    )
    assert bad.status_code == 400 and "due_date" in bad.json()
    overdue = staff_b.get(f"/api/remedies/?unit={province.commune_b.pk}&overdue=true")
    assert overdue.json()["results"] == []  # due 31/03/2099: not yet


def test_consolidation_built_and_followed_up(client_for, province, cycle):
    Subject.objects.filter(cycle=cycle, unit__path__startswith=province.commune_b.path).update(
        tier="HTTNV", status="rated"
    )
    Subject.objects.filter(cycle=cycle, unit=province.cell_b1, kind=SubjectKind.PARTY_ORG).update(
        tier="KHTNV"
    )
    staff_b = client_for("staff_b")
    body = {"cycle": cycle.pk, "unit": province.commune_b.pk}
    assert client_for("staff_a").post(
        "/api/consolidations/build/", body, format="json"
    ).status_code in (403, 400)
    built = staff_b.post("/api/consolidations/build/", body, format="json")
    assert built.status_code == 200, built.content
    assert [(r["unit"], r["reason"]) for r in built.json()] == [(province.cell_b1.pk, "khtnv")]
    pk = built.json()[0]["id"]
    added = staff_b.post(
        f"/api/consolidations/{pk}/actions/", {"text": "Kiện toàn chi ủy"}, format="json"
    )
    assert added.status_code == 201
    action = added.json()["id"]
    done = staff_b.put(
        f"/api/consolidation-actions/{action}/",
        {"text": "Kiện toàn chi ủy", "status": "done", "result": "Đã bầu"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    listed = staff_b.get(f"/api/consolidations/?unit={province.commune_b.pk}&cycle={cycle.pk}")
    assert listed.json()["results"][0]["actions"][0]["result"] == "Đã bầu"
    assert client_for("staff_a").get(f"/api/consolidations/{pk}/").status_code == 404
    assert Consolidation.objects.count() == 1


def test_lists_and_history(client_for, province, cycle):
    dung = province.members["dung"]
    Subject.objects.filter(cycle=cycle, person=dung).update(tier="KHTNV", status="rated")
    staff_b = client_for("staff_b")
    got = staff_b.get(f"/api/lists/?unit={province.commune_b.pk}&list=khtnv&year=2025")
    assert got.status_code == 200, got.content
    assert [r["person"] for r in got.json()["rows"]] == [dung.pk]
    assert got.json()["rows"][0]["tiers"] == [{"year": 2025, "tier": "KHTNV"}]
    assert (
        client_for("staff_a")
        .get(f"/api/lists/?unit={province.commune_b.pk}&list=khtnv&year=2025")
        .status_code
        == 404
    )
    history = staff_b.get(f"/api/tier-history/{dung.pk}/")
    assert history.status_code == 200
    assert [(r["year"], r["tier"]) for r in history.json()] == [(2025, "KHTNV")]
    assert client_for("staff_a").get(f"/api/tier-history/{dung.pk}/").status_code == 404
