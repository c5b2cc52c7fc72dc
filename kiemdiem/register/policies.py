"""Who may do what with the register. Services enforce it; views and the API ask it.

* **Record, edit, annul, attach**: staff of the competent body — ``change`` on one of the
  person's homes (their party cell, a post, a state employment: ``people.policies``), or on
  the unit an entry is about.
* **Read**: an entry about a person goes to whoever may see that person's personal fields
  (``people.policies.may_view_personal``: a ``view`` grant over one of their homes) and to the
  person themself; an entry about a unit to a ``view`` grant covering it. Discipline is
  sensitive: lists never show an entry to a user who may not see the person's personal fields
  (``RegisterEntry.scope_q`` is the same rule as a query).

``user=None`` is the system itself (imports, the demo, fixtures).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, has_any, restrict, scope_prefixes
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import covers, may, may_change_unit
from kiemdiem.people.models import Affiliation, Person
from kiemdiem.people.policies import HOME_KINDS, may_view_personal
from kiemdiem.register.models import RegisterEntry


def homes(person: Person) -> list[Unit]:
    """The person's current homes: where an entry about them is recorded."""
    rows = Affiliation.objects.current().filter(person=person, kind__in=HOME_KINDS)
    return [a.unit for a in rows.select_related("unit")]


def _about_themself(user, person: Person | None, unit: Unit | None) -> bool:
    """An entry about the user, or about a unit the user heads: never theirs to write."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    if person is not None:
        return person.pk == person_id
    return (
        unit is not None
        and Affiliation.objects.current().heads().filter(person_id=person_id, unit=unit).exists()
    )


def may_record_for(user, *, person: Person | None = None, unit: Unit | None = None) -> bool:
    """Staff with ``change`` where the person's membership is (or on the unit) — nobody about
    themself or a unit they head (an entry decides their own rating)."""
    if user is None:
        return True
    if _about_themself(user, person, unit):
        return False
    if unit is not None:
        return may_change_unit(user, unit)
    if person is None:
        return False
    prefixes = scope_prefixes(user, Action.CHANGE)
    return prefixes == ALL or any(covers(prefixes, home.path) for home in homes(person))


def may_change_entry(user, entry: RegisterEntry) -> bool:
    """Edit, annul, attach: the same right as recording it."""
    return may_record_for(user, person=entry.person, unit=entry.unit)


def may_record_somewhere(user) -> bool:
    """Anything to record at all (the nav link, the add button)."""
    return user is None or has_any(user, Action.CHANGE)


def may_view_entry(user, entry: RegisterEntry) -> bool:
    if user is None:
        return True
    if entry.person_id is not None:
        return may_view_personal(user, entry.person)
    return may(user, Action.VIEW, entry.unit)  # a grant; a member reads only their own


def visible_entries(user) -> QuerySet:
    """Every entry ``user`` may read (one query; the door plus the owner rule)."""
    qs = RegisterEntry.objects.all()
    return qs if user is None else restrict(qs, user, Action.VIEW)


def may_list_person(user, person: Person) -> bool:
    """The entries about ``person`` on their page: the personal-fields rule."""
    return user is None or may_view_personal(user, person)


def may_see_entries_of(user, *, person: Person | None = None, unit: Unit | None = None) -> bool:
    """The entries about this person (the personal-fields rule) or this unit (a grant)."""
    if user is None:
        return True
    if person is not None:
        return may_view_personal(user, person)
    return unit is not None and may(user, Action.VIEW, unit)


def may_list(user) -> bool:
    """The register's pages: staff with a ``view`` grant somewhere (a member reads their own
    entries on their own page)."""
    return user is None or has_any(user, Action.VIEW)


def check(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(
            message or _("You may not change the register of discipline for this person or unit.")
        )
