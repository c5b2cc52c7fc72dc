"""Reads of the organization tree. Everything passes the permission door."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.common.dates import valid_on
from kiemdiem.common.vietnamese import fold_diacritics
from kiemdiem.orgtree.models import Unit, UnitPlacement, ancestor_paths


def unit_list(
    user, *, action: Action = Action.VIEW, q: str = "", kind: str = "", active: bool | None = True
) -> QuerySet:
    units = restrict(Unit.objects.all(), user, action)
    if active is not None:
        units = units.filter(valid_to__isnull=active)
    if kind:
        units = units.filter(kind=kind)
    for word in fold_diacritics(q).split():
        units = units.filter(search_text__contains=word)
    return units


def unit_get(user, pk: int, action: Action = Action.VIEW) -> Unit:
    return get_or_404(
        Unit.objects.select_related("parent", "managed_by", "successor"), user, action, pk=pk
    )


def children_of(user, unit: Unit) -> QuerySet:
    return (
        restrict(unit.children.filter(valid_to__isnull=True), user, Action.VIEW)
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
    visible = restrict(Unit.objects.all(), user, Action.VIEW).values("pk")
    return list(spans.filter(unit__in=visible).select_related("unit").order_by("path"))


def placement_history(unit: Unit) -> QuerySet:
    return unit.placements.select_related("parent").order_by("valid_from")
