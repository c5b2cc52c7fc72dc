"""The sign-in backend reads the user's grants with the user: the door sees the same grants
as when it reads them itself, one query fewer."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiemdiem.accounts import services as accounts
from kiemdiem.accounts.backends import Backend
from kiemdiem.accounts.models import Action, Grant
from kiemdiem.accounts.permissions import scope_prefixes
from kiemdiem.orgtree import services as tree
from kiemdiem.testing import D


def _read(user):
    return sorted(
        Grant.objects.filter(user=user, unit__valid_to__isnull=True).values_list(
            "role", "unit__path"
        )
    )


def test_the_backend_hands_the_door_the_same_grants(province):
    # One user with two grants, one of them on a unit dissolved since: only the living one.
    user = province.users["staff_a"]
    accounts.grant_add(user=user, role="inspector", unit=province.cell_b1, actor=None)
    tree.unit_dissolve(unit=province.cell_b1, effective=D(2025, 6, 1), actor=None)
    for name, someone in province.users.items():
        loaded = Backend().get_user(someone.pk)
        with CaptureQueriesContext(connection) as queries:
            cached = sorted(loaded.__dict__["_kiemdiem_scope_cache"]["grants"])
            for action in Action:
                scope_prefixes(loaded, action)
        assert cached == _read(someone), name
        assert len(queries) == 0, name  # the door asked nothing more


def test_a_page_reads_the_grants_with_the_user(client, province):
    client.force_login(province.users["staff_a"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("unit-detail", args=[province.cell_a1.pk])).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if s.lstrip().startswith('SELECT "accounts_grant"."role"')], sql


@pytest.mark.parametrize("who", ["nogrant", "member"])
def test_a_user_with_few_or_no_grants(province, who):
    loaded = Backend().get_user(province.users[who].pk)
    assert sorted(loaded.__dict__["_kiemdiem_scope_cache"]["grants"]) == _read(loaded)


def test_an_inactive_user_is_not_signed_in(province):
    user = province.users["staff_a"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert Backend().get_user(user.pk) is None
