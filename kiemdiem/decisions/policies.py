"""Who may do what with decisions. Services enforce it; views and the API ask it.

* **Propose** a tier (the advisory body): staff who may change the unit where the subject is
  reviewed (the chi ủy for a cell, the organization section above it), or the deciding level
  itself. Nobody proposes for themself.
* **Decide** (and decide again, finalize a screen, override a quota or cap with a reason): the
  competent level — ``cycles.policies.may_rate`` (``Unit.managed_by``, ``CadreAuthority``, the
  agency head on the state track). Nobody decides for themself.

``user=None`` is the system (demo, commands): it may do everything.
"""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kiemdiem.cycles import policies as cycle_policies
from kiemdiem.cycles.models import Subject
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import may_change_unit


class DecisionPolicy:
    def __init__(self, user, subject: Subject):
        self.user = user
        self.subject = subject

    @cached_property
    def _is_self(self) -> bool:
        person_id = getattr(self.user, "person_id", None)
        return bool(person_id) and person_id == self.subject.person_id

    @cached_property
    def may_decide(self) -> bool:
        return cycle_policies.may_rate(self.user, self.subject)

    @cached_property
    def may_propose(self) -> bool:
        if self.user is None:
            return True
        if self._is_self:
            return False
        return may_change_unit(self.user, self.subject.unit) or self.may_decide


def proposable_ids(user, subjects: list[Subject], unit: Unit) -> set[int]:
    """``DecisionPolicy.may_propose`` for many subjects in two queries: the staff of the unit
    (``change`` on it covers the units under it) or the deciding level; never oneself."""
    if user is None:
        return {s.pk for s in subjects}
    staff = may_change_unit(user, unit)
    deciding = set(
        cycle_policies.subjects_to_rate(user)
        .filter(pk__in=[s.pk for s in subjects])
        .values_list("pk", flat=True)
    )
    own = getattr(user, "person_id", None)
    return {
        s.pk for s in subjects if not (own and s.person_id == own) and (staff or s.pk in deciding)
    }


def check(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not do this."))
