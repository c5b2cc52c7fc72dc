"""What the apps above the register do when an entry is recorded, registered in their
``AppConfig.ready()`` — the register imports none of them (layers, docs/architecture.md).

``entry_recorded``: callables ``fn(entry)`` run in the recording transaction after the entry
and its audit line are written. The decisions app registers the one that re-opens a rating
already decided for the entry's year (regulations.md §9: a violation found later re-opens it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

entry_recorded: list[Callable[[Any], None]] = []


def on_entry_recorded(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    if fn not in entry_recorded:
        entry_recorded.append(fn)
    return fn


def run_entry_recorded(entry) -> None:
    for fn in entry_recorded:
        fn(entry)
