"""The insights API answers what the pages show: the comparison's rows and percentiles, the
stored signals with their words and "as of", the caller's to-dos."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from kiemdiem.cycles.models import Subject
from kiemdiem.decisions.models import Decision
from kiemdiem.insights import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(province):
    def make(name):
        client = APIClient()
        _, token = AuthToken.objects.create(user=province.users[name])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


def test_comparison_signals_and_todos(api, province, cycle):
    Subject.objects.filter(cycle=cycle).update(tier="HTTNV", status="rated")
    an = Subject.objects.get(cycle=cycle, person=province.members["an"])
    Subject.objects.filter(pk=an.pk).update(tier="", status="pending")
    Decision.objects.create(subject=an, state="proposed", proposed_tier="HTXSNV")
    services.signals_refresh(cycle=cycle, actor=None)
    staff = api("staff_p")
    body = staff.get(
        "/api/insights/comparison/", {"cycle": cycle.pk, "kind": "head.chi_bo_truc_thuoc"}
    ).json()
    assert (body["group_size"], body["rated"]) == (1, 1)
    [row] = body["rows"]
    assert row["name"] == "Nguyễn Văn An" and row["tier"] == "HTXSNV" and not row["decided"]
    assert row["unit_tier"] == "HTTNV" and row["percentile"] == 50.0 and row["rank"] == 1
    bad = staff.get("/api/insights/comparison/", {"cycle": cycle.pk, "kind": "nothing"})
    assert bad.status_code == 400 and "kind" in bad.json()
    assert (
        api("member")
        .get("/api/insights/comparison/", {"cycle": cycle.pk, "kind": "head.chi_bo_truc_thuoc"})
        .status_code
        == 403
    )
    signals = staff.get("/api/insights/signals/", {"cycle": cycle.pk}).json()
    [signal] = signals["results"]
    assert signal["kind"] == "leader_above_unit" and signal["unit"] == province.cell_a1.pk
    assert "HTTNV" in signal["explanation"] and signal["as_of"]
    assert api("staff_b").get("/api/insights/signals/", {"cycle": cycle.pk}).json()["count"] == 0
    todos = api("member").get("/api/insights/todos/").json()
    assert todos == []  # Bình is rated: nothing waits for her
    pinned = staff.get("/api/insights/todos/").json()[0]
    assert pinned["code"] == "insights.signals" and pinned["pinned"] is True
