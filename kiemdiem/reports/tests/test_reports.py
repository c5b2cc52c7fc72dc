"""Reports: the roll-up of a small tree checked by hand, drill-down rights, a query count that
does not grow with the tree, submitting and withdrawing, and a submission gone stale."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects, tallies
from kiemdiem.cycles.models import Subject
from kiemdiem.decisions import bulk, services
from kiemdiem.orgtree import services as tree
from kiemdiem.reports import selectors
from kiemdiem.reports import services as reports
from kiemdiem.reports.models import ReportSubmission
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

pytestmark = pytest.mark.django_db


def _submit_review(subject):
    review = reviews.review_start(subject=subject, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)


def _person(cycle, person):
    return Subject.objects.filter(cycle=cycle, person=person).get()


@pytest.fixture
def scene(province):
    """Province P: commune A (cells A1 with An the head and Bình, A2 with Cường; the agency
    UBA), commune B (cell B1 with Dung), the standing committee; twelve subjects. Bình HTTNV,
    Cường HTNV, Dung KHTNV decided; An carried over; the rest pending."""
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    m = province.members
    binh, cuong, dung = (_person(cycle, m[k]) for k in ("binh", "cuong", "dung"))
    for subject in (binh, cuong, dung):
        _submit_review(subject)
    bulk.decide_bulk([(binh, "HTTNV", ""), (cuong, "HTNV", ""), (dung, "KHTNV", "Vi phạm")])
    cycles.subject_carry_over(subject=_person(cycle, m["an"]), reason="Đang xác minh", actor=None)
    return cycle


def _line(table, code):
    return next(line for line in table.lines if line.code == code)


def test_the_roll_up_of_a_small_tree_matches_the_hand_count(scene, province):
    for folded in (False, True):  # read with the deltas pending, then folded
        if folded:
            tallies.fold()
        report = selectors.report(province.users["staff_p"], scene, province.province)
        total = report.table.total
        assert (total.total, total.out, total.rated, total.pending) == (12, 1, 3, 8)
        assert total.tiers == {"HTXSNV": 0, "HTTNV": 1, "HTNV": 1, "KHTNV": 1}
        members = _line(report.table, "party_members")
        assert (members.total, members.rated, members.share("HTTNV")) == (3, 3, 33.3)
        assert _line(report.table, "party_orgs").total == 6  # P, A, A1, A2, B, B1
        assert _line(report.table, "leaders").out == 1  # An, carried over
        by_unit = {row.unit.code: row.table.total for row in report.children}
        assert sorted(by_unit) == ["A", "B", "PBTV"]
        a, b = by_unit["A"], by_unit["B"]
        assert (a.total, a.out, a.rated, a.pending) == (7, 1, 2, 4)
        assert (b.total, b.rated, b.tiers["KHTNV"]) == (3, 1, 1)
        assert by_unit["PBTV"].total == 1
        assert report.here.total.total == 1  # the province's own party organization


def test_a_district_staff_opens_its_subtree_never_the_province_or_a_sibling(
    scene, province, client
):
    client.force_login(province.users["staff_a"])
    url = lambda unit: reverse("report", args=[scene.pk, unit.pk])  # noqa: E731
    assert client.get(url(province.commune_a)).status_code == 200
    page = client.get(url(province.cell_a1))
    assert page.status_code == 200 and "Chi bộ thôn Đông" in page.text
    for unit in (province.province, province.commune_b, province.cell_b1):
        assert client.get(url(unit)).status_code == 404
        assert client.get(url(unit) + "export/").status_code == 404
    client.force_login(province.users["member"])  # a member: no report at all
    assert client.get(url(province.cell_a1)).status_code == 404


def test_the_province_page_drills_down_and_exports(scene, province, client):
    client.force_login(province.users["staff_p"])
    page = client.get(reverse("report", args=[scene.pk, province.province.pk]))
    assert page.status_code == 200
    assert reverse("report", args=[scene.pk, province.commune_a.pk]) in page.text
    assert "<svg" in page.text
    export = client.get(reverse("report-export", args=[scene.pk, province.province.pk]))
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_the_queries_do_not_grow_with_the_tree(scene, province):
    user = province.users["staff_p"]

    def queries():
        with CaptureQueriesContext(connection) as captured:
            selectors.report(user, scene, province.province)
        return len(captured)

    queries()  # the user's grants are read once per request (cached on the user)
    before = queries()
    for i in range(5):  # five more communes, each with a cell and a subject
        commune = tree.unit_create(
            code=f"X{i}",
            name=f"Đảng bộ xã Mới {i}",
            kind="dang_bo_xa",
            parent=province.province,
            valid_from=province.province.valid_from,
            actor=None,
        )
        subjects.subject_add(
            cycle=scene, kind="party_org", unit=commune, reason="Thành lập mới", actor=None
        )
    assert len(selectors.report(user, scene, province.province).children) == 8
    assert queries() == before


def test_submission_rights_and_a_stale_submission(scene, province):
    a, p = province.commune_a, province.province
    for who, unit in (("staff_a", p), ("inspector", a), ("decider", a), ("member", a)):
        with pytest.raises(PermissionDenied):
            reports.report_submit(cycle=scene, unit=unit, actor=province.users[who])
    submission = reports.report_submit(cycle=scene, unit=a, actor=province.users["staff_a"])
    assert submission.figures["total"]["rated"] == 2
    with pytest.raises(ValidationError):  # twice
        reports.report_submit(cycle=scene, unit=a, actor=province.users["staff_a"])
    row = lambda: next(  # noqa: E731
        r for r in selectors.report(province.users["staff_p"], scene, p).children if r.unit == a
    )
    assert row().submission.is_submitted and not row().stale
    # Bình's rating is re-opened and decided again: the submitted figures are out of date
    binh = _person(scene, province.members["binh"])
    services.reopen(subject=binh, reason="Kết luận kiểm tra", actor=None)
    services.decide(subject=binh, tier="HTNV", reason="Sau kiểm tra", actor=None)
    assert row().stale
    with pytest.raises(ValidationError):  # no reason
        reports.report_withdraw(submission=submission, reason=" ", actor=province.users["staff_a"])
    with pytest.raises(ValidationError):  # a stale page
        reports.report_withdraw(
            submission=submission,
            reason="Sửa số liệu",
            revision=0,
            actor=province.users["staff_a"],
        )
    reports.report_withdraw(
        submission=submission, reason="Sửa số liệu", revision=1, actor=province.users["staff_a"]
    )
    again = reports.report_submit(cycle=scene, unit=a, actor=province.users["staff_a"])
    assert again.figures["total"]["tiers"]["HTNV"] == 2 and not row().stale
    assert LogEntry.objects.filter(action__startswith="reports.").count() == 3
    assert ReportSubmission.objects.count() == 1


def test_year_on_year_the_two_cycles_before_of_the_same_kind(scene, province):
    """The report sets the unit beside the two annual cycles before this one, newest first,
    each with its own figures — a third one back is not shown."""
    m = province.members
    decided = {
        2022: {"binh": "KHTNV"},
        2023: {"binh": "HTNV", "cuong": "HTNV"},
        2024: {"binh": "HTTNV", "cuong": "HTNV", "dung": "KHTNV"},
    }
    for year, tiers in decided.items():
        cycle = open_annual(province, year)
        subjects.subjects_generate(cycle=cycle, actor=None)
        ratings = []
        for key, tier in tiers.items():
            subject = _person(cycle, m[key])
            _submit_review(subject)
            ratings.append((subject, tier, "Vi phạm" if tier == "KHTNV" else ""))
        bulk.decide_bulk(ratings)
    report = selectors.report(province.users["staff_p"], scene, province.province)
    earlier = [(c.year, t.total.rated, t.total.tiers) for c, t in report.earlier]
    assert earlier == [
        (2024, 3, {"HTXSNV": 0, "HTTNV": 1, "HTNV": 1, "KHTNV": 1}),
        (2023, 2, {"HTXSNV": 0, "HTTNV": 0, "HTNV": 2, "KHTNV": 0}),
    ]
    # A district's staff sees the same years for its own subtree only.
    district = selectors.report(province.users["staff_a"], scene, province.commune_a)
    assert [(c.year, t.total.rated) for c, t in district.earlier] == [(2024, 2), (2023, 2)]
