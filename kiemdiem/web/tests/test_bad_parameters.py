"""A query parameter that cannot be what the page expects is a bad request (400, the error
page, saying which parameter), never a server error."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("page", ["person-list", "audit-log"])
@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "99999999999999999999999", "١"])
def test_a_unit_that_is_no_id_is_400(client, province, page, value):
    client.force_login(province.users["staff_p"])
    response = client.get(reverse(page), {"unit": value})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "“unit”" in html and 'class="topbar"' in html  # the site's own page, with its menu


def test_the_error_page_speaks_english_to_english_users(client, province):
    user = province.users["staff_p"]
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(reverse("person-list"), {"unit": "abc"})
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.parametrize("page", ["person-list", "audit-log"])
def test_a_unit_id_still_filters_and_an_invisible_one_is_404(client, province, page):
    client.force_login(province.users["staff_b"])
    assert client.get(reverse(page), {"unit": province.commune_b.pk}).status_code == 200
    assert client.get(reverse(page), {"unit": province.commune_a.pk}).status_code == 404
    assert client.get(reverse(page), {"unit": ""}).status_code == 200
