"""Who may import and export. Services enforce it; the pages and the command ask it.

* **Import** into a unit needs ``change`` on it: every unit and person in the file must lie in
  its subtree, and an existing person is changed only where the importer may change them
  (``people.policies.changeable_people``, applied row by row when the file is checked).
  Confirming a checked file needs the same right on the job's unit.
* **Export** of a unit needs a ``view`` grant covering it — a member's own units do not count —
  and writes only the people whose personal fields the user may see
  (``people.policies.personal_people``).
* An import job is seen by whoever sees its unit (the door: ``ImportJob.scope_path_field``).

``user=None`` is the system itself (commands, fixtures): it may do everything.
"""

from __future__ import annotations

from django.db.models import QuerySet

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, has_any, scope_prefixes
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import covers, may_change_unit
from kiemdiem.people.policies import personal_people


def may_import(user, unit: Unit | None = None) -> bool:
    """Import into ``unit`` (``None``: into some unit — the page offers the upload form)."""
    if unit is None:
        return user is None or has_any(user, Action.CHANGE)
    return may_change_unit(user, unit)


def may_export(user, unit: Unit | None = None) -> bool:
    """Export ``unit`` and its subtree (``None``: some unit — the page offers the form)."""
    if user is None:
        return True
    if unit is None:
        return has_any(user, Action.VIEW)
    return covers(scope_prefixes(user, Action.VIEW), unit.path)


def may_open(user) -> bool:
    """The imports page in the menu: a role that may export somewhere (every role that may
    change, and so import, may also view)."""
    return may_export(user)


def export_people(user) -> QuerySet | None:
    """The people an export by ``user`` may write (``None``: everyone)."""
    if user is None or scope_prefixes(user, Action.VIEW) == ALL:
        return None
    return personal_people(user)


class ImportPolicy:
    def __init__(self, user, job):
        self.user = user
        self.job = job

    @property
    def may_commit(self) -> bool:
        """Confirm a checked file: write it into the job's unit."""
        return may_import(self.user, self.job.unit)
