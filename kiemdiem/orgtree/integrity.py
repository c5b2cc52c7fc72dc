"""Integrity checks of the tree. Used by ``manage.py check_orgtree`` and by tests."""

from __future__ import annotations

from collections import Counter

from kiemdiem.orgtree.models import SEGMENT_BASE, SEGMENT_LENGTH, Unit, UnitPlacement


def tree_problems() -> list[str]:
    """Every broken invariant of the tree, one sentence each (empty when the tree is sound)."""
    problems: list[str] = []
    units = {
        u.pk: u
        for u in Unit.objects.only(
            "pk", "code", "path", "depth", "parent_id", "children_seq", "valid_to", "valid_from"
        )
    }
    open_spans = Counter()
    for span in UnitPlacement.objects.filter(valid_to__isnull=True).only(
        "unit_id", "parent_id", "path", "depth"
    ):
        open_spans[span.unit_id] += 1
        unit = units.get(span.unit_id)
        if unit and (span.path, span.depth, span.parent_id) != (
            unit.path,
            unit.depth,
            unit.parent_id,
        ):
            problems.append(f"{unit.code}: open placement differs from the unit's current place")
    for unit in units.values():
        if len(unit.path) != unit.depth * SEGMENT_LENGTH:
            problems.append(
                f"{unit.code}: path length {len(unit.path)} does not match depth {unit.depth}"
            )
        parent = units.get(unit.parent_id) if unit.parent_id else None
        if unit.parent_id and parent is None:
            problems.append(f"{unit.code}: parent {unit.parent_id} is missing")
        if parent is not None:
            if unit.path[:-SEGMENT_LENGTH] != parent.path:
                problems.append(f"{unit.code}: path does not extend its parent's path")
            elif int(unit.path[-SEGMENT_LENGTH:], SEGMENT_BASE) >= parent.children_seq:
                problems.append(f"{unit.code}: path segment not reserved by its parent")
            if unit.valid_to is None and parent.valid_to is not None:
                problems.append(f"{unit.code}: active unit under dissolved {parent.code}")
        elif unit.parent_id is None and unit.depth != 1:
            problems.append(f"{unit.code}: root with depth {unit.depth}")
        expected_open = 0 if unit.valid_to else 1
        if open_spans[unit.pk] != expected_open:
            problems.append(
                f"{unit.code}: {open_spans[unit.pk]} open placements, expected {expected_open}"
            )
    # Spans of one unit must not overlap.
    last_end: dict[int, object] = {}
    for span in UnitPlacement.objects.order_by("unit_id", "valid_from").only(
        "unit_id", "valid_from", "valid_to"
    ):
        end = last_end.get(span.unit_id)
        if end is not None and span.valid_from < end:
            problems.append(f"{units[span.unit_id].code}: placements overlap at {span.valid_from}")
        last_end[span.unit_id] = span.valid_to or span.valid_from.max
    return problems
