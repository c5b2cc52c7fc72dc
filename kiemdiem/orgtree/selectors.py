"""Reads of the organization tree. Everything passes the permission door."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet

from kiemdiem.accounts.permissions import ALL, restrict, scope_prefixes
from kiemdiem.common.dates import valid_on
from kiemdiem.common.vietnamese import fold_diacritics
from kiemdiem.orgtree.models import Unit, UnitPlacement, ancestor_paths


def unit_list(
    user, *, action: str = "view", q: str = "", kind: str = "", active: bool | None = True
) -> QuerySet:
    units = restrict(Unit.objects.all(), user, action)
    if active is not None:
        units = units.filter(valid_to__isnull=active)
    if kind:
        units = units.filter(kind=kind)
    for word in fold_diacritics(q).split():
        units = units.filter(search_text__contains=word)
    return units


def unit_get(user, pk: int, action: str = "view") -> Unit:
    from kiemdiem.accounts.permissions import get_or_404

    return get_or_404(
        Unit.objects.select_related("parent", "managed_by", "successor"), user, action, pk=pk
    )


def top_units(user) -> QuerySet:
    """The highest units the user can see: the roots of their visible forest."""
    prefixes = scope_prefixes(user, "view")
    units = Unit.objects.filter(valid_to__isnull=True)
    if prefixes == ALL:
        return units.filter(parent__isnull=True).order_by("name_sort_key")
    if prefixes:
        return units.filter(path__in=prefixes).order_by("name_sort_key")
    # A member: the units they belong to.
    return restrict(units, user, "view").order_by("name_sort_key")


def children_of(user, unit: Unit) -> QuerySet:
    return (
        restrict(unit.children.filter(valid_to__isnull=True), user, "view")
        .annotate(active_children=Count("children", filter=Q(children__valid_to__isnull=True)))
        .order_by("name_sort_key")
    )


def breadcrumbs(unit: Unit) -> list[Unit]:
    return list(Unit.objects.filter(path__in=ancestor_paths(unit.path)).order_by("path"))


def subtree_as_of(user, unit: Unit, day: datetime.date) -> list[UnitPlacement]:
    """The subtree under ``unit`` as it stood on ``day`` (from the placement history)."""
    root = UnitPlacement.objects.filter(valid_on(day), unit=unit).first()
    if root is None:
        return []
    spans = UnitPlacement.objects.filter(valid_on(day), path__startswith=root.path)
    visible = restrict(Unit.objects.all(), user, "view").values("pk")
    return list(spans.filter(unit__in=visible).select_related("unit").order_by("path"))


def placement_history(unit: Unit) -> QuerySet:
    return unit.placements.select_related("parent").order_by("valid_from")
