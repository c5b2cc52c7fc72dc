"""Who may do what with units of the tree. Services enforce it; views and the API ask it.

A grant covers its unit's whole subtree, so every right here is a question about one path:

* a unit is changed (renamed, re-kinded, moved away, dissolved, merged, split) by whoever may
  ``change`` it;
* a unit is created, or moved, *under* a parent by whoever may change that parent; a root unit
  (no parent) only by whoever may change the whole tree;
* a merge also needs ``change`` on the target; a split's new units stand where the old one stood
  and need nothing more than the right on the unit being split.

``user=None`` is the system itself (the demo builder, management commands, fixtures): it may do
everything. Every user-facing path passes the requesting user.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, has_any, restrict, scope_prefixes
from kiemdiem.orgtree.models import Unit


def covers(prefixes, path: str) -> bool:
    """Whether the subtrees ``prefixes`` (or ALL) hold the unit at ``path``."""
    return prefixes == ALL or any(path.startswith(p) for p in prefixes)


def may(user, action: Action, unit: Unit) -> bool:
    """``action`` on ``unit`` — the door's own rule (``restrict``), answered from the user's
    cached grants instead of a query."""
    if user is None:
        return True
    return covers(scope_prefixes(user, action), unit.path)


def may_view_unit(user, unit: Unit) -> bool:
    """See the unit: a grant covering it, or — for a member — a unit they belong to."""
    if user is None:
        return True
    return restrict(Unit.objects.filter(pk=unit.pk), user, Action.VIEW).exists()


def may_change_unit(user, unit: Unit) -> bool:
    return may(user, Action.CHANGE, unit)


def may_change_everything(user) -> bool:
    """A grant on the whole tree (a superuser): what adds a root unit or a person with no unit."""
    return user is None or scope_prefixes(user, Action.CHANGE) == ALL


def may_change_somewhere(user) -> bool:
    """Anything to change at all: asked before the body of a write is read, so that a reader
    learns nothing from the answers about what exists."""
    return user is None or has_any(user, Action.CHANGE)


def may_add_under(user, parent: Unit | None) -> bool:
    """Create a unit (or move one) under ``parent``; ``None`` makes a root."""
    return may_change_everything(user) if parent is None else may_change_unit(user, parent)


def may_move(user, unit: Unit, new_parent: Unit | None) -> bool:
    return may_change_unit(user, unit) and may_add_under(user, new_parent)


def may_merge(user, sources, target: Unit) -> bool:
    return may_change_unit(user, target) and all(may_change_unit(user, s) for s in sources)


def changeable_units(user) -> QuerySet:
    """Every unit ``user`` may change (``may_change_unit`` as one query)."""
    return restrict(Unit.objects.all(), user, Action.CHANGE)


def top_units(user) -> QuerySet:
    """The highest active units the user can see: the roots of their visible forest (the units
    of their grants; for a member, the units they belong to)."""
    prefixes = scope_prefixes(user, Action.VIEW)
    units = Unit.objects.filter(valid_to__isnull=True)
    if prefixes == ALL:
        return units.filter(parent__isnull=True).order_by("name_sort_key")
    if prefixes:
        return units.filter(path__in=prefixes).order_by("name_sort_key")
    return restrict(units, user, Action.VIEW).order_by("name_sort_key")


def refuse(message: str | None = None):
    raise PermissionDenied(message or _("You may not change this unit."))


def check(allowed: bool, message: str | None = None) -> None:
    """Refuse (PermissionDenied, nothing changed) unless ``allowed``."""
    if not allowed:
        refuse(message)
