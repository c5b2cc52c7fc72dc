"""The API refuses a plan without dates, on issue and on revision, and changes nothing."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_plan_without_dates_is_refused(client_for, province, cycle, cycle_state):
    staff_a = client_for("staff_a")
    before = cycle_state()
    url = f"/api/cycles/{cycle.pk}/plans/"
    for stages in ([], None):
        body = {"unit": province.commune_a.pk, "guidance": "Chưa có lịch"}
        if stages is not None:
            body["stages"] = stages
        response = staff_a.post(url, body, format="json")
        assert response.status_code == 400 and "stages" in response.json(), response.content
    plan = cycle.plans.get(unit=province.commune_b)
    response = client_for("staff_p").post(
        f"/api/plans/{plan.pk}/revise/", {"stages": []}, format="json"
    )
    assert response.status_code == 400 and "stages" in response.json()
    assert cycle_state() == before
