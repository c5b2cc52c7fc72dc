"""The register's API: recorded by the competent body's staff, read through the policy,
annulled with a reason, documents uploaded (multipart, checked by their bytes) and
downloaded only by those who may read the entry."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from knox.models import AuthToken
from rest_framework.test import APIClient

from kiemdiem.register.models import RegisterEntry


@pytest.fixture
def client_for(province):
    """An API client sending the named user's token."""

    def make(name: str) -> APIClient:
        client = APIClient()
        _, token = AuthToken.objects.create(user=province.users[name])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


PDF = b"%PDF-1.4\n1 0 obj\n"


def body(province, person="binh", **fields):
    return {
        "person": province.members[person].pk,
        "kind": "discipline",
        "track": "party",
        "discipline_form": "CANH_CAO",
        "decided_on": "2025-09-01",
        "issuing_body": "Ủy ban Kiểm tra Đảng ủy xã",
        "document_number": "07-QĐ/UBKT",
        "year": 2025,
    } | fields


def test_staff_record_read_and_annul_an_entry(client_for, province):
    staff = client_for("staff_a")
    response = staff.post("/api/register-entries/", body(province), format="json")
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["person_name"] == "Trần Thị Bình" and entry["discipline_form"] == "CANH_CAO"
    assert entry["files"] == [] and not entry["annulled"]
    listed = staff.get("/api/register-entries/", {"year": 2025, "kind": "discipline"}).json()
    assert [row["id"] for row in listed["results"]] == [entry["id"]]
    annulled = staff.post(
        f"/api/register-entries/{entry['id']}/annul/", {"reason": "Nhầm"}, format="json"
    )
    assert annulled.status_code == 200 and annulled.json()["annulled"]
    assert staff.get("/api/register-entries/").json()["results"] == []
    assert len(staff.get("/api/register-entries/", {"annulled": "true"}).json()["results"]) == 1


def test_another_communes_staff_cannot_record_and_a_member_reads_only_their_own(
    client_for, province
):
    assert client_for("staff_b").post(
        "/api/register-entries/", body(province), format="json"
    ).status_code in (400, 403)  # Bình is out of B's sight: her id names nothing for them
    client_for("staff_a").post("/api/register-entries/", body(province), format="json")
    client_for("staff_a").post("/api/register-entries/", body(province, "an"), format="json")
    mine = client_for("member").get("/api/register-entries/").json()["results"]
    assert [row["person_name"] for row in mine] == ["Trần Thị Bình"]
    assert (
        client_for("member")
        .post("/api/register-entries/", body(province), format="json")
        .status_code
        == 403
    )
    assert client_for("staff_b").get("/api/register-entries/").json()["results"] == []


def test_a_field_refused_by_the_rules_is_named(client_for, province):
    response = client_for("staff_a").post(
        "/api/register-entries/", body(province, discipline_form="GIAI_TAN"), format="json"
    )
    assert response.status_code == 400 and "discipline_form" in response.json()
    assert not RegisterEntry.objects.exists()


def test_documents_are_uploaded_as_multipart_and_downloaded_through_the_policy(
    client_for, province
):
    staff = client_for("staff_a")
    entry = staff.post("/api/register-entries/", body(province), format="json").json()
    url = f"/api/register-entries/{entry['id']}/files/"
    refused = staff.post(
        url, {"file": SimpleUploadedFile("qd.pdf", b"<html></html>")}, format="multipart"
    )
    assert refused.status_code == 400 and "qd.pdf" in str(refused.json())
    saved = staff.post(url, {"file": SimpleUploadedFile("qd.pdf", PDF)}, format="multipart")
    assert saved.status_code == 201 and saved.json()["content_type"] == "application/pdf"
    download = saved.json()["download_url"]
    got = staff.get(download)
    assert got.status_code == 200 and got.content == PDF
    assert got["Content-Disposition"].startswith("attachment;")
    assert client_for("member").get(download).status_code == 200  # her own
    assert client_for("staff_b").get(download).status_code == 404
    detail = staff.get(f"/api/register-entries/{entry['id']}/").json()
    assert [f["name"] for f in detail["files"]] == ["qd.pdf"]
