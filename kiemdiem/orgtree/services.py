"""Writes to the organization tree. Every function is atomic and audited.

Tree invariants kept here (and checked by ``manage.py check_orgtree``):
  * a unit's path is its parent's path plus one 4-character segment, unique, never reused;
  * every active unit has exactly one open placement, equal to its current parent and path;
  * an active unit never sits under a dissolved one.

Each write checks ``orgtree.policies`` for its ``actor`` first and refuses with
``PermissionDenied`` (nothing changed). The ``…_unchecked`` steps behind them are for
``people.restructure`` alone: it checks the right to the whole merge, split or dissolution once
and then takes these steps as parts of that act.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from kiemdiem.audit.services import diff, log_action, snapshot
from kiemdiem.common.dates import check_change_date
from kiemdiem.common.vietnamese import fold_diacritics, nfc, text_sort_key
from kiemdiem.orgtree import hooks, policies
from kiemdiem.orgtree.models import SEGMENT_BASE, SEGMENT_LENGTH, Unit, UnitKind, UnitPlacement

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
AUDITED_FIELDS = [
    "code",
    "name",
    "short_name",
    "kind",
    "parent",
    "managed_by",
    "valid_from",
    "valid_to",
]


def encode_segment(number: int) -> str:
    if not 0 <= number < SEGMENT_BASE**SEGMENT_LENGTH:
        raise ValueError("segment number out of range")
    chars = []
    for _i in range(SEGMENT_LENGTH):
        number, rest = divmod(number, SEGMENT_BASE)
        chars.append(_DIGITS[rest])
    return "".join(reversed(chars))


def _next_child_path(parent: Unit | None) -> str:
    """Reserve the next free path under ``parent`` (locks the parent row)."""
    if parent is None:
        last = Unit.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
        number = int(last, SEGMENT_BASE) + 1 if last else 0
        return encode_segment(number)
    locked = Unit.objects.select_for_update().get(pk=parent.pk)
    number = locked.children_seq
    Unit.objects.filter(pk=parent.pk).update(children_seq=F("children_seq") + 1)
    parent.children_seq = number + 1
    return locked.path + encode_segment(number)


def _clean_texts(unit: Unit) -> None:
    unit.code = nfc(unit.code).upper()
    unit.name = nfc(unit.name)
    unit.short_name = nfc(unit.short_name)
    unit.name_sort_key = text_sort_key(unit.name)[:600]
    unit.search_text = f"{fold_diacritics(unit.name)} {unit.code.lower()}"[:400]


def _validate_parent(parent: Unit | None, field: str = "parent") -> None:
    if parent is not None and not parent.is_active:
        raise ValidationError({field: _("The parent unit has been dissolved.")})


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    valid_from: datetime.date,
    short_name: str = "",
    managed_by: Unit | None = None,
    actor,
) -> Unit:
    """Create a unit under ``parent`` (or a new root) effective from ``valid_from``. Needs
    ``change`` on the parent (on the whole tree for a root)."""
    policies.check(policies.may_add_under(actor, parent))
    return unit_create_unchecked(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        valid_from=valid_from,
        short_name=short_name,
        managed_by=managed_by,
        actor=actor,
    )


def unit_create_unchecked(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    valid_from: datetime.date,
    short_name: str = "",
    managed_by: Unit | None = None,
    actor,
) -> Unit:
    _validate_parent(parent)
    unit = Unit(
        code=code,
        name=name,
        short_name=short_name,
        kind=kind,
        parent=parent,
        managed_by=managed_by,
        valid_from=valid_from,
        path="0" * SEGMENT_LENGTH,  # placeholder until the real path is reserved below
    )
    _clean_texts(unit)
    unit.full_clean(exclude=["path"])
    if parent is not None and valid_from < parent.valid_from:
        raise ValidationError({"valid_from": _("A unit cannot start before its parent unit.")})
    unit.path = _next_child_path(parent)
    unit.depth = 1 if parent is None else parent.depth + 1
    unit.save()
    UnitPlacement.objects.create(
        unit=unit,
        parent=parent,
        path=unit.path,
        depth=unit.depth,
        name=unit.name,
        valid_from=valid_from,
    )
    log_action(
        "unit.created", actor=actor, target=unit, unit=unit, data=snapshot(unit, AUDITED_FIELDS)
    )
    return unit


@transaction.atomic
def unit_update(
    *,
    unit: Unit,
    name: str,
    short_name: str = "",
    kind: str,
    managed_by: Unit | None,
    code: str | None = None,
    actor,
) -> Unit:
    """Change a unit's names, kind, code or rating authority (not its place: see unit_move).
    Needs ``change`` on the unit."""
    policies.check(policies.may_change_unit(actor, unit))
    return unit_update_unchecked(
        unit=unit,
        name=name,
        short_name=short_name,
        kind=kind,
        managed_by=managed_by,
        code=code,
        actor=actor,
    )


def unit_update_unchecked(
    *,
    unit: Unit,
    name: str,
    short_name: str = "",
    kind: str,
    managed_by: Unit | None,
    code: str | None = None,
    actor,
) -> Unit:
    before = snapshot(unit, AUDITED_FIELDS)
    unit.name, unit.short_name, unit.kind, unit.managed_by = name, short_name, kind, managed_by
    if code is not None:
        unit.code = code
    _clean_texts(unit)
    if managed_by is not None and managed_by.pk == unit.pk:
        raise ValidationError({"managed_by": _("A unit cannot rate itself.")})
    unit.full_clean()
    unit.save()
    # A renamed unit keeps its old name in history; the open placement carries the new one.
    UnitPlacement.objects.filter(unit=unit, valid_to__isnull=True).update(name=unit.name)
    changes = diff(before, snapshot(unit, AUDITED_FIELDS))
    if changes:
        log_action("unit.updated", actor=actor, target=unit, unit=unit, data={"changes": changes})
    return unit


def _open_placement(unit: Unit) -> UnitPlacement:
    return UnitPlacement.objects.select_for_update().get(unit=unit, valid_to__isnull=True)


def _rewrite_subtree_history(root: Unit, old_prefix: str, day: datetime.date) -> None:
    """Close the open placements of a moved subtree on ``day`` and open new ones."""
    open_spans = list(
        UnitPlacement.objects.filter(valid_to__isnull=True, path__startswith=old_prefix)
        .select_related("unit")
        .order_by("path")
    )
    same_day = [p.pk for p in open_spans if p.valid_from >= day]
    # A span that would start and end on the same day is replaced rather than closed.
    UnitPlacement.objects.filter(pk__in=same_day).delete()
    UnitPlacement.objects.filter(pk__in=[p.pk for p in open_spans if p.pk not in same_day]).update(
        valid_to=day
    )
    UnitPlacement.objects.bulk_create(
        UnitPlacement(
            unit=p.unit,
            parent=p.unit.parent,
            path=p.unit.path,
            depth=p.unit.depth,
            name=p.unit.name,
            # a sub-unit created after the effective date starts where it started
            valid_from=max(day, p.valid_from),
        )
        for p in open_spans
    )


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit | None, effective: datetime.date, actor) -> Unit:
    """Move a unit and its whole subtree under ``new_parent`` from ``effective`` on. Needs
    ``change`` on the unit and on the new parent (on the whole tree to make it a root)."""
    policies.check(policies.may_move(actor, unit, new_parent))
    return unit_move_unchecked(unit=unit, new_parent=new_parent, effective=effective, actor=actor)


@transaction.atomic
def unit_move_unchecked(
    *, unit: Unit, new_parent: Unit | None, effective: datetime.date, actor
) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not unit.is_active:
        raise ValidationError({"unit": _("A dissolved unit cannot be moved.")})
    _validate_parent(new_parent, "new_parent")
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValidationError(
            {"new_parent": _("A unit cannot be moved under itself or one of its sub-units.")}
        )
    if (new_parent.pk if new_parent else None) == unit.parent_id:
        raise ValidationError({"new_parent": _("The unit is already under this parent.")})
    placement = _open_placement(unit)
    check_change_date(effective, not_before=placement.valid_from, field="effective")

    old_parent_id, old_prefix, old_depth = unit.parent_id, unit.path, unit.depth
    new_prefix = _next_child_path(new_parent)
    depth_change = (1 if new_parent is None else new_parent.depth + 1) - old_depth
    Unit.objects.filter(path__startswith=old_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1)),
        depth=F("depth") + depth_change,
    )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    _rewrite_subtree_history(unit, old_prefix, effective)
    # What the apps above keep by path follows the subtree, in this transaction (orgtree.hooks).
    hooks.unit_moved(
        hooks.UnitMoved(
            unit_id=unit.pk,
            old_path=old_prefix,
            new_path=unit.path,
            old_parent_id=old_parent_id,
            new_parent_id=unit.parent_id,
        )
    )
    log_action(
        "unit.moved",
        actor=actor,
        target=unit,
        unit=unit,
        data={
            "parent": [old_parent_id, new_parent.pk if new_parent else None],
            "path": [old_prefix, unit.path],
            "effective": effective,
        },
    )
    return unit


@transaction.atomic
def unit_dissolve(
    *, unit: Unit, effective: datetime.date, successor: Unit | None = None, actor
) -> Unit:
    """Close a unit from ``effective`` on. It must have no active sub-units left.

    People's affiliations are closed by ``people.restructure`` before this is called. Needs
    ``change`` on the unit.
    """
    policies.check(policies.may_change_unit(actor, unit))
    return unit_dissolve_unchecked(unit=unit, effective=effective, successor=successor, actor=actor)


def unit_dissolve_unchecked(
    *, unit: Unit, effective: datetime.date, successor: Unit | None = None, actor
) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if not unit.is_active:
        raise ValidationError({"unit": _("This unit has already been dissolved.")})
    if unit.children.filter(valid_to__isnull=True).exists():
        raise ValidationError(
            {"unit": _("Move or dissolve its sub-units before dissolving this unit.")}
        )
    placement = _open_placement(unit)
    earlier = unit.placements.filter(valid_to=effective).exists()
    if effective == placement.valid_from and earlier:
        # Moved (with its parent) and dissolved on the same day: it never stood at the new
        # place, so the history ends with the placement that closed that day.
        placement.delete()
    else:
        check_change_date(effective, not_before=placement.valid_from, field="effective")
        if effective <= placement.valid_from:
            raise ValidationError(
                {"effective": _("A unit must exist for at least one day before it is dissolved.")}
            )
        placement.valid_to = effective
        placement.save(update_fields=["valid_to"])
    unit.valid_to = effective
    unit.successor = successor
    unit.save(update_fields=["valid_to", "successor"])
    log_action(
        "unit.dissolved",
        actor=actor,
        target=unit,
        unit=unit,
        data={"effective": effective, "successor": successor.pk if successor else None},
    )
    return unit


def unit_kind_label(kind: str) -> str:
    return str(UnitKind(kind).label)
