"""Consistency checks run after the demo is written.

The tree invariants are ``orgtree.integrity.tree_problems`` (the ``check_orgtree`` command);
added here is what a restructuring must leave behind on the people side: nobody still
affiliated with, and no current cadre authority held by, a dissolved unit.
"""

from __future__ import annotations

from kiemdiem.orgtree.integrity import tree_problems as orgtree_problems
from kiemdiem.people.models import Affiliation, CadreAuthority


def people_problems() -> list[str]:
    problems: list[str] = []
    stale = Affiliation.objects.current().filter(unit__valid_to__isnull=False)
    for affiliation in stale.select_related("unit", "person")[:20]:
        problems.append(f"{affiliation.unit.code}: dissolved unit still has {affiliation}")
    dangling = CadreAuthority.objects.filter(
        valid_to__isnull=True, authority__valid_to__isnull=False
    ).select_related("authority", "person")
    for authority in dangling[:20]:
        problems.append(f"{authority.authority.code}: dissolved unit still manages {authority}")
    return problems


def tree_problems() -> list[str]:
    """The tree's own invariants, then the people-side ones."""
    return orgtree_problems() + people_problems()
