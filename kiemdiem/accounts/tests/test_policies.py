"""``accounts.policies``: who manages logins and roles, and the account services refusing on
their own (called directly, with no page or admin check in front)."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from kiemdiem.accounts import policies, services
from kiemdiem.accounts.models import Grant, User
from kiemdiem.audit.models import LogEntry


def _state():
    return {
        "users": list(User.objects.order_by("pk").values("pk", "username", "language")),
        "grants": list(Grant.objects.order_by("pk").values()),
        "audit": LogEntry.objects.count(),
    }


@pytest.fixture
def admin_a(province):
    """An administrator of commune A only."""
    user = services.user_create(username="admin_a", password="pass12345!", actor=None)
    services.grant_add(user=user, role="admin", unit=province.commune_a, actor=None)
    return user


def test_managing_access_follows_the_manage_access_grant(province, admin_a):
    admin_p = province.users["admin"]
    assert policies.may_manage_access(admin_p) and policies.may_manage_access(admin_a)
    for who in ("staff_p", "inspector", "decider", "secretary", "member", "nogrant"):
        assert not policies.may_manage_access(province.users[who]), who
    assert policies.may_grant(admin_a, province.cell_a1)
    assert not policies.may_grant(admin_a, province.commune_b)
    assert policies.may_grant(admin_p, province.commune_b)
    managed = set(policies.managed_users(admin_a).values_list("username", flat=True))
    assert managed == {"staff_a", "secretary", "member", "admin_a"}
    b_grant = Grant.objects.get(user=province.users["staff_b"])
    assert not policies.may_revoke(admin_a, b_grant) and policies.may_revoke(admin_p, b_grant)
    assert b_grant not in policies.manageable_grants(admin_a)


def test_the_admin_sites_model_permissions_decide_there(province):
    clerk = services.user_create(username="clerk", password="pass12345!", actor=None)
    assert not policies.may_grant(clerk, province.cell_a1)
    assert not policies.may_create_user(clerk)
    for codename in ("add_grant", "delete_grant", "add_user"):
        clerk.user_permissions.add(Permission.objects.get(codename=codename))
    clerk = User.objects.get(pk=clerk.pk)  # permissions are cached on the object
    assert policies.may_grant(clerk, province.cell_a1) and policies.may_create_user(clerk)
    assert policies.may_revoke(clerk, Grant.objects.get(user=province.users["staff_b"]))
    assert not policies.may_manage_access(clerk)  # the app's access pages stay closed


def test_everyone_manages_their_own_account_only(province):
    member, staff = province.users["member"], province.users["staff_p"]
    assert policies.may_manage_own(member, member) and not policies.may_manage_own(staff, member)
    assert policies.may_manage_own(None, member)


def test_the_account_services_refuse_without_the_right(province, admin_a):
    staff_b, member = province.users["staff_b"], province.users["member"]
    b_grant = Grant.objects.get(user=staff_b)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.grant_add(user=member, role="staff", unit=province.commune_b, actor=admin_a)
    with pytest.raises(PermissionDenied):
        services.grant_revoke(grant=b_grant, actor=admin_a)
    with pytest.raises(PermissionDenied):
        services.user_create(username="x", password="pass12345!", actor=province.users["staff_p"])
    with pytest.raises(PermissionDenied):
        services.user_set_language(user=member, language="en", actor=staff_b)
    with pytest.raises(PermissionDenied):
        services.sign_out_everywhere(user=member, actor=staff_b)
    token, _secret = services.token_create(user=member, actor=member)
    before = _state()
    with pytest.raises(PermissionDenied):
        services.token_create(user=member, actor=staff_b)
    with pytest.raises(PermissionDenied):
        services.token_revoke(token=token, actor=staff_b)
    assert _state() == before and services.tokens_of(member).count() == 1
    services.grant_add(user=member, role="staff", unit=province.cell_a2, actor=admin_a)
    services.token_revoke(token=token, actor=member)
