"""Every page, as anonymous, no grant, a sibling-subtree grant and an ancestor grant."""

import pytest
from django.urls import reverse

# (url name, kwargs builder, action needed) — pages about commune A's subtree.
PAGES = [
    ("unit-detail", lambda p: {"pk": p.cell_a1.pk}, "view"),
    ("unit-children", lambda p: {"pk": p.commune_a.pk}, "view"),
    ("unit-as-of", lambda p: {"pk": p.commune_a.pk}, "view"),
    ("unit-edit", lambda p: {"pk": p.cell_a1.pk}, "change"),
    ("unit-create", lambda p: {"pk": p.commune_a.pk}, "change"),
    ("unit-move", lambda p: {"pk": p.cell_a1.pk}, "change"),
    ("unit-merge", lambda p: {"pk": p.cell_a1.pk}, "change"),
    ("unit-split", lambda p: {"pk": p.cell_a1.pk}, "change"),
    ("unit-close", lambda p: {"pk": p.cell_a1.pk}, "change"),
    ("person-create", lambda p: {"unit_pk": p.cell_a1.pk}, "change"),
    ("person-detail", lambda p: {"pk": p.members["an"].pk}, "view"),
    ("person-edit", lambda p: {"pk": p.members["an"].pk}, "change"),
    ("person-status", lambda p: {"pk": p.members["an"].pk}, "change"),
    ("person-transfer", lambda p: {"pk": p.members["an"].pk}, "change"),
    ("affiliation-add", lambda p: {"pk": p.members["an"].pk}, "change"),
]

SCOPED_LISTS = ["tree", "person-list", "audit-log", "home"]


@pytest.mark.parametrize(("name", "kwargs", "action"), PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("nogrant", 404), ("staff_b", 404), ("staff_p", 200), ("staff_a", 200)],
)
def test_page_permission_matrix(client, province, name, kwargs, action, who, expected):
    if who != "anonymous":
        client.force_login(province.users[who])
    response = client.get(reverse(name, kwargs=kwargs(province)))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "kwargs", "action"), PAGES, ids=[p[0] for p in PAGES])
def test_read_only_roles_cannot_open_change_pages(client, province, name, kwargs, action):
    client.force_login(province.users["inspector"])
    response = client.get(reverse(name, kwargs=kwargs(province)))
    assert response.status_code == (200 if action == "view" else 404)


@pytest.mark.parametrize("name", SCOPED_LISTS)
def test_lists_show_only_the_subtree(client, province, name):
    client.force_login(province.users["staff_b"])
    url = reverse(name)
    if name == "tree":
        url += "?q=chi bo"
    page = client.get(url).content.decode()
    assert "Chi bộ thôn Đông" not in page and "Nguyễn Văn An" not in page
    client.force_login(province.users["staff_p"])
    page = client.get(url).content.decode()
    if name in ("tree", "person-list"):
        assert ("Chi bộ thôn Đông" in page) or ("Nguyễn Văn An" in page)


def test_counts_on_the_start_page_are_scoped(client, province):
    client.force_login(province.users["staff_b"])
    context = client.get(reverse("home")).context
    assert (context["unit_count"], context["people_count"]) == (2, 1)
    client.force_login(province.users["staff_p"])
    context = client.get(reverse("home")).context
    assert (context["unit_count"], context["people_count"]) == (8, 4)


def test_audit_page_needs_an_audit_role(client, province):
    client.force_login(province.users["secretary"])
    assert client.get(reverse("audit-log")).status_code == 403
    client.force_login(province.users["inspector"])
    assert client.get(reverse("audit-log")).status_code == 200


def test_access_page_needs_the_admin_role(client, province):
    client.force_login(province.users["staff_p"])
    assert client.get(reverse("user-list")).status_code == 403
    client.force_login(province.users["admin"])
    page = client.get(reverse("user-list")).content.decode()
    assert "staff_b" in page
