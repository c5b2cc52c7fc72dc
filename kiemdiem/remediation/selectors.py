"""Reads for remediation's pages and API: remedy items and the consolidation list, through
the door (``restrict``)."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.common.dates import today
from kiemdiem.remediation.models import Consolidation, ConsolidationAction
from kiemdiem.reviews.models import Shortcoming, ShortcomingStatus

DONE = (ShortcomingStatus.REMEDIED,)


def remedy_items(
    user,
    unit,
    *,
    status: str = "",
    source: str = "",
    year: int | None = None,
    overdue: bool = False,
    on: datetime.date | None = None,
) -> QuerySet:
    """The shortcomings of the people and collectives of ``unit``'s subtree — each once, as
    found (a row carried into a later review is that review's report on it, not an item) —
    with the year of the cycle they belong to (``year``), the latest recorded first."""
    rows = restrict(Shortcoming.objects.all(), user, Action.VIEW).filter(
        unit__path__startswith=unit.path, carried_from__isnull=True
    )
    rows = rows.annotate(
        year=Coalesce(
            "source_review__subject__cycle__year",
            "source_subject__cycle__year",
            "reported_in__subject__cycle__year",
        )
    )
    if status:
        rows = rows.filter(status=status)
    if source:
        rows = rows.filter(source=source)
    if year:
        rows = rows.filter(year=year)
    if overdue:
        rows = rows.filter(overdue_q(on))
    # Newest first by id: the order the primary key gives without computing every row's year.
    return rows.select_related("person", "owner", "unit").order_by("-pk")


def overdue_q(on: datetime.date | None = None) -> Q:
    return Q(due_date__lt=on or today()) & ~Q(status__in=DONE)


def is_overdue(row: Shortcoming, on: datetime.date | None = None) -> bool:
    return bool(row.due_date and row.due_date < (on or today()) and row.status not in DONE)


def remedy_item_get(user, pk: int, action: Action = Action.VIEW) -> Shortcoming:
    return get_or_404(
        Shortcoming.objects.select_related(
            "person",
            "owner",
            "unit",
            "source_review__subject__cycle",
            "source_subject__cycle",
            "reported_in__subject__cycle",
        ),
        user,
        action,
        pk=pk,
        carried_from__isnull=True,
    )


def consolidations(user, unit, cycle=None) -> QuerySet:
    rows = restrict(Consolidation.objects.all(), user, Action.VIEW).filter(
        unit__path__startswith=unit.path
    )
    if cycle is not None:
        rows = rows.filter(cycle=cycle)
    return rows.select_related("unit", "cycle", "subject").prefetch_related("actions__owner")


def consolidation_get(user, pk: int) -> Consolidation:
    return get_or_404(
        Consolidation.objects.select_related("unit", "cycle"), user, Action.VIEW, pk=pk
    )


def action_get(user, pk: int) -> ConsolidationAction:
    return get_or_404(
        ConsolidationAction.objects.select_related(
            "consolidation__unit", "consolidation__cycle", "owner"
        ),
        user,
        Action.VIEW,
        pk=pk,
    )
