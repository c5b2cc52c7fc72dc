"""Writing audit entries. Call inside the transaction of the change being recorded.

``log_action`` writes one entry; ``log_actions_bulk`` writes many at once for bulk loads (the
importer, the demo), exactly as ``log_action`` would write each. Both check the action against
the registry (``audit.registry``) and mask what it says is masked.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from kiemdiem.audit import registry
from kiemdiem.audit.context import current_request_id
from kiemdiem.audit.models import LogEntry
from kiemdiem.common import fastinsert


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The audited values of ``fields`` on ``instance``, JSON-friendly (FKs as ids)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        if isinstance(value, datetime.date | decimal.Decimal):
            value = str(value)
        values[name] = value
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [old, new]}."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def _strict() -> bool:
    return getattr(settings, "KIEMDIEM_AUDIT_STRICT", False)


def _check_in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit entries must be written inside the transaction of the change")


def log_action(
    action: str,
    *,
    actor,
    target: models.Model | None = None,
    unit=None,
    data: dict[str, Any] | None = None,
) -> LogEntry:
    spec = registry.action(action)  # an unregistered code is refused
    _check_in_transaction()
    return LogEntry.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:255] if target is not None else "",
        unit=unit,
        data=registry.prepare(spec, data, strict=_strict()),
        request_id=current_request_id(),
    )


class LogRow(NamedTuple):
    """One entry for ``log_actions_bulk``: what ``log_action`` takes, with the target reduced
    to its model, primary key and text (bulk writers hold ids, not always instances)."""

    action: str
    model: type[models.Model] | None
    object_id: Any
    object_repr: str
    unit_id: int | None
    data: dict[str, Any] | None


def log_row(
    action: str,
    target: models.Model,
    *,
    unit=None,
    data: dict[str, Any] | None = None,
    text: str | None = None,
) -> LogRow:
    """The row ``log_action(action, target=target, unit=unit, data=data)`` would write;
    ``text`` when the caller has ``str(target)`` already."""
    return LogRow(
        action,
        type(target),
        target.pk,
        str(target) if text is None else text,
        unit.pk if unit is not None else None,
        data,
    )


_LOG_COLUMNS = (
    "action",
    "created_at",
    "actor_id",
    "content_type_id",
    "object_id",
    "object_repr",
    "unit_id",
    "data",
    "request_id",
)


def log_actions_bulk(rows: Iterable[LogRow], *, actor) -> int:
    """Write many entries as ``log_action`` writes each — codes checked, masked fields masked,
    the actor and the request's id — at one moment, in one COPY (PostgreSQL) or executemany
    (SQLite). Returns how many were written."""
    _check_in_transaction()
    rows = list(rows)
    strict = _strict()
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    request_id = current_request_id()
    # Everything the rows need from the database is read before the COPY starts: no other
    # query may run on the connection while it is open.
    specs = {action: registry.action(action) for action in {row.action for row in rows}}
    types = {
        model: ContentType.objects.get_for_model(model).pk
        for model in {row.model for row in rows}
        if model is not None
    }

    def prepared():
        for action, model, object_id, text, unit_id, data in rows:
            spec = specs[action]
            if strict or spec.masked or not data:
                data = registry.prepare(spec, data, strict=strict)
            yield (
                action,
                now,
                actor_id,
                types[model] if model is not None else None,
                str(object_id) if model is not None else "",
                text[:255] if model is not None else "",
                unit_id,
                data,
                request_id,
            )

    fastinsert.insert_rows(LogEntry, _LOG_COLUMNS, prepared())
    return len(rows)
