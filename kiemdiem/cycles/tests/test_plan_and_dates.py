"""An empty plan is refused; an impossible date is called that, without a false error beside."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import services, subjects
from kiemdiem.cycles.models import Plan
from kiemdiem.testing import open_annual

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def test_the_service_refuses_a_plan_without_dates(province, cycle):
    with translation.override("vi"), pytest.raises(ValidationError) as caught:
        services.plan_issue(cycle=cycle, unit=province.commune_a, stages=[], actor=None)
    assert "stages" in caught.value.message_dict
    assert not Plan.objects.filter(unit=province.commune_a).exists()
    assert not LogEntry.objects.filter(action="plan.issued").exists()
    root_plan = cycle.plans.get()
    with pytest.raises(ValidationError):
        services.plan_revise(plan=root_plan, stages=[], guidance="", actor=None)
    assert root_plan.stages.count() > 0


def test_the_plan_page_refuses_a_plan_without_dates(client, province, cycle):
    client.force_login(province.users["staff_a"])
    url = reverse("plan-issue", args=[cycle.pk, province.commune_a.pk])
    response = client.post(url, {"guidance": "Chưa có lịch"})
    assert response.status_code == 400
    assert "Nhập ngày của ít nhất một bước trong kế hoạch." in response.content.decode()
    assert not Plan.objects.filter(unit=province.commune_a).exists()


def test_a_date_that_does_not_exist_is_called_so_and_its_partner_gets_no_error(
    client, province, cycle
):
    client.force_login(province.users["staff_a"])
    url = reverse("plan-issue", args=[cycle.pk, province.commune_a.pk])
    response = client.post(url, {"self_review_from": "31/02/2026", "self_review_due": "01/12/2025"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["self_review_from"] == ["Ngày 31/02/2026 không tồn tại."]
    assert "self_review_due" not in errors
    response = client.post(url, {"self_review_from": "abc", "self_review_due": "01/12/2025"})
    assert response.context["form"].errors["self_review_from"] == [
        "Nhập ngày theo dạng dd/mm/yyyy, ví dụ 03/04/2026."
    ]
    assert not Plan.objects.filter(unit=province.commune_a).exists()
