"""The current user, tokens, session authentication and the served schema."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from kiemdiem.audit.models import LogEntry


def test_me_shows_grants_and_language(client_for, province):
    data = client_for("staff_a").get("/api/me/").json()
    assert data["username"] == "staff_a" and data["language"] == "vi"
    assert data["is_superuser"] is False and data["person"] is None
    [grant] = data["grants"]
    assert (grant["role"], grant["unit"]) == ("staff", province.commune_a.pk)
    assert grant["actions"] == ["change", "view", "view_audit"]
    member = client_for("member").get("/api/me/").json()
    assert member["person"] == province.members["binh"].pk


def test_me_changes_language(client_for, province, db_state):
    client = client_for("staff_a")
    before = db_state()
    response = client.patch("/api/me/", {"language": "xx"}, format="json")
    assert response.status_code == 400 and "language" in response.json()
    assert db_state() == before
    response = client.patch("/api/me/", {"language": "en"}, format="json")
    assert response.status_code == 200 and response.json()["language"] == "en"
    assert LogEntry.objects.filter(action="user.updated", actor__username="staff_a").exists()


def test_me_needs_authentication(client_for, province):
    response = client_for(None).get("/api/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_for_password_then_token_auth(province):
    client = APIClient()
    response = client.post(
        "/api/auth/token/", {"username": "staff_b", "password": "pass12345!"}, format="json"
    )
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/me/").json()["username"] == "staff_b"


def test_token_with_wrong_password_is_400(province):
    response = APIClient().post(
        "/api/auth/token/", {"username": "staff_b", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_bad_token_is_401(province):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert client.get("/api/units/").status_code == 401


def test_session_authentication_works_too(province):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(province.users["staff_b"])
    assert client.get("/api/me/").json()["username"] == "staff_b"
    # A session write without the CSRF token is refused.
    response = client.patch("/api/me/", {"language": "en"}, format="json")
    assert response.status_code == 403


def test_schema_is_served_as_openapi_3_to_signed_in_users(client_for, province):
    anonymous = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert anonymous.status_code == 401
    response = client_for("member").get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "knoxApiToken" in schema["components"]["securitySchemes"]
    for path in [
        "/api/units/",
        "/api/units/{id}/move/",
        "/api/people/{id}/transfer/",
        "/api/affiliations/{id}/end/",
        "/api/audit/",
        "/api/me/",
        "/api/auth/token/",
        "/api/auth/tokens/",
        "/api/auth/tokens/{token_id}/",
    ]:
        assert path in schema["paths"], path
    move = schema["paths"]["/api/units/{id}/move/"]["post"]
    assert {"200", "400", "403", "404"} <= set(move["responses"])
    assert schema["paths"]["/api/auth/token/"]["post"]["responses"]["200"]


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yaml"),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_token_endpoint_locks_out_after_repeated_failures(province, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/api/auth/token/", {"username": "staff_b", "password": "bad"}, format="json"
        )
        assert response.status_code in (400, 429)
    response = client.post(
        "/api/auth/token/", {"username": "staff_b", "password": "pass12345!"}, format="json"
    )
    assert response.status_code == 429
