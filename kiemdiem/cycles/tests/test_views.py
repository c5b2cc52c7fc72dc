import datetime

import pytest
from django.urls import reverse

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Plan, ReviewCycle
from kiemdiem.testing import open_annual

D = datetime.date


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("nogrant", 404),
        ("staff_b", 200),
        ("staff_a", 200),
        ("staff_p", 200),
        ("member", 200),
    ],
)
def test_everyone_below_the_root_sees_the_cycle(client, province, cycle, who, expected):
    if who != "anonymous":
        client.force_login(province.users[who])
    assert client.get(reverse("cycle-detail", args=[cycle.pk])).status_code == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("nogrant", 404), ("staff_b", 404), ("staff_a", 200), ("staff_p", 200)],
)
def test_a_units_page_in_the_cycle_follows_the_subtree(client, province, cycle, who, expected):
    if who != "anonymous":
        client.force_login(province.users[who])
    response = client.get(reverse("cycle-unit", args=[cycle.pk, province.cell_a1.pk]))
    assert response.status_code == expected
    if expected == 200:
        page = response.content.decode()
        assert "Nguyễn Văn An" in page and "Trần Thị Bình" in page


def test_staff_opens_a_cycle_with_dd_mm_yyyy_dates(client, province):
    client.force_login(province.users["staff_p"])
    response = client.post(
        reverse("cycle-open", args=[province.province.pk]),
        {
            "code": "kd2026",
            "name": "Kiểm điểm năm 2026",
            "kind": "annual",
            "year": "2026",
            "period_start": "01/01/2026",
            "period_end": "31/12/2026",
            "self_review_from": "15/11/2026",
            "self_review_due": "10/12/2026",
        },
    )
    assert response.status_code == 302
    cycle = ReviewCycle.objects.get(code="KD2026")
    assert cycle.plans.get().stages.get().due_on == D(2026, 12, 10)


def test_a_quarter_four_cycle_is_refused_with_the_reason(client, province):
    client.force_login(province.users["staff_p"])
    response = client.post(
        reverse("cycle-open", args=[province.province.pk]),
        {
            "code": "q4",
            "name": "Quý IV",
            "kind": "quarterly",
            "year": "2026",
            "quarter": "4",
            "period_start": "01/10/2026",
            "period_end": "31/12/2026",
        },
    )
    assert response.status_code == 400
    assert "quý IV được gộp vào đánh giá cuối năm" in response.content.decode()
    assert not ReviewCycle.objects.exists()


def test_a_commune_issues_its_plan_and_the_province_sends_it_back(client, province, cycle):
    client.force_login(province.users["staff_a"])
    url = reverse("plan-issue", args=[cycle.pk, province.commune_a.pk])
    bad = client.post(url, {"self_review_from": "10/11/2025", "self_review_due": "01/12/2025"})
    assert bad.status_code == 400 and "15/11/2025" in bad.content.decode()
    assert (
        client.post(
            url, {"self_review_from": "16/11/2025", "self_review_due": "01/12/2025"}
        ).status_code
        == 302
    )
    # a commune cannot send its own plan back; the province can
    back = reverse("plan-return", args=[cycle.pk, province.commune_a.pk])
    assert client.post(back, {"comment": "x"}).status_code == 403
    client.force_login(province.users["staff_p"])
    client.post(back, {"comment": "Bổ sung lịch họp"})
    assert Plan.objects.get(unit=province.commune_a).status == "returned"


def test_only_who_may_change_the_root_lists_the_subjects(client, province):
    cycle = open_annual(province, 2025)
    client.force_login(province.users["staff_a"])
    assert client.post(reverse("cycle-subjects-generate", args=[cycle.pk])).status_code == 404
    client.force_login(province.users["staff_p"])
    client.post(reverse("cycle-subjects-generate", args=[cycle.pk]))
    assert cycle.subjects.count() > 0
