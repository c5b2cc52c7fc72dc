"""Who may do what with remedy items, the consolidation list and the lists the regulations
name. Services enforce it; views and the API ask it.

* **Remedy items** (shortcoming rows): whoever may write the review of the subject the row
  belongs to sets its plan, owner, due date and status (``reviews.policies.may_plan``);
  staff and the cell's committee (``change`` on the subject's unit) add one a meeting or a
  decision named. Everyone reads through the door (members their own).
* **The consolidation list**: built for a subtree by those with ``change`` on its root unit;
  its actions are added and changed by those with ``change`` on the consolidated unit.
* **The lists**: read through the door (``restrict`` on the subjects); the export shows
  personal fields (date of birth) only of the people whose personal fields the reader may see
  (``people.policies.with_personal``).
"""

from __future__ import annotations

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import can, restrict
from kiemdiem.orgtree.policies import may_change_unit
from kiemdiem.remediation.models import Consolidation
from kiemdiem.reviews.policies import (
    check,  # noqa: F401  (refuses with PermissionDenied)
    may_plan,  # noqa: F401  (the one rule, re-exported)
)


def may_build(user, unit) -> bool:
    return user is None or may_change_unit(user, unit)


def may_change_consolidation(user, consolidation) -> bool:
    return user is None or can(user, Action.CHANGE, consolidation)


def changeable_consolidations(user, rows) -> set[int]:
    """``may_change_consolidation`` for many rows in one query (the list page)."""
    ids = [row.pk for row in rows]
    if user is None:
        return set(ids)
    if not ids:
        return set()
    return set(
        restrict(Consolidation.objects.filter(pk__in=ids), user, Action.CHANGE).values_list(
            "pk", flat=True
        )
    )
