"""Reads about people. Everything passes the permission door."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.common.vietnamese import fold_diacritics
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Affiliation, AffiliationKind, Person


def person_list(user, *, unit: Unit | None = None, q: str = "", action: str = "view") -> QuerySet:
    people = restrict(Person.objects.all(), user, action)
    if unit is not None:
        people = people.filter(
            pk__in=Affiliation.objects.current()
            .filter(unit__path__startswith=unit.path)
            .values("person_id")
        )
    for word in fold_diacritics(q).split():
        people = people.filter(search_text__contains=word)
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


def unit_roster(unit: Unit) -> dict[str, list[Affiliation]]:
    """Current people of a unit grouped by kind: members, posts, staff, residents."""
    roster: dict[str, list[Affiliation]] = {k: [] for k in AffiliationKind.values}
    posts_first = sorted(
        unit_affiliations(unit),
        key=lambda a: (a.kind != AffiliationKind.POSITION, {"head": 0, "deputy": 1}.get(a.role, 2)),
    )
    for affiliation in posts_first:
        roster[affiliation.kind].append(affiliation)
    return roster


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
