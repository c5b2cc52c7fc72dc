"""Turn audit entries' JSON details into lines a person can read, in the reader's language.

What each key means comes from the action's registration (``audit.registry``): its label,
coded values by their labels, ids by the names a reference gives (one query per reference for
a page of entries), or the owning app's renderer; dates as dd/mm/yyyy; lists and nested details
as plain text — never a Python or JSON representation. This module imports no other app.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kiemdiem.audit import registry
from kiemdiem.audit.registry import Action, Field

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}.*)?$")
_PLAIN = Field("")  # a key the action did not declare
_UNREGISTERED = Action("", "")  # an entry of a code no app registers (any more)


class Context:
    """What the values of a page of entries refer to, read once for the page; renderers get it
    to name records (``name``) and to read plain values (``text``)."""

    def __init__(self, names: dict[str, dict[int, str]]):
        self.names = names
        self.language = "en" if (get_language() or "vi").startswith("en") else "vi"
        self.action = _UNREGISTERED

    def name(self, ref: str, pk: Any, fallback: str | None = None) -> str:
        """The name of record ``pk`` of reference ``ref``; ``#pk`` (or ``fallback``) if gone."""
        found = self.names.get(ref, {}).get(pk)
        if found is not None:
            return found
        return fallback if fallback else f"#{pk}"

    def field(self, key: str) -> Field:
        return self.action.fields.get(key, _PLAIN)

    def label(self, key: str) -> str:
        declared = self.action.fields.get(key)
        return str(declared.label) if declared is not None else capfirst(key.replace("_", " "))

    def text(self, value: Any, key: str = "") -> str:
        """A value as text: through ``key``'s declaration if given, else as a plain value."""
        return _value(self.field(key) if key else _PLAIN, value, self)


def _date(text: str) -> str:
    if _ISO_DATE.match(text):
        return datetime.date.fromisoformat(text).strftime("%d/%m/%Y")
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.strftime("%d/%m/%Y %H:%M")


def _value(f: Field, value: Any, ctx: Context) -> str:
    if f.masked:
        return str(_("(not recorded)"))
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if f.render is not None:
        return f.render(value, ctx)
    if f.ref is not None and isinstance(value, int) and not isinstance(value, bool):
        return ctx.name(f.ref, value)
    choices = f.choices or {}
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return _date(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(_value(f, v, ctx) for v in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{ctx.label(k)}: {_value(ctx.field(k), v, ctx)}" for k, v in value.items()
        )
    return str(value)


def _pairs(data: dict) -> list[tuple[str, Any]]:
    return list((data.get("changes") or {}).items()) + list(data.items())


def _names(entries) -> dict[str, dict[int, str]]:
    """The names of every record the entries point to, one query per reference."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        spec = registry.ACTIONS.get(entry.action, _UNREGISTERED)
        for key, value in _pairs(entry.data or {}):
            f = spec.fields.get(key)
            if f is not None and f.ref is not None and not f.masked:
                wanted.setdefault(f.ref, set()).update(f.ref_ids(value))
    return {
        ref: registry.REFERENCES[ref](ids) if ids and ref in registry.REFERENCES else {}
        for ref, ids in wanted.items()
    }


def describe(entries) -> list:
    """Attach ``details``: a list of (label, text) lines, to each entry (one query per kind of
    record named)."""
    entries = list(entries)
    ctx = Context(_names(entries))
    for entry in entries:
        data = entry.data or {}
        ctx.action = registry.ACTIONS.get(entry.action, _UNREGISTERED)
        lines = []
        for key, change in (data.get("changes") or {}).items():
            f = ctx.field(key)
            if isinstance(change, list) and len(change) == 2 and not f.masked:
                text = f"{_value(f, change[0], ctx)} → {_value(f, change[1], ctx)}"
            else:
                text = _value(f, change, ctx)
            lines.append((ctx.label(key), text))
        for key, value in data.items():
            f = ctx.field(key)
            if f.hidden or key == "changes":
                continue
            if isinstance(value, list) and len(value) == 2 and not f.many and not f.masked:
                text = f"{_value(f, value[0], ctx)} → {_value(f, value[1], ctx)}"
            else:
                text = _value(f, value, ctx)
            lines.append((ctx.label(key), text))
        entry.details = lines
    return entries
