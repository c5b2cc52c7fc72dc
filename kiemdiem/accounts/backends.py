"""Sign-in backend: Django's, except that the signed-in user arrives with their grants.

Nearly every page asks the permission door, and the door's first read is the user's grants
(``permissions.scope_prefixes``). Reading them with the user — one subquery joined into the
query the session makes anyway — saves a round trip on every page (bench/web/RESULTS.md).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Aggregate, CharField, OuterRef, Subquery, Value
from django.db.models.functions import Concat

from kiemdiem.accounts.models import Grant, User
from kiemdiem.accounts.permissions import remember_grants

SEPARATOR = ","  # neither a role nor a unit path holds one


class _Joined(Aggregate):
    """The grants as one text, "role:path,role:path" (string_agg or group_concat)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, '" + SEPARATOR + "')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


def _grants_of_user() -> Subquery:
    grants = (
        Grant.objects.filter(user=OuterRef("pk"), unit__valid_to__isnull=True)
        .order_by()
        .values("user")
        .annotate(
            joined=_Joined(Concat("role", Value(":"), "unit__path", output_field=CharField()))
        )
        .values("joined")
    )
    return Subquery(grants, output_field=CharField())


class Backend(ModelBackend):
    """``ModelBackend`` whose ``get_user`` (the user of each request's session) reads the
    user's grants in the same query and hands them to the door."""

    def get_user(self, user_id):
        user = (
            User._default_manager.annotate(grant_list=_grants_of_user()).filter(pk=user_id).first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        pairs = []
        for item in (user.grant_list or "").split(SEPARATOR):
            if item:
                role, _sep, path = item.partition(":")
                pairs.append((role, path))
        remember_grants(user, pairs)
        return user
