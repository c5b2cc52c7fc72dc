"""Writing audit entries. Call inside the transaction of the change being recorded."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from kiemdiem.audit.context import current_request_id
from kiemdiem.audit.models import LogEntry
from kiemdiem.audit.registry import ACTIONS


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


def log_action(
    action: str,
    *,
    actor,
    target: models.Model | None = None,
    unit=None,
    data: dict[str, Any] | None = None,
) -> LogEntry:
    if action not in ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("log_action must run inside the transaction of the change")
    return LogEntry.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        content_type=ContentType.objects.get_for_model(target) if target is not None else None,
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:255] if target is not None else "",
        unit=unit,
        data=data or {},
        request_id=current_request_id(),
    )
