"""The decision screen over the API: the pool and its allowed count, a finalize refused over
the quota with the pool named, then accepted with an override reason."""

import pytest

from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import services
from kiemdiem.decisions.models import Decision
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, _member


@pytest.fixture
def two_more_in_b1(province):
    """Giang and Hà join cell B1 before the cycle lists its subjects (``cycle`` comes after)."""
    for given in ("Giang", "Hà"):
        _member("Đỗ", "Thị", given, province.cell_b1)


def test_the_screen_before_anything_is_written_is_as_the_schema_says(
    client_for, province, cycle, keeps_schema
):
    """Nobody has written a self-review or a proposal yet: the rows' tiers, reasons and states
    are empty text, which the schema must allow (a fuzzing run found it promised non-empty)."""
    answer = client_for("decider").get(
        f"/api/cycles/{cycle.pk}/decision-screen/",
        {"unit": province.commune_b.pk, "group": "members"},
    )
    assert answer.status_code == 200, answer.content
    rows = answer.json()["rows"]
    assert rows and all(r["self_tier"] == "" and r["state"] == "" for r in rows)
    keeps_schema(answer, "/api/cycles/{cycle_pk}/decision-screen/", "GET")


def test_get_the_screen_then_finalize_with_an_override(client_for, province, two_more_in_b1, cycle):
    found = {}
    for s in Subject.objects.filter(
        cycle=cycle, kind=SubjectKind.PARTY_MEMBER, unit=province.cell_b1
    ).select_related("person"):
        review = reviews.review_start(subject=s, actor=None)
        reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
        found[s.person.given_name] = s
    services.propose(subject=found["Giang"], tier="HTXSNV", actor=None)
    client = client_for("decider")
    url = f"/api/cycles/{cycle.pk}/decision-screen/"
    answer = client.get(url, {"unit": province.commune_b.pk, "group": "members"})
    assert answer.status_code == 200, answer.content
    (pool,) = answer.json()["pools"]
    assert (pool["members"], pool["candidates"], pool["allowed"]) == (3, 1, 0)  # with Dung
    assert pool["ranking"] == [found["Giang"].pk] and "15.2" in pool["reading"]
    giang = next(r for r in answer.json()["rows"] if r["subject"] == found["Giang"].pk)
    assert giang["beyond_quota"] and giang["proposed_tier"] == "HTXSNV"
    body = {
        "rows": [{"subject": found["Giang"].pk, "tier": "HTXSNV", "revision": giang["revision"]}]
    }
    refused = client.post(url + "finalize/", body, format="json")
    assert refused.status_code == 400
    assert "Nhóm có vị trí" in " ".join(refused.json()["override_reason"])
    body["override_reason"] = "Khen thưởng đột xuất"
    done = client.post(url + "finalize/", body, format="json")
    assert done.status_code == 200 and done.json()["overridden"] == [found["Giang"].pk]
    assert Decision.objects.get(subject=found["Giang"]).overrides[0]["kind"] == "quota"
