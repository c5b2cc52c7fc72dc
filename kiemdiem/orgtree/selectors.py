"""Reads of the organization tree. Everything passes the permission door."""

from __future__ import annotations

import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from kiemdiem.accounts.permissions import ALL, restrict, scope_prefixes
from kiemdiem.common.dates import valid_on
from kiemdiem.common.db import search_words
from kiemdiem.orgtree.models import Unit, UnitPlacement, ancestor_paths


def unit_list(
    user,
    *,
    action: str = "view",
    q: str = "",
    kind: str = "",
    active: bool | None = True,
    parent: int | None = None,
    subtree_of: int | None = None,
    as_of: datetime.date | None = None,
) -> QuerySet:
    """Units ``user`` may see, in tree order: the tree's search, the start page's counts and
    the API's list. ``active`` None: dissolved units too. ``parent`` and ``subtree_of`` are
    unit ids; a ``subtree_of`` the user cannot see gives nothing.

    With ``as_of``, the tree as it stood on that day: only units that existed then, each
    annotated with its place then (``tree_path``, ``tree_parent``, ``tree_depth``,
    ``tree_name``), which ``parent`` and ``subtree_of`` follow."""
    units = restrict(Unit.objects.all(), user, action)
    path, parent_field = ("tree_path", "tree_parent") if as_of else ("path", "parent_id")
    if as_of:
        units = _as_of(units, as_of)
    if parent is not None:
        units = units.filter(**{parent_field: parent})
    if kind:
        units = units.filter(kind=kind)
    if active is not None:
        units = units.filter(valid_to__isnull=active)
    units = search_words(units, q)
    if subtree_of is not None:
        root = restrict(Unit.objects.all(), user, "view").filter(pk=subtree_of)
        if as_of:
            root = UnitPlacement.objects.filter(valid_on(as_of), unit__in=root)
        root_path = root.values_list("path", flat=True).first()
        if root_path is None:
            units = units.none()
        else:
            units = units.filter(**{f"{path}__startswith": root_path})
    return units.order_by(path, "pk")


def _as_of(units: QuerySet, day: datetime.date) -> QuerySet:
    """Units that existed on ``day``, annotated with their place in the tree on that day."""
    span = UnitPlacement.objects.filter(valid_on(day), unit=OuterRef("pk")).order_by("-valid_from")
    return units.annotate(
        tree_path=Subquery(span.values("path")[:1]),
        tree_parent=Subquery(span.values("parent_id")[:1]),
        tree_depth=Subquery(span.values("depth")[:1]),
        tree_name=Subquery(span.values("name")[:1]),
    ).filter(tree_path__isnull=False)


def unit_visible(user, pk: int) -> Unit | None:
    """The unit if ``user`` may see it, else None: for a filter, where a unit out of sight
    filters to nothing (the API's lists) instead of answering 404."""
    return restrict(Unit.objects.all(), user, "view").filter(pk=pk).first()


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
    """The active sub-units ``user`` may see, by name: the unit page and the API's
    ``/units/<id>/children/``."""
    return (
        restrict(unit.children.filter(valid_to__isnull=True), user, "view")
        .annotate(active_children=Count("children", filter=Q(children__valid_to__isnull=True)))
        .order_by("name_sort_key", "pk")
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
