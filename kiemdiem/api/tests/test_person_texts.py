"""The API refuses names and phone numbers that cannot be ones (the services' check)."""

import pytest

pytestmark = pytest.mark.django_db


def test_api_refuses_formula_names_on_create_and_patch(client_for, province, db_state):
    staff = client_for("staff_a")
    before = db_state()
    response = staff.post(
        "/api/people/",
        {
            "family_name": '=HYPERLINK("http://x.vn")',
            "given_name": "Giang",
            "unit": province.agency.pk,
            "kind": "employment",
            "state_category": "cong_chuc",
            "valid_from": "2024-01-01",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "family_name" in response.json()
    an = province.members["an"]
    response = staff.patch(f"/api/people/{an.pk}/", {"phone": "=1+2"}, format="json")
    assert response.status_code == 400 and "phone" in response.json()
    assert db_state() == before
