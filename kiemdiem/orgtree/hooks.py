"""What the apps above the tree learn when it is restructured, without orgtree importing them.

orgtree sits below cycles, reports and insights: they import orgtree, orgtree imports none of
them. Whatever they keep by unit path (the subject summaries roll a unit's figures up into its
ancestors; the stored signals compare a unit with its parent's kind) must follow a unit that is
moved, so they register here from their ``AppConfig.ready()``:

* ``register_move_hook(hook)`` — ``orgtree.services.unit_move_unchecked`` (every move: the
  move service, and the sub-units moved by a merge or a split in ``people.restructure``) calls
  every hook with a ``UnitMoved`` once the subtree's paths are rewritten, **inside the move's
  transaction**: a hook that raises rolls the move back, and a hook's writes commit or roll
  back with the move. A hook that has slow work to do queues a job (``transaction.on_commit``)
  instead of doing it here.

Dissolving a unit changes no path (the unit stays where it stood, closed), so it calls none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class UnitMoved:
    """A unit moved with its subtree: every path that started with ``old_path`` now starts with
    ``new_path`` (the paths above both are unchanged)."""

    unit_id: int
    old_path: str
    new_path: str
    old_parent_id: int | None
    new_parent_id: int | None


MoveHook = Callable[[UnitMoved], None]

_move_hooks: list[MoveHook] = []


def register_move_hook(hook: MoveHook) -> None:
    if hook not in _move_hooks:  # ready() may run twice (tests, the autoreloader)
        _move_hooks.append(hook)


def unit_moved(event: UnitMoved) -> None:
    """Tell every registered hook that a unit moved (called by orgtree's move, in its
    transaction)."""
    for hook in _move_hooks:
        hook(event)
