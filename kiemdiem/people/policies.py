"""Who may do what with a person. Services enforce it; views and the API ask it.

Two places matter for a person:

* their *homes*: the units they work in — their party cell, each post and each state
  employment. A residence registration is not a home: the residence cell only gives an
  opinion, so it sees the name, never the personal fields, and changes nothing.
* their *seat of change*: where a change to the person is decided — the party cell they are
  active in now; for someone with no cell, their state employments; failing those, their posts.

Personal fields (birth date, citizen ID, phone, e-mail, party card number) go to users whose
``view`` grant covers one of the person's homes, and to the person themself. Changes to the
person's details, membership, status and cell need ``change`` on the seat of change; an
affiliation is started or ended by whoever may change its unit. A grant covers its own
subtree only, and a ``member`` grant gives nothing on the subtree.

``actor=None`` is the system itself (the demo builder, management commands, fixtures); every
user-facing path passes the requesting user.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, restrict, scope_prefixes
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import covers, may_change_everything, may_change_unit
from kiemdiem.people.models import Affiliation, AffiliationKind, Person

HOME_KINDS = (AffiliationKind.CELL, AffiliationKind.POSITION, AffiliationKind.EMPLOYMENT)
PERSONAL_FIELDS = ("birth_date", "citizen_id", "phone", "email")
MEMBER_PERSONAL_FIELDS = ("card_number",)


def _paths_q(prefixes, field: str = "unit__path") -> Q:
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def homes_q(prefixes) -> Q:
    """People with a current home (cell, post, employment) inside the subtrees ``prefixes``."""
    if prefixes == ALL:
        return Q()
    homes = Affiliation.objects.current().filter(
        _paths_q(prefixes), kind__in=HOME_KINDS, person=OuterRef("pk")
    )
    return Q(Exists(homes))


def personal_people(user) -> QuerySet:
    """Everyone whose personal fields ``user`` may see (one query, for lists and exports)."""
    prefixes = scope_prefixes(user, Action.VIEW)
    if prefixes == ALL:
        return Person.objects.all()
    q = homes_q(prefixes) if prefixes else Q(pk__in=[])
    if getattr(user, "person_id", None):
        q |= Q(pk=user.person_id)
    return Person.objects.filter(q)


def with_personal(queryset: QuerySet, user, person_field: str = "pk") -> QuerySet:
    """Annotate each row with ``personal``: may ``user`` see the personal fields of the row's
    person (``person_field`` names the person's id on the row)?"""
    if scope_prefixes(user, Action.VIEW) == ALL:
        return queryset.annotate(personal=Value(True, output_field=BooleanField()))
    allowed = personal_people(user).filter(pk=OuterRef(person_field))
    return queryset.annotate(personal=Exists(allowed))


def may_view_personal(user, person: Person) -> bool:
    if user is not None and getattr(user, "person_id", None) == person.pk:
        return True
    return personal_people(user).filter(pk=person.pk).exists()


def seat_of_change(person: Person) -> list[Unit]:
    """The units where a change to ``person`` is decided (see the module's docstring)."""
    current = list(
        Affiliation.objects.current()
        .filter(person=person, kind__in=HOME_KINDS)
        .select_related("unit")
    )
    for kind in (AffiliationKind.CELL, AffiliationKind.EMPLOYMENT, AffiliationKind.POSITION):
        units = [a.unit for a in current if a.kind == kind]
        if units:
            return units
    return []


def may_create_person(user, unit: Unit | None = None) -> bool:
    """Add a person to ``unit``; a person with no unit yet belongs to no subtree, so only a
    grant on the whole tree adds one."""
    return may_change_everything(user) if unit is None else may_change_unit(user, unit)


def may_change_person(user, person: Person) -> bool:
    """Edit details and membership, change the status, transfer to another cell."""
    if user is None:
        return True
    prefixes = scope_prefixes(user, Action.CHANGE)
    return prefixes == ALL or any(covers(prefixes, unit.path) for unit in seat_of_change(person))


def changeable_people(user) -> QuerySet:
    """Everyone ``user`` may change (``may_change_person`` as one query)."""
    prefixes = scope_prefixes(user, Action.CHANGE)
    if prefixes == ALL:
        return Person.objects.all()
    if not prefixes:
        return Person.objects.none()
    current = Affiliation.objects.current().filter(person=OuterRef("pk"))
    cell = current.filter(kind=AffiliationKind.CELL)
    job = current.filter(kind=AffiliationKind.EMPLOYMENT)
    post = current.filter(kind=AffiliationKind.POSITION)
    inside = _paths_q(prefixes)
    return Person.objects.filter(
        Exists(cell.filter(inside))
        | (~Exists(cell) & Exists(job.filter(inside)))
        | (~Exists(cell) & ~Exists(job) & Exists(post.filter(inside)))
    )


def may_admit(user, person: Person, unit: Unit | None = None) -> bool:
    """Record a membership: where the person works now, or — for someone new with no home
    yet — the unit they are being added to."""
    if user is None:
        return True
    if seat_of_change(person):
        return may_change_person(user, person)
    return unit is not None and may_change_unit(user, unit)


def may_start_affiliation(user, person: Person, unit: Unit) -> bool:
    return may_change_unit(user, unit)


def may_add_affiliation(user, person: Person) -> bool:
    """Start a post or a registration for ``person``: anyone linked to a subtree the user may
    change (the form then offers only the units the user may change)."""
    if user is None:
        return True
    return restrict(Person.objects.filter(pk=person.pk), user, Action.CHANGE).exists()


def may_end_affiliation(user, affiliation: Affiliation) -> bool:
    """Change on the affiliation's unit; ending a membership also needs the member's seat."""
    if not may_change_unit(user, affiliation.unit):
        return False
    if affiliation.kind == AffiliationKind.CELL:
        return may_change_person(user, affiliation.person)
    return True


def refuse(message: str | None = None):
    raise PermissionDenied(message or _("You may not change this person's records."))


def check(allowed: bool, message: str | None = None) -> None:
    """Refuse (PermissionDenied) unless ``allowed``."""
    if not allowed:
        refuse(message)
