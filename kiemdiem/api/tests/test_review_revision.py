"""PUT /api/subjects/{id}/review/ checks the revision as the web page does: a save written from
an older copy of the draft is refused with 409 and the newer text stays."""

import pytest

from kiemdiem.cycles.models import Subject
from kiemdiem.reviews.models import SelfReview


@pytest.fixture
def binh(province, cycle):
    return Subject.objects.get(cycle=cycle, person=province.members["binh"])


def test_a_stale_put_is_refused_with_409_and_the_newer_text_stays(client_for, binh):
    member = client_for("member")
    url = f"/api/subjects/{binh.pk}/review/"
    read = member.post(url).json()["updated_at"]
    first = member.put(
        url, {"content": {"tu_tuong": "Bản mới hơn"}, "revision": read}, format="json"
    )
    assert first.status_code == 200, first.content
    stale = member.put(
        url, {"content": {"tu_tuong": "Bản cũ ghi đè"}, "revision": read}, format="json"
    )
    assert stale.status_code == 409, stale.content
    assert "sau phiên bản" in stale.json()["detail"]
    assert SelfReview.objects.get(subject=binh).content["tu_tuong"] == "Bản mới hơn"
    # with the revision just read the next save goes through
    again = member.put(
        url,
        {"content": {"tu_tuong": "Bản tiếp theo"}, "revision": first.json()["updated_at"]},
        format="json",
    )
    assert again.status_code == 200, again.content
    assert SelfReview.objects.get(subject=binh).content["tu_tuong"] == "Bản tiếp theo"


def test_a_revision_that_is_not_a_time_is_a_400_naming_it(client_for, binh):
    member = client_for("member")
    url = f"/api/subjects/{binh.pk}/review/"
    member.post(url)
    response = member.put(url, {"content": {}, "revision": "hôm qua"}, format="json")
    assert response.status_code == 400 and "revision" in response.json()


def test_a_put_without_a_revision_is_refused_and_changes_nothing(client_for, binh):
    """A client that does not say which draft it wrote from could overwrite newer text."""
    member = client_for("member")
    url = f"/api/subjects/{binh.pk}/review/"
    member.put(url, {"content": {}}, format="json")  # nothing started yet: 404
    member.post(url)
    saved = SelfReview.objects.get(subject=binh)
    response = member.put(url, {"content": {"tu_tuong": "Ghi đè mù"}}, format="json")
    assert response.status_code == 400 and "revision" in response.json()
    assert SelfReview.objects.get(subject=binh).updated_at == saved.updated_at
