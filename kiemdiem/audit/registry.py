"""The audit actions. Each app registers its own in ``AppConfig.ready()`` (its ``audit.py``).

An action has a code ("unit.moved"), a translatable label, and the fields its entries carry:
each field with a label and the way its value reads — coded values by their labels, ids of
other records by name through a *reference* the owning app registers ("unit", "review"), or a
renderer of the app's own (tiers, timetables). The audit app itself knows no other app's models.

A **masked** field never reaches the log: ``log_action`` and ``log_actions_bulk`` write
``MASKED`` in its place, at any depth of the entry's data, whatever the caller passes (a secret
ballot's choice). An **unregistered code** is refused by both writers, always: it is a
programming error, and an entry nobody can read is worse than none. A field an action did not
declare is refused only in strict mode (``KIEMDIEM_AUDIT_STRICT``, on in the tests), so a
missing label fails the tests but never a user's change in production (it shows under its raw
name there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from kiemdiem.audit.display import Context

MASKED = "***"  # what a masked field's value is written as


class UnknownAction(ValueError):
    """An audit action code that no app registered."""


def _ints(value: Any) -> Iterable[int]:
    """The ids in a value: an id, or a list of ids (e.g. a change [before, after])."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


@dataclass(frozen=True)
class Field:
    """One key of an action's data: its label and how its value reads."""

    label: Promise | str
    choices: Mapping[Any, Promise | str] | None = None  # coded values and their labels
    ref: str | None = None  # the value holds ids of records named by this reference
    ref_ids: Callable[[Any], Iterable[int]] = _ints  # where those ids are in the value
    render: Callable[[Any, Context], str] | None = None  # the app's own reading of a value
    many: bool = False  # a list of things, not a change [before, after]
    hidden: bool = False  # written for machines (a path, an id shown elsewhere), not shown
    masked: bool = False  # never written: see the module's docstring


@dataclass(frozen=True)
class Action:
    code: str
    label: Promise | str
    fields: Mapping[str, Field] = field(default_factory=dict)
    masked: frozenset[str] = field(init=False)

    def __post_init__(self):
        masked = frozenset(name for name, f in self.fields.items() if f.masked)
        object.__setattr__(self, "masked", masked)


ACTIONS: dict[str, Action] = {}
REFERENCES: dict[str, Callable[[set[int]], dict[int, str]]] = {}


def register(code: str, label: Promise | str, fields: Mapping[str, Field] | None = None) -> Action:
    """Register an action; registering the same action again is harmless, another is not."""
    action = Action(code, label, dict(fields or {}))
    known = ACTIONS.get(code)
    if known is not None and known != action:
        raise ValueError(f"Audit action {code!r} registered twice, differently")
    ACTIONS[code] = action
    return action


def register_reference(name: str, names: Callable[[set[int]], dict[int, str]]) -> None:
    """``names(ids)`` gives the display names of the records a ``ref=name`` field points to
    (one query for a page of entries)."""
    known = REFERENCES.get(name)
    if known is not None and known is not names:
        raise ValueError(f"Audit reference {name!r} registered twice")
    REFERENCES[name] = names


def action(code: str) -> Action:
    try:
        return ACTIONS[code]
    except KeyError:
        raise UnknownAction(f"Unregistered audit action {code!r}") from None


def action_label(code: str) -> str:
    known = ACTIONS.get(code)
    return str(known.label) if known is not None else code


def choices() -> list[tuple[str, str]]:
    """(code, label) of every action, by code: the audit page's filter."""
    return [(code, str(a.label)) for code, a in sorted(ACTIONS.items())]


def _mask(value: Any, masked: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: MASKED if k in masked else _mask(v, masked) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v, masked) for v in value]
    return value


def undeclared(action: Action, data: Mapping[str, Any]) -> set[str]:
    """Keys of ``data`` (and of its ``changes``) that ``action`` does not declare."""
    keys = set(data) - {"changes"}
    keys |= set(data.get("changes") or {})
    return keys - set(action.fields)


def prepare(action: Action, data: Mapping[str, Any] | None, *, strict: bool) -> dict[str, Any]:
    """The data as it is written: masked fields masked; in strict mode every key declared."""
    data = dict(data or {})
    if strict:
        unknown = undeclared(action, data)
        if unknown:
            raise ValueError(
                f"Audit action {action.code!r} does not declare the fields {sorted(unknown)}"
            )
    return _mask(data, action.masked) if action.masked else data
