"""Who may do what with a review meeting. Services enforce it; views and the API ask it.

* **Schedule** a meeting of a unit, run it (open, close, the roll, notes, a show of hands,
  open a secret ballot): whoever may change the unit — its secretary (cell secretary grant)
  and the staff above (``change`` on the meeting's unit).
* **Close a secret ballot** (count it): the same, or the meeting's chair (the counting
  committee reports to the chair).
* **Check in**: oneself, on the roll of an open meeting, with the room's code.
* **Vote on a secret ballot**: oneself, on the roll, checked in, an official member not
  exempt, once — on one's own phone, or on the secretary's device with one's own personal
  code (``services.ballot_cast`` checks the code).
* **See** a meeting: through the door (those who may view its unit), and the members on its
  roll (``Meeting.owner_q``); the same people download its minutes as documents
  (``may_export_minutes``: the exporter's form offers only the meetings they may see).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import can, has_any
from kiemdiem.meetings.models import Attendance
from kiemdiem.orgtree.policies import may_change_unit


def check(allowed: bool, message: str | None = None) -> None:
    """Refuse (PermissionDenied, nothing changed) unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message or _("You may not do this in this meeting."))


def may_schedule(user, unit) -> bool:
    return user is None or may_change_unit(user, unit)


def may_run(user, meeting) -> bool:
    return user is None or can(user, Action.CHANGE, meeting)


def may_view(user, meeting) -> bool:
    return user is None or can(user, Action.VIEW, meeting)


def person_of(user):
    return getattr(user, "person", None) if user is not None else None


def is_chair(user, meeting) -> bool:
    person = person_of(user)
    return person is not None and meeting.chair_id == person.pk


def may_count(user, meeting) -> bool:
    return may_run(user, meeting) or is_chair(user, meeting)


def on_roll(user, meeting):
    """The user's own row on the meeting's roll, or None."""
    person = person_of(user)
    if person is None:
        return None
    return meeting.roll.filter(person=person).first()


def may_export_minutes(user) -> bool:
    """The minutes as documents (``meetings/exporters.py``): whoever may see a meeting — a
    role that reads some subtree, or a member on a meeting's roll. Which meetings is the
    door's (``selectors.meetings``), as for the printable pages."""
    if user is None:
        return False
    if has_any(user, Action.VIEW):
        return True
    person_id = getattr(user, "person_id", None)
    return bool(person_id) and Attendance.objects.filter(person_id=person_id).exists()
