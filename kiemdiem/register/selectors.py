"""Reading the register: the engine's adverse facts for a rated year, and the lists.

``adverse_facts`` answers the rule packs' fields by their names (docs/register.md has the
table, each with its section of regulations.md and where the reading is uncertain). What
counts for a rated year Y (regulations.md §9, §16 — one violation counts once):

* an entry *is relevant* to Y when its violation's year is Y or the rating of Y counted it
  (``counted_in_year == Y``);
* it *counts fresh* in Y unless ``counted_in_year`` names another rated year: then Y's rating
  sees it as already counted (``discipline_already_counted``);
* annulled entries never count.

A discipline decision bears on its own track (a party discipline on the party rating, a state
discipline on the state rating); conclusions (degradation, prohibitions, exemplary duty) and
corruption findings bear on both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from kiemdiem.orgtree.models import KIND_GROUP, SEGMENT_LENGTH, Unit, UnitGroup
from kiemdiem.people.models import Affiliation, AffiliationKind, Person
from kiemdiem.register import policies
from kiemdiem.register.models import DisciplineForm, EntryKind, RegisterEntry
from kiemdiem.rules_engine import Discipline

# The engine orders the party forms of QĐ 69 for members; the state forms and the
# organizations' dissolution are placed on that scale (uncertain, docs/register.md).
ENGINE_FORM = {
    DisciplineForm.KHIEN_TRACH: Discipline.KHIEN_TRACH,
    DisciplineForm.CANH_CAO: Discipline.CANH_CAO,
    DisciplineForm.CACH_CHUC: Discipline.CACH_CHUC,
    DisciplineForm.KHAI_TRU: Discipline.KHAI_TRU,
    DisciplineForm.GIAI_TAN: Discipline.KHAI_TRU,
    DisciplineForm.HA_BAC_LUONG: Discipline.CANH_CAO,
    DisciplineForm.GIANG_CHUC: Discipline.CANH_CAO,
    DisciplineForm.BUOC_THOI_VIEC: Discipline.KHAI_TRU,
}
VIOLATIONS = (
    EntryKind.DISCIPLINE,
    EntryKind.DEGRADATION,
    EntryKind.PROHIBITIONS,
    EntryKind.EXEMPLARY,
)
PERSON_FACTS = frozenset(
    {
        "disciplined_in_year",
        "discipline_already_counted",
        "discipline_in_year",
        "duty_related_violation",
        "degradation_concluded",
        "violated_prohibitions",
        "violated_exemplary",
        "self_detected_and_remedied",
    }
)
UNIT_FACTS = frozenset(
    {
        "org_disciplined",
        "collective_disciplined",
        "leadership_member_disciplined",
        "member_degraded",
        "member_max_discipline",
        "member_discipline_already_counted",
        "subunits_disciplined_count",
        "subunit_corruption_disciplined",
        "subunit_or_member_disciplined",
        "unit_corruption_handled",
        "self_detected_and_remedied",
    }
)
# Every fact the register answers: the self-review shows them, the writer never sets them.
FACTS = PERSON_FACTS | UNIT_FACTS
# What ``adverse_facts`` answers when the register holds nothing that counts.
NOTHING = {name: False for name in FACTS} | {
    "discipline_in_year": Discipline.NONE.name,
    "member_max_discipline": Discipline.NONE.name,
    "subunits_disciplined_count": 0,
}
del NOTHING["duty_related_violation"]  # optional in the packs: unknown without a discipline


def nothing_counts(fields: Iterable[str]) -> dict[str, Any]:
    """``adverse_facts`` for a register with no entry bearing on the year (the bulk writers'
    shortcut, ``register_is_empty``)."""
    return {name: NOTHING[name] for name in fields if name in NOTHING}


def register_is_empty(year: int | None = None) -> bool:
    """No entry in force — none at all, or (``year``) none that bears on that rated year:
    every adverse fact reads only entries ``relevant`` to its year, so then each is its
    ``NOTHING`` value."""
    entries = RegisterEntry.objects.filter(annulled_at__isnull=True)
    if year is not None:
        entries = relevant(entries, year)
    return not entries.exists()


def relevant(qs: QuerySet, year: int) -> QuerySet:
    return qs.filter(annulled_at__isnull=True).filter(Q(year=year) | Q(counted_in_year=year))


def fresh(qs: QuerySet, year: int) -> QuerySet:
    return relevant(qs, year).filter(Q(counted_in_year__isnull=True) | Q(counted_in_year=year))


def _discipline(qs: QuerySet, track: str) -> QuerySet:
    return qs.filter(kind=EntryKind.DISCIPLINE, track=track)


def _heaviest(forms: Iterable[str]) -> str:
    found = [ENGINE_FORM[DisciplineForm(f)] for f in forms if f in ENGINE_FORM]
    return max(found).name if found else Discipline.NONE.name


def area_of(unit: Unit) -> Unit:
    """The unit a collective leads (the one above it); any other unit is its own area."""
    if unit.group == UnitGroup.COLLECTIVE and unit.parent_id is not None:
        return unit.parent
    return unit


def _collectives(unit: Unit) -> list[int]:
    """The leadership collectives of ``unit``: itself if it is one, else those right under it."""
    if unit.group == UnitGroup.COLLECTIVE:
        return [unit.pk]
    kinds = [str(k) for k, g in KIND_GROUP.items() if g == UnitGroup.COLLECTIVE]
    return list(Unit.objects.filter(parent=unit, kind__in=kinds).values_list("pk", flat=True))


def _leaders(collectives: list[int]) -> QuerySet:
    """People holding a post in those collectives now."""
    return (
        Affiliation.objects.current()
        .filter(unit_id__in=collectives, kind=AffiliationKind.POSITION)
        .values("person_id")
    )


def _person_facts(person_id: int, year: int, track: str, wanted) -> dict[str, Any]:
    """One query: the person's entries relevant to the year, judged here."""
    rows = relevant(RegisterEntry.objects.filter(person_id=person_id), year).values_list(
        "kind",
        "track",
        "discipline_form",
        "counted_in_year",
        "duty_related",
        "self_detected_and_remedied",
    )
    discipline, counted, kinds, flags = False, [], set(), []
    for kind, entry_track, form, counted_in, duty, self_detected in rows:
        if kind == EntryKind.DISCIPLINE and entry_track != track:
            continue  # a discipline bears on its own track only
        is_fresh = counted_in is None or counted_in == year
        if kind == EntryKind.DISCIPLINE:
            discipline = True
            if is_fresh:
                counted.append((form, duty))
        if is_fresh:
            kinds.add(kind)
            if kind in VIOLATIONS:
                flags.append(self_detected)
    facts: dict[str, Any] = {
        "disciplined_in_year": discipline,
        "discipline_already_counted": discipline and not counted,
        "discipline_in_year": _heaviest(form for form, _duty in counted),
        "degradation_concluded": EntryKind.DEGRADATION in kinds,
        "violated_prohibitions": EntryKind.PROHIBITIONS in kinds,
        "violated_exemplary": EntryKind.EXEMPLARY in kinds,
        "self_detected_and_remedied": bool(flags) and all(flags),
    }
    if counted:  # optional in the packs: unknown when there is no discipline
        facts["duty_related_violation"] = any(duty for _form, duty in counted)
    return facts


def _unit_facts(unit: Unit, year: int, track: str, wanted) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    area = area_of(unit)
    collectives = _collectives(unit)
    own_units = {unit.pk, *collectives}
    everything = RegisterEntry.objects.all()
    own = fresh(_discipline(everything.filter(unit_id__in=own_units), track), year)
    leaders = everything.filter(person_id__in=_leaders(collectives))
    leader_discipline = _discipline(leaders, track)
    # The area's sub-units and what is in them: not the area itself nor its collectives.
    not_below = own_units | {area.pk, *_collectives(area)}
    below = everything.filter(unit__path__startswith=area.path).exclude(unit_id__in=not_below)
    # Ids of the entries that make an adverse fact true: "self-detected and remedied" holds
    # only when every one of them was (R2023/R2025 exempt such violations).
    adverse: set[int] = set()
    own_ids = set(own.values_list("pk", flat=True))
    adverse |= own_ids
    facts["org_disciplined"] = facts["collective_disciplined"] = bool(own_ids)
    if wanted & {
        "leadership_member_disciplined",
        "member_max_discipline",
        "member_discipline_already_counted",
        "subunit_or_member_disciplined",
        "member_degraded",
        "self_detected_and_remedied",
    }:
        counted = dict(fresh(leader_discipline, year).values_list("pk", "discipline_form"))
        adverse |= set(counted)
        facts["leadership_member_disciplined"] = bool(counted)
        every = list(relevant(leader_discipline, year).values_list("discipline_form", flat=True))
        facts["member_max_discipline"] = _heaviest(every)
        facts["member_discipline_already_counted"] = bool(every) and not counted
        facts["member_degraded"] = fresh(leaders.filter(kind=EntryKind.DEGRADATION), year).exists()
    if wanted & {
        "subunits_disciplined_count",
        "subunit_or_member_disciplined",
        "self_detected_and_remedied",
    }:
        sub = fresh(_discipline(below, track), year).values_list("pk", "unit__path")
        size = len(area.path) + SEGMENT_LENGTH
        children = set()
        for pk, path in sub:
            children.add(path[:size])  # the sub-unit right under the area it falls in
            adverse.add(pk)
        facts["subunits_disciplined_count"] = len(children)
    facts["subunit_or_member_disciplined"] = bool(
        facts.get("subunits_disciplined_count") or facts.get("leadership_member_disciplined")
    )
    corruption = fresh(everything.filter(kind=EntryKind.CORRUPTION), year)
    sub_corruption = set(corruption.filter(pk__in=below.values("pk")).values_list("pk", flat=True))
    facts["subunit_corruption_disciplined"] = bool(sub_corruption)
    in_area = set(corruption.filter(unit__path__startswith=area.path).values_list("pk", flat=True))
    facts["unit_corruption_handled"] = bool(in_area)
    if "subunit_corruption_disciplined" in wanted:
        adverse |= sub_corruption
    if "unit_corruption_handled" in wanted:
        adverse |= in_area
    flags = list(
        RegisterEntry.objects.filter(pk__in=adverse).values_list(
            "self_detected_and_remedied", flat=True
        )
    )
    facts["self_detected_and_remedied"] = bool(flags) and all(flags)
    return facts


def adverse_facts(
    *,
    person_id: int | None = None,
    unit_id: int | None = None,
    year: int,
    track: str,
    fields: Iterable[str] | None = None,
) -> dict[str, Any]:
    """The adverse facts of the rated ``year`` on ``track`` for a person, a unit, or a person
    in the unit they hold a post in (a leader: ``unit_corruption_handled`` reads the unit's
    area). ``fields``: only these (the names a pack's kind uses); all by default."""
    wanted = set(FACTS if fields is None else fields) & FACTS
    if not wanted:
        return {}
    facts: dict[str, Any] = {}
    if person_id is not None:
        facts = _person_facts(person_id, year, track, wanted)
        if unit_id is not None and wanted & (UNIT_FACTS - PERSON_FACTS):
            unit = Unit.objects.get(pk=unit_id)
            unit_facts = _unit_facts(unit, year, track, wanted)
            facts |= {k: v for k, v in unit_facts.items() if k not in PERSON_FACTS}
    elif unit_id is not None:
        facts = _unit_facts(Unit.objects.get(pk=unit_id), year, track, wanted)
    return {name: value for name, value in facts.items() if name in wanted}


def entries_behind(
    *, person_id: int | None = None, unit_id: int | None = None, year: int, track: str
) -> list[RegisterEntry]:
    """The entries a rated year reads about the person or unit itself (what the self-review
    lists under the facts): relevant to ``year``, not annulled; discipline on its track."""
    qs = RegisterEntry.objects.filter(
        Q(person_id=person_id) if person_id is not None else Q(unit_id=unit_id)
    )
    qs = relevant(qs, year).exclude(Q(kind=EntryKind.DISCIPLINE) & ~Q(track=track))
    return list(qs.select_related("person", "unit").order_by("decided_on", "pk"))


def entry_list(
    user,
    *,
    unit: Unit | None = None,
    kind: str = "",
    year: int | None = None,
    person: Person | None = None,
    annulled: bool = False,
) -> QuerySet:
    """Entries ``user`` may read, about people with a home in ``unit``'s subtree or units in
    it, filtered; annulled entries only when asked for."""
    qs = policies.visible_entries(user)
    if unit is not None:
        qs = qs.filter(RegisterEntry.scope_q([unit.path]))
    if kind:
        qs = qs.filter(kind=kind)
    if year:
        qs = qs.filter(year=year)
    if person is not None:
        qs = qs.filter(person=person)
    if not annulled:
        qs = qs.filter(annulled_at__isnull=True)
    return qs.select_related("person", "unit").order_by("-decided_on", "-pk")


def person_entries(user, person: Person) -> list[RegisterEntry]:
    """A person's entries for their page: empty for a user who may not see them."""
    if not policies.may_list_person(user, person):
        return []
    return list(
        RegisterEntry.objects.filter(person=person)
        .select_related("unit")
        .order_by("-decided_on", "-pk")
    )
