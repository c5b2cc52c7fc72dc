"""The meetings API: a ballot run through it — check-in with the room code, votes cast
(answered 204 with nothing that names the choice), counts hidden until the close, the result."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from kiemdiem.meetings import codes
from kiemdiem.meetings.tests.scene import build

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def test_a_secret_ballot_through_the_api(province):
    scene = build(province, n=3)
    meeting = scene.meeting
    secretary = _client(scene.users["secretary"])
    for name in ("secretary", "member", "m1", "m2", "m3"):
        response = _client(scene.users[name]).post(
            f"/api/meetings/{meeting.pk}/check-in/",
            {"code": codes.room_code(meeting)},
            format="json",
        )
        assert response.status_code == 200 and response.json()["presence"] == "present"
    detail = secretary.get(f"/api/meetings/{meeting.pk}/").json()
    assert detail["quorum"]["reached"] and detail["agenda"][0]["position"] == 1
    item = detail["agenda"][-1]["id"]
    vote = secretary.post(f"/api/agenda/{item}/ballot/", {}, format="json").json()
    assert vote["status"] == "open" and vote["counts"] == {}
    for name, option in [("member", "HTTNV"), ("m1", "HTTNV"), ("m2", "HTNV"), ("m3", "HTTNV")]:
        response = _client(scene.users[name]).post(
            f"/api/votes/{vote['id']}/cast/", {"option": option}, format="json"
        )
        assert response.status_code == 204 and not response.content
    again = _client(scene.users["m1"]).post(
        f"/api/votes/{vote['id']}/cast/", {"option": "HTNV"}, format="json"
    )
    assert again.status_code == 400 and "HTNV" not in again.content.decode()
    probation = _client(scene.users["probation"]).post(
        f"/api/votes/{vote['id']}/cast/", {"option": "HTNV"}, format="json"
    )
    assert probation.status_code in (400, 404)
    assert secretary.get(f"/api/votes/{vote['id']}/").json()["counts"] == {}  # still open
    member_close = _client(scene.users["m1"]).post(
        f"/api/votes/{vote['id']}/close/", {}, format="json"
    )
    assert member_close.status_code == 403
    closed = secretary.post(
        f"/api/votes/{vote['id']}/close/", {"counted_by": "Tổ kiểm phiếu"}, format="json"
    ).json()
    assert closed["counts"]["HTTNV"] == 3 and closed["result"] == "HTTNV"
    assert (closed["cast"], closed["voters"], closed["needed"]) == (4, 5, 3)
