"""Who may manage logins and roles. Services enforce it; views, the admin and the API ask it.

* Logins and grants are managed by whoever holds ``manage_access`` (the administrator role) on a
  subtree: they see the users holding a role inside it, grant roles on units inside it, revoke
  the grants filed there, and create logins. A login for a person also needs the right to change
  that person (``people.policies.may_change_person``: where their membership or work is) — the
  page asks both; accounts sits below people and does not import it.
* Django's admin (``/admin/``) is the other way in, for its staff users: there Django's model
  permissions (``accounts.add_grant``, ``accounts.delete_grant``, ``accounts.add_user``) decide,
  whatever the unit.
* Everyone manages their own password, language, API tokens and sessions, and nobody else's.

``user=None`` is the system itself (the demo builder, management commands, fixtures): it may do
everything. Every user-facing path passes the requesting user.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action, Grant, User
from kiemdiem.accounts.permissions import ALL, has_any, restrict, scope_prefixes


def may_manage_access(user) -> bool:
    """Open the access pages: ``manage_access`` somewhere."""
    return user is None or has_any(user, Action.MANAGE_ACCESS)


def manageable_grants(user) -> QuerySet:
    """The grants filed under units where ``user`` may manage access."""
    return restrict(Grant.objects.all(), user, Action.MANAGE_ACCESS)


def managed_users(user) -> QuerySet:
    """The users holding a role inside the subtrees where ``user`` may manage access."""
    return User.objects.filter(pk__in=manageable_grants(user).values("user_id"))


def _manages(user, unit) -> bool:
    prefixes = scope_prefixes(user, Action.MANAGE_ACCESS)
    return prefixes == ALL or any(unit.path.startswith(p) for p in prefixes)


def may_grant(user, unit) -> bool:
    """Give a role on ``unit``."""
    if user is None:
        return True
    return _manages(user, unit) or user.has_perm("accounts.add_grant")


def may_revoke(user, grant: Grant) -> bool:
    if user is None:
        return True
    return _manages(user, grant.unit) or user.has_perm("accounts.delete_grant")


def may_create_user(user) -> bool:
    if user is None:
        return True
    return has_any(user, Action.MANAGE_ACCESS) or user.has_perm("accounts.add_user")


def may_manage_own(user, owner: User) -> bool:
    """The password, language, API tokens and sessions of ``owner``: theirs alone."""
    return user is None or (user.is_authenticated and user.pk == owner.pk)


def refuse(message: str | None = None):
    raise PermissionDenied(message or _("You may not manage this access."))


def check(allowed: bool, message: str | None = None) -> None:
    """Refuse (PermissionDenied, nothing changed) unless ``allowed``."""
    if not allowed:
        refuse(message)
