"""Whose ratings a subject's rules read.

Some tiers rest on other subjects' tiers of the same cycle: a party organization's on its
subordinate organizations' (đảng bộ) or its members' (chi bộ) and on the same-level
government, Fatherland Front and mass organizations' (regulations §3.4, §16.3); a leader's on
the units of the area they lead (§3.6, §16.4; NĐ 90 for managers, §16.8). The rule packs name
these counts ``children``, ``same_level`` and ``subunits``, and ``subunits_count`` is how many
subordinate units there are. This module is the one place that says which subjects those are,
so the engine's input (``reviews.engine``: the counts are derived, never typed) and the rating
order (``cycles.selectors.prerequisites``: what a tier reads is rated before it, §16.9 C1)
cannot disagree.

Readings where the texts leave room ([M], documented in docs/cycles.md):

* a chi bộ's members are the party-track people reviewed in the cell except its head (the
  secretary), whose own tier is capped by the cell's and so is rated after it (§16.9 C1
  ``unit → head``);
* "the area led" is the unit where the post is held, or, for a post in a leadership
  collective, the organization the collective leads; its sub-units are the rated units
  directly under it of the same group (party organizations under a party committee, agencies
  and public service units under an agency);
* the same-level bodies of a party organization are the state agencies, the Fatherland Front
  committee and the mass organizations directly under it in the tree, and the mass
  organizations under that Front committee.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kiemdiem.cycles.models import Subject, SubjectKind, Track
from kiemdiem.orgtree.models import KIND_GROUP, Unit, UnitGroup

COUNT_FIELDS = frozenset({"children", "same_level", "subunits"})
DERIVED_FIELDS = COUNT_FIELDS | {"subunits_count"}


def kinds_of(*groups: UnitGroup) -> list[str]:
    return [str(kind) for kind, group in KIND_GROUP.items() if group in groups]


# The subject kind a rated unit of each group is reviewed as (the ``subunits`` of a leader).
UNIT_SUBJECT_KIND = {
    UnitGroup.PARTY: SubjectKind.PARTY_ORG,
    UnitGroup.STATE: SubjectKind.STATE_AGENCY,
    UnitGroup.MASS: SubjectKind.MASS_ORG,
}


def area_path(unit_path: str, unit_kind: str, segment: int) -> str:
    """``area_unit`` by paths: a collective's area is the unit above it."""
    if KIND_GROUP.get(unit_kind) == UnitGroup.COLLECTIVE and len(unit_path) > segment:
        return unit_path[:-segment]
    return unit_path


def area_unit(subject: Subject) -> Unit:
    """The unit a subject leads: its own, or the organization its collective leads."""
    unit = subject.unit
    if unit.group == UnitGroup.COLLECTIVE and unit.parent_id is not None:
        return unit.parent
    return unit


def read_subjects(subject: Subject, field: str) -> QuerySet:
    """The subjects of the cycle whose tiers ``field`` counts for ``subject`` (none when the
    field means nothing for it)."""
    cycle_subjects = Subject.objects.filter(cycle_id=subject.cycle_id).exclude(pk=subject.pk)
    unit = subject.unit
    if field == "children" and subject.kind == SubjectKind.PARTY_ORG:
        if unit.is_cell:
            return cycle_subjects.filter(
                unit_id=unit.pk, person__isnull=False, track=Track.PARTY
            ).exclude(kind=SubjectKind.HEAD)
        return cycle_subjects.filter(kind=SubjectKind.PARTY_ORG, unit__parent_id=unit.pk)
    if field in ("subunits", "subunits_count"):
        area = area_unit(subject)
        group = KIND_GROUP.get(area.kind)
        if group is None or group == UnitGroup.COLLECTIVE:
            return cycle_subjects.none()
        return cycle_subjects.filter(
            person__isnull=True, unit__parent_id=area.pk, unit__kind__in=kinds_of(group)
        )
    if field == "same_level" and subject.kind == SubjectKind.PARTY_ORG:
        return cycle_subjects.filter(person__isnull=True).filter(
            Q(unit__parent_id=unit.pk, unit__kind__in=kinds_of(UnitGroup.STATE, UnitGroup.MASS))
            | Q(
                unit__parent__parent_id=unit.pk,
                unit__parent__kind__in=kinds_of(UnitGroup.MASS),
                unit__kind__in=kinds_of(UnitGroup.MASS),
            )
        )
    return cycle_subjects.none()
