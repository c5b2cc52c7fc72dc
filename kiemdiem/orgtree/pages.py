"""What the apps above the tree add to a unit's page.

The unit page is orgtree's, but part of what it shows belongs to apps above the tree (the
unit's people are ``people``'s). Such an app adds a function here from its
``AppConfig.ready()``; the page calls each one with the reader and the unit and adds the
template variables it returns, so orgtree never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UnitPagePart = Callable[[Any, Any], dict[str, Any]]  # (user, unit) -> template variables

_parts: list[UnitPagePart] = []


def add_unit_page_part(part: UnitPagePart) -> UnitPagePart:
    if part not in _parts:  # ready() may run again (e.g. in tests); add each part once
        _parts.append(part)
    return part


def unit_page_parts(user, unit) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for part in _parts:
        context.update(part(user, unit))
    return context
