"""Restructuring that moves people as well as units: merge, split, dissolve.

These sit above ``orgtree.services`` (the tree alone) and ``people.services`` (people alone)
because a reorganization changes both in one transaction: the 2025 reform merged provinces and
communes, moved their cells and members, and dissolved the district level. They live in
``people``, the app above the tree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.orgtree import services as tree
from kiemdiem.orgtree.models import Unit, UnitGroup
from kiemdiem.people.models import Affiliation, AffiliationKind, CadreAuthority


def _carry(affiliation: Affiliation, target: Unit, effective: datetime.date, source: Unit) -> None:
    """End ``affiliation`` on ``effective`` and continue it in ``target`` from that day."""
    if affiliation.valid_from >= effective:
        raise ValidationError(
            {
                "effective": _("%(person)s joined %(unit)s on or after the effective date.")
                % {"person": affiliation.person, "unit": source}
            }
        )
    affiliation.valid_to = effective
    affiliation.save(update_fields=["valid_to"])
    Affiliation.objects.create(
        person_id=affiliation.person_id,
        unit=target,
        kind=affiliation.kind,
        title=affiliation.title,
        concurrent=affiliation.concurrent,
        state_category=affiliation.state_category,
        residence_exemption=affiliation.residence_exemption,
        valid_from=effective,
        note=_("Carried over from %(unit)s") % {"unit": source.name},
    )


def _end_posts(unit: Unit, effective: datetime.date) -> None:
    """Posts end with their unit: a new unit's leaders are appointed anew."""
    posts = Affiliation.objects.current().filter(unit=unit, kind=AffiliationKind.POSITION)
    if posts.filter(valid_from__gte=effective).exists():
        raise ValidationError(
            {
                "effective": _("A post in %(unit)s starts on or after the effective date.")
                % {"unit": unit}
            }
        )
    posts.update(valid_to=effective)


def _carry_affiliations(source: Unit, target: Unit, effective: datetime.date) -> int:
    """Continue every current membership, residence and employment of ``source`` in ``target``."""
    rows = Affiliation.objects.current().filter(unit=source).exclude(kind=AffiliationKind.POSITION)
    moved = 0
    for affiliation in rows.select_related("person"):
        _carry(affiliation, target, effective, source)
        moved += 1
    _end_posts(source, effective)
    return moved


def _repoint_references(
    source: Unit, successor: Unit | None, effective: datetime.date, actor
) -> None:
    """Who was rated or managed by ``source`` is now rated or managed by its successor.

    Without a successor (a plain dissolution or a split) nothing may still point at the unit.
    """
    managed_units = Unit.objects.filter(managed_by=source, valid_to__isnull=True)
    authorities = CadreAuthority.objects.filter(authority=source, valid_to__isnull=True)
    if successor is None:
        if managed_units.exists() or authorities.exists():
            raise ValidationError(
                {
                    "unit": _(
                        "Other units or cadres are still rated or managed by %(unit)s; "
                        "assign them to another collective first."
                    )
                    % {"unit": source}
                }
            )
        return
    for unit in managed_units:
        tree.unit_update(
            unit=unit,
            name=unit.name,
            short_name=unit.short_name,
            kind=unit.kind,
            managed_by=successor,
            actor=actor,
        )
    for authority in authorities.select_related("person"):
        if authority.valid_from >= effective:
            authority.authority = successor
            authority.save(update_fields=["authority"])
        else:
            authority.valid_to = effective
            authority.save(update_fields=["valid_to"])
            CadreAuthority.objects.create(
                person=authority.person,
                authority=successor,
                valid_from=effective,
                note=authority.note,
            )


def _check_compatible(source: Unit, target: Unit) -> None:
    """Members can only go to a party cell, staff only to a state agency or unit."""
    current = Affiliation.objects.current().filter(unit=source)
    members = current.filter(kind__in=[AffiliationKind.CELL, AffiliationKind.RESIDENCE])
    if members.exists() and not target.is_cell:
        raise ValidationError(
            {
                "target": _("%(unit)s has party members; it can only merge into a party cell.")
                % {"unit": source}
            }
        )
    staff = current.filter(kind=AffiliationKind.EMPLOYMENT)
    if staff.exists() and target.group != UnitGroup.STATE:
        raise ValidationError(
            {
                "target": _(
                    "%(unit)s has state staff; it can only merge into a state agency or unit."
                )
                % {"unit": source}
            }
        )


@transaction.atomic
def units_merge(*, sources: list[Unit], target: Unit, effective: datetime.date, actor) -> Unit:
    """Merge ``sources`` into ``target``: their sub-units and people move, then they close."""
    if not sources:
        raise ValidationError({"sources": _("Choose at least one unit to merge.")})
    if not target.is_active:
        raise ValidationError({"target": _("The target unit has been dissolved.")})
    for source in sources:
        if source.pk == target.pk:
            raise ValidationError({"sources": _("A unit cannot be merged into itself.")})
        if target.path.startswith(source.path):
            raise ValidationError(
                {
                    "target": _("%(unit)s cannot be merged into one of its own sub-units.")
                    % {"unit": source}
                }
            )
        _check_compatible(source, target)
    summary = []
    for source in sorted(sources, key=lambda u: u.path):
        source.refresh_from_db()
        for child in source.children.filter(valid_to__isnull=True).order_by("path"):
            tree.unit_move(unit=child, new_parent=target, effective=effective, actor=actor)
        people = _carry_affiliations(source, target, effective)
        _repoint_references(source, target, effective, actor)
        tree.unit_dissolve(unit=source, effective=effective, successor=target, actor=actor)
        summary.append({"unit": source.pk, "code": source.code, "people": people})
    log_action(
        "unit.merged",
        actor=actor,
        target=target,
        unit=target,
        data={"sources": summary, "effective": effective},
    )
    return target


@dataclass
class SplitPart:
    """One new unit made from a split: its identity and what it takes from the old unit."""

    code: str
    name: str
    kind: str
    children: list[Unit] = field(default_factory=list)
    people_ids: list[int] = field(default_factory=list)


@transaction.atomic
def unit_split(
    *, source: Unit, parts: list[SplitPart], effective: datetime.date, actor
) -> list[Unit]:
    """Split ``source`` into new units under the same parent, then dissolve it.

    Every active sub-unit and every current member must be given to exactly one part, so
    nothing is left behind in a dissolved unit.
    """
    if len(parts) < 2:
        raise ValidationError({"parts": _("A split makes at least two units.")})
    children = {u.pk for u in source.children.filter(valid_to__isnull=True)}
    given_children = [u.pk for part in parts for u in part.children]
    if sorted(given_children) != sorted(children):
        raise ValidationError({"parts": _("Give every sub-unit to exactly one new unit.")})
    current = (
        Affiliation.objects.current().filter(unit=source).exclude(kind=AffiliationKind.POSITION)
    )
    people = set(current.values_list("person_id", flat=True))
    given_people = [pid for part in parts for pid in part.people_ids]
    if sorted(given_people) != sorted(people):
        raise ValidationError({"parts": _("Give every member to exactly one new unit.")})

    new_units = []
    for part in parts:
        unit = tree.unit_create(
            code=part.code,
            name=part.name,
            kind=part.kind,
            parent=source.parent,
            valid_from=effective,
            managed_by=source.managed_by,
            actor=actor,
        )
        for child in part.children:
            tree.unit_move(unit=child, new_parent=unit, effective=effective, actor=actor)
        for affiliation in current.filter(person_id__in=part.people_ids).select_related("person"):
            _carry(affiliation, unit, effective, source)
        new_units.append(unit)
    _end_posts(source, effective)
    _repoint_references(source, None, effective, actor)
    tree.unit_dissolve(unit=source, effective=effective, actor=actor)
    log_action(
        "unit.split",
        actor=actor,
        target=source,
        unit=source,
        data={"into": [u.pk for u in new_units], "effective": effective},
    )
    return new_units


@transaction.atomic
def unit_close(*, unit: Unit, effective: datetime.date, actor) -> Unit:
    """Dissolve a unit that has no members left; its posts end on the same day."""
    people = Affiliation.objects.current().filter(unit=unit).exclude(kind=AffiliationKind.POSITION)
    if people.exists():
        raise ValidationError(
            {"unit": _("Transfer its members and staff first, or merge the unit into another.")}
        )
    _end_posts(unit, effective)
    _repoint_references(unit, None, effective, actor)
    return tree.unit_dissolve(unit=unit, effective=effective, actor=actor)
