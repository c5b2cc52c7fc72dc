"""Reads about people. Everything passes the permission door."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.common.db import search_words
from kiemdiem.orgtree.models import Unit
from kiemdiem.people import policies
from kiemdiem.people.models import Affiliation, AffiliationKind, Person


def person_list(user, *, unit: Unit | None = None, q: str = "", action: str = "view") -> QuerySet:
    people = restrict(Person.objects.all(), user, action)
    if unit is not None:
        people = people.filter(
            pk__in=Affiliation.objects.current()
            .filter(unit__path__startswith=unit.path)
            .values("person_id")
        )
    people = search_words(people, q)
    people = policies.with_personal(people, user)  # ``personal``: may birth dates show?
    return people.select_related("membership").order_by("sort_key", "pk")


def person_get(user, pk: int, action: str = "view") -> Person:
    person = get_or_404(Person.objects.select_related("membership"), user, action, pk=pk)
    return person


def person_affiliations(person: Person) -> QuerySet:
    return person.affiliations.select_related("unit").order_by("-valid_to", "kind", "valid_from")


def unit_affiliations(unit: Unit, *, kinds: list[str] | None = None) -> QuerySet:
    """Current affiliations in one unit, people in Vietnamese order."""
    rows = Affiliation.objects.current().filter(unit=unit)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return rows.select_related("person", "person__membership").order_by(
        "person__sort_key", "person_id"
    )


def unit_members(user, unit: Unit, *, kind: str = "") -> QuerySet:
    """Who is in ``unit`` now, as ``user`` may see them: the unit page and the API's
    ``/units/<id>/members/`` both read this. Anyone who may see the unit sees the names and
    posts; each row's ``personal`` says whether the person's personal fields may be shown
    (``people.policies``: a grant covering one of the person's homes, or their own record).
    The caller has already checked that ``user`` may see ``unit``.
    """
    rows = unit_affiliations(unit, kinds=[kind] if kind else None).select_related("unit")
    return policies.with_personal(rows, user, "person_id").order_by(
        "person__sort_key", "person_id", "pk"
    )


def unit_roster(user, unit: Unit) -> dict[str, list[Affiliation]]:
    """Current people of a unit grouped by kind: members, posts, staff, residents."""
    roster: dict[str, list[Affiliation]] = {k: [] for k in AffiliationKind.values}
    posts_first = sorted(
        unit_members(user, unit),
        key=lambda a: (a.kind != AffiliationKind.POSITION, {"head": 0, "deputy": 1}.get(a.role, 2)),
    )
    for affiliation in posts_first:
        roster[affiliation.kind].append(affiliation)
    return roster


def unit_page_people(user, unit: Unit) -> dict[str, dict[str, list[Affiliation]]]:
    """The unit page's roster: added to orgtree's unit page by ``PeopleConfig.ready``."""
    return {"roster": unit_roster(user, unit)}


def prefetch_current_cells():
    return Prefetch(
        "affiliations",
        queryset=Affiliation.objects.current()
        .filter(kind=AffiliationKind.CELL)
        .select_related("unit"),
        to_attr="current_cells",
    )


def unit_split_people(unit: Unit) -> QuerySet:
    """People whose membership or employment must go to one of the units a split makes."""
    ids = (
        Affiliation.objects.current()
        .filter(unit=unit)
        .exclude(kind=AffiliationKind.POSITION)
        .values("person_id")
    )
    return Person.objects.filter(pk__in=ids).order_by("sort_key", "pk")


def people_count(user) -> int:
    """How many people ``person_list`` shows ``user`` (the start page's count)."""
    return restrict(Person.objects.all(), user, "view").count()


def member_count(user) -> int:
    """Party members active in the cells ``user`` can open: the sum of those cells' rosters
    (``unit_members``), so the start page and the cell pages agree. Members registered in a
    cell only as residents are counted in their own cell, not again here."""
    cells = restrict(Unit.objects.filter(valid_to__isnull=True), user, "view")
    return (
        Affiliation.objects.current()
        .filter(kind=AffiliationKind.CELL, unit__in=cells.values("pk"))
        .count()
    )
