"""What each user has to do next: a registry of to-do providers the apps fill.

The start page (``web.views.home``) and ``GET /api/insights/todos/`` lead with the user's
to-dos and their deadlines. No app knows all of them: a member's self-review is the reviews
app's, the decider's queue is decisions', a report to send upward will be the reports app's,
an opinion asked of a cell the opinions app's. Each app registers its providers here from its
``AppConfig.ready()``::

    from kiemdiem.common import todos
    todos.register("decisions.queue", decisions_todos.queue, order=10)

A provider is ``provider(user) -> list[Todo]``: what *this* user has to do, read through the
door and the app's policy, with **bounded queries** (a provider runs on every start page: it
reads the user's own records, or the first few of a list and links to the list — it never
counts a whole subtree live; counts of a scope come from the summary rows).

``common`` is the lowest layer, so every app may register and the page that shows the list
imports no app for it. The registry holds functions only; it never touches the database.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Todo:
    """One thing to do: what (``title``), more words (``detail``), until when (``due``), where
    to do it (``url``, with the button's ``action`` label) and the few names behind it
    (``items``: e.g. the members who have not started). ``pinned`` puts it above the dated
    ones (the signals page for a province's organization board)."""

    code: str  # the provider's code, e.g. "reviews.self_review"
    title: str
    url: str = ""
    action: str = ""
    detail: str = ""
    due: datetime.date | None = None
    items: tuple[str, ...] = ()
    more: int = 0  # how many more items than ``items`` names
    pinned: bool = False
    extra: dict = field(default_factory=dict, compare=False)

    def overdue_on(self, day: datetime.date) -> bool:
        return self.due is not None and self.due < day


Provider = Callable[[object], list[Todo]]


@dataclass(frozen=True)
class _Entry:
    code: str
    provider: Provider
    order: int


_providers: dict[str, _Entry] = {}


def register(code: str, provider: Provider, *, order: int = 100) -> None:
    """Add (or, on a second ``ready()``, keep) the provider named ``code``. ``order`` breaks
    ties between to-dos with the same deadline (lower first)."""
    known = _providers.get(code)
    if known is not None and known.provider is not provider:
        if getattr(known.provider, "__qualname__", None) != getattr(provider, "__qualname__", ""):
            raise ValueError(f"To-do provider {code!r} registered twice")
    _providers[code] = _Entry(code, provider, order)


def unregister(code: str) -> None:
    """Remove a provider (tests)."""
    _providers.pop(code, None)


def providers() -> list[str]:
    return sorted(_providers, key=lambda c: (_providers[c].order, c))


def todos_for(user, *, strict: bool = False) -> list[Todo]:
    """Every provider's to-dos for ``user``: pinned first, then by deadline (none last), then
    by the provider's order. A provider that fails is left out and logged (the start page
    must open), unless ``strict`` (tests)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    out: list[tuple[int, Todo]] = []
    for code in providers():
        entry = _providers[code]
        try:
            found = entry.provider(user) or []
        except Exception:
            if strict:
                raise
            log.exception("to-do provider %s failed", code)
            continue
        out.extend((entry.order, todo) for todo in found)
    far = datetime.date.max
    out.sort(key=lambda pair: (not pair[1].pinned, pair[1].due or far, pair[0]))
    return [todo for _order, todo in out]
