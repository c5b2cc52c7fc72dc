"""Who may read and submit a level's summary report. Services enforce it; views and the API
ask it.

* **Reading** a subtree's report: a grant that covers the *whole* subtree (``view`` on a unit
  at or above it). The figures are the subtree's totals, which a member's own records or a
  grant on part of it (a cell inside it) would not justify. Drilling down is reading a child's
  report: the same rule, so a district's staff open their own district and below, never the
  province or its other districts.
* **Submitting** (and withdrawing, with a reason, while the cycle is open) a level's report: a
  grant to change the unit (the level's staff, its committee).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, has_any, scope_prefixes
from kiemdiem.orgtree.models import Unit


def _covers(user, action: Action, unit) -> bool:
    prefixes = scope_prefixes(user, action)
    return prefixes == ALL or any(unit.path.startswith(p) for p in prefixes)


def may_view(user, unit) -> bool:
    return user is None or _covers(user, Action.VIEW, unit)


def may_submit(user, unit) -> bool:
    return user is None or _covers(user, Action.CHANGE, unit)


def top_units(user) -> list[Unit]:
    """Where ``user``'s reports start: the roots of the subtrees they may read whole."""
    prefixes = scope_prefixes(user, Action.VIEW)
    units = Unit.objects.filter(valid_to__isnull=True)
    if prefixes == ALL:
        return list(units.filter(parent__isnull=True).order_by("name_sort_key"))
    return list(units.filter(path__in=prefixes).order_by("path"))


def check(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def may_export(user) -> bool:
    """The summary tables as a document (``reports/exporters.py`` in the documents registry):
    a role that reads some subtree; the form then asks ``may_view`` of the unit named (the
    whole subtree covered), as the report page does."""
    return user is not None and has_any(user, Action.VIEW)
