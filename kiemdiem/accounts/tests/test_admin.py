"""Django's admin registers users and role grants; what is changed there is audited."""

import pytest
from django.test import Client
from knox.models import AuthToken

from kiemdiem.accounts import services
from kiemdiem.accounts.models import Grant, User
from kiemdiem.audit.models import LogEntry


@pytest.fixture
def admin_client(db):
    root = services.user_create(
        username="root", password="pass12345!", is_superuser=True, actor=None
    )
    client = Client()
    client.force_login(root)
    client.root = root
    return client


def test_admin_lists_users_and_grants(admin_client, province):
    assert "staff_a" in admin_client.get("/admin/accounts/user/").content.decode()
    listed = admin_client.get("/admin/accounts/grant/?role__exact=staff").context["cl"]
    assert {g.user.username for g in listed.result_list} == {"staff_a", "staff_b", "staff_p"}
    user = province.users["staff_a"]
    page = admin_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert 'name="person"' in page and 'name="language"' in page


def test_admin_grants_a_role_through_the_service_audited(admin_client, province):
    user = province.users["nogrant"]
    response = admin_client.post(
        "/admin/accounts/grant/add/",
        {"user": user.pk, "role": "inspector", "unit": province.commune_b.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = Grant.objects.get(user=user)
    assert (grant.role, grant.unit) == ("inspector", province.commune_b)
    entry = LogEntry.objects.get(action="grant.added", object_id=str(user.pk))
    assert entry.actor == admin_client.root and entry.unit == province.commune_b


def test_admin_refuses_a_grant_on_a_dissolved_unit_and_a_duplicate(admin_client, province):
    user = province.users["staff_a"]
    before = LogEntry.objects.count()
    response = admin_client.post(
        "/admin/accounts/grant/add/",
        {"user": user.pk, "role": "staff", "unit": province.commune_a.pk},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    province.commune_b.valid_to = province.commune_b.valid_from
    province.commune_b.save(update_fields=["valid_to"])
    response = admin_client.post(
        "/admin/accounts/grant/add/",
        {"user": user.pk, "role": "staff", "unit": province.commune_b.pk},
    )
    assert response.status_code == 200
    assert "Đơn vị này đã giải thể" in response.content.decode()
    assert Grant.objects.filter(user=user).count() == 1
    assert LogEntry.objects.count() == before


def test_admin_revokes_a_grant_audited(admin_client, province):
    grant = Grant.objects.get(user=province.users["staff_a"])
    response = admin_client.post(f"/admin/accounts/grant/{grant.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Grant.objects.filter(pk=grant.pk).exists()
    assert LogEntry.objects.filter(action="grant.revoked", actor=admin_client.root).exists()


def test_admin_creates_a_user_audited(admin_client, province):
    person = next(
        p for p in province.members.values() if not User.objects.filter(person=p).exists()
    )
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "Mot-mat-khau-2026",
            "password2": "Mot-mat-khau-2026",
            "person": person.pk,
            "language": "en",
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newcomer")
    assert user.person == person and user.language == "en"
    assert LogEntry.objects.filter(action="user.created", object_id=str(user.pk)).exists()


def test_admin_password_set_revokes_tokens_audited(admin_client, province):
    user = province.users["staff_b"]
    AuthToken.objects.create(user=user)
    response = admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {
            "usable_password": "true",
            "password1": "Mot-mat-khau-2026",
            "password2": "Mot-mat-khau-2026",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not AuthToken.objects.filter(user=user).exists()
    assert LogEntry.objects.filter(
        action="user.password_changed", object_id=str(user.pk), actor=admin_client.root
    ).exists()
