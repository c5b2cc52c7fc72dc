"""Between a self-review and the rating engine: which pinned rule set and kind apply, which
inputs the form asks for, and the engine's result for what has been written so far.

The engine stays pure; this module only gathers its input from the cycle and the registry.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from kiemdiem import rules_engine
from kiemdiem.cycles import readings
from kiemdiem.cycles.local_packs import pack_of_pin
from kiemdiem.cycles.models import (
    CycleKind,
    PinnedPack,
    Subject,
    SubjectKind,
    SubjectStatus,
    Track,
)
from kiemdiem.cycles.places import final_tier
from kiemdiem.orgtree.models import UnitGroup, UnitKind
from kiemdiem.register import policies as register_policies
from kiemdiem.register import selectors as register
from kiemdiem.reviews import shortcomings
from kiemdiem.rules_engine.evaluate import jsonable

# Facts the system fills from the cycle and the registry, never the writer.
SYSTEM_FIELDS = (
    frozenset(
        {
            "period",
            "exempt_from_activity",
            "suspended",
            "is_cbccvc",
            "state_tier",
            "unit_tier",
            "q1_tier",
            "q2_tier",
            "q3_tier",
            # From the shortcomings' rows (``reviews.shortcomings.remedied_pct``): the page and
            # the API no longer ask for it; a value a client still sends is dropped (``shape``).
            "shortcomings_remedied_pct",
        }
    )
    # Counts of other subjects' tiers, from the cycle (``cycles.readings``).
    | readings.DERIVED_FIELDS
    # Discipline, conclusions and findings of the rated year, from the register
    # (``register.selectors.adverse_facts``): staff enter them, the writer no longer ticks them.
    | register.FACTS
)
# The rating inputs the register answers: refused by name when a program still sends them.
REGISTER_INPUTS = frozenset(f"fact.{name}" for name in register.FACTS)
REGISTER_TRACKS = (Track.PARTY, Track.STATE)
# Field types a form can ask for (counts and groups come from other subjects' results).
FORM_TYPES = frozenset({"bool", "number", "level", "tier", "discipline", "enum"})
CELL_KINDS = {UnitKind.GRASSROOTS_CELL, UnitKind.SUBORDINATE_CELL}


class PackMismatch(Exception):
    """The rule set on disk is not the one the cycle pinned (its hash differs)."""


def pin_of(subject: Subject) -> PinnedPack | None:
    """The pin of the rule set the subject's cycle runs it under: the party pack, or the state
    pack chosen for its kind — or, where a province pinned a local pack over it
    (``cycles.services.cycle_pin_local_pack``), that local pack for the subjects reviewed in
    the province's subtree (the narrowest scope wins)."""
    token = subject.__dict__.get("_pins_token")
    if token is None:
        pins = _read_pins(subject.cycle_id, subject.track)
    else:
        pins = _kept_pins(subject.cycle_id, subject.cycle.created_at, subject.track, token)
    return choose_pin(list(pins), subject)


def _read_pins(cycle_id: int, track: str) -> tuple[PinnedPack, ...]:
    pins = PinnedPack.objects.filter(cycle_id=cycle_id, track=track)
    return tuple(pins.select_related("scope", "local_pack"))


# The pins of a cycle and track as last read, under the cycle's ``pins_token`` (a trigger
# draws a new one at every change of its pins) and its creation time (a cycle id the database
# gives again after a rollback or a reload is another cycle). Read-only objects, shared.
_kept_pins = functools.lru_cache(maxsize=256)(
    lambda cycle_id, created_at, track, token: _read_pins(cycle_id, track)
)


def pins_read_at(subject: Subject, token: int) -> None:
    """Say that ``subject``'s cycle had the pins ``token`` when the caller locked it
    (``cycles.services.hold_open`` answers it): ``pin_of`` then answers from memory while the
    pins are unchanged — the autosave's hot path, which reads the cycle row anyway."""
    subject.__dict__["_pins_token"] = token


def forget_pins() -> None:
    """Drop the pins kept in memory (tests)."""
    _kept_pins.cache_clear()


def choose_pin(pins: list[PinnedPack], subject: Subject) -> PinnedPack | None:
    """``pin_of`` over the pins of the subject's cycle and track, already read, in whatever
    order: the same answer every time. Among the local pins covering the subject's unit the
    narrowest scope wins, then the latest pin (the service refuses two overlapping local pins
    for one kind, so a tie is only for pins older than that check); else the central pin."""
    pins = [p for p in pins if subject.track == Track.PARTY or subject.kind in p.subject_kinds]
    path = subject.unit.path
    local = [p for p in pins if p.scope is not None and path.startswith(p.scope.path)]
    if local:
        return max(local, key=_narrowest_then_latest)
    central = [p for p in pins if p.local_pack_id is None]
    return min(central, key=lambda p: p.pk or 0) if central else None


def _narrowest_then_latest(pin: PinnedPack) -> tuple:
    """Sort key of ``choose_pin``: scope depth, then pin time (a pin without one first), then
    the row id."""
    when = pin.pinned_at.timestamp() if pin.pinned_at is not None else float("-inf")
    return (len(pin.scope.path), when, pin.pk or 0)


def pinned_pack(subject: Subject) -> rules_engine.Pack | None:
    """The rule set the subject's cycle pinned for its track and kind, checked by hash.

    Kept on the subject object: one save asks twice (the inputs, then the evaluation), and a
    pin never changes under a subject read inside the same request."""
    if "_pinned_pack" not in subject.__dict__:
        subject.__dict__["_pinned_pack"] = _pinned_pack(subject)
    pack, mismatch = subject.__dict__["_pinned_pack"]
    if mismatch:
        raise PackMismatch(mismatch)
    return pack


def _pinned_pack(subject: Subject) -> tuple[rules_engine.Pack | None, str]:
    pin = pin_of(subject)
    if pin is None:
        return None, ""
    try:
        pack = pack_of_pin(pin)
    except rules_engine.PackError:
        return None, pin.pack_id
    if pack.hash != pin.pack_hash:
        return None, pin.pack_id
    return pack, ""


def engine_kind(subject: Subject, pack: rules_engine.Pack) -> str | None:
    """The pack's name for the subject's kind (a party organization is a đảng bộ or chi bộ)."""
    if subject.kind == SubjectKind.PARTY_ORG:
        name = "chi_bo" if subject.unit.kind in CELL_KINDS else "dang_bo"
    else:
        name = subject.kind
    return name if name in pack.kinds else None


@dataclass(frozen=True)
class Input:
    """One engine input the rating section asks for."""

    name: str  # "crit.<criterion>" or "fact.<field>"
    type: str
    label: str
    values: tuple[str, ...] = ()
    min: Decimal | None = None
    max: Decimal | None = None


def inputs_for(pack: rules_engine.Pack, kind_name: str) -> list[Input]:
    lang = _lang()
    kind = pack.kind(kind_name)
    out = [
        Input(f"crit.{name}", "level", c.label_en if lang == "en" else c.label_vi)
        for name, c in kind.criteria.items()
    ]
    for name in sorted(kind.fields_used, key=_field_order(pack)):
        spec = pack.fields[name]
        if name in SYSTEM_FIELDS or name in kind.derive or spec.type.name not in FORM_TYPES:
            continue
        out.append(
            Input(
                f"fact.{name}",
                spec.type.name,
                spec.label_en if lang == "en" else spec.label_vi,
                tuple(spec.type.values),
                spec.min,
                spec.max,
            )
        )
    return out


def _field_order(pack: rules_engine.Pack):
    order = {name: i for i, name in enumerate(pack.fields)}
    return lambda name: order.get(name, len(order))


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _coerce(kind: str, raw: Any) -> Any:
    """A form value as the engine wants it (None when empty)."""
    if raw in (None, ""):
        return None
    if kind == "bool":
        return raw is True or str(raw).strip().lower() in ("true", "on", "1", "yes")
    if kind == "number":
        try:
            return str(Decimal(str(raw).replace(",", ".")))
        except InvalidOperation:
            return None
    return str(raw)


def led_unit_id(subject: Subject) -> int | None:
    """The unit whose rating caps this subject's (``unit_tier``): for a leadership collective,
    the organization, agency or unit it leads — the unit above it in the tree (a standing
    committee leads its party committee, a board its agency; HD 21 §II.B.3, LC19-CAP); for a
    person, the unit where they hold the post (a head is capped by what they head)."""
    if subject.person_id is None and subject.unit.group == UnitGroup.COLLECTIVE:
        return subject.unit.parent_id
    return subject.unit_id


class SystemFacts(dict):
    """Facts from the registry and the cycle, and the subjects whose ratings are still awaited
    for a count the rules read (``waits_for``: the count is left out until they are rated)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.waits_for: list[Subject] = []  # the first few, to name them
        self.waiting = 0  # how many in all


def system_facts(subject: Subject, pack: rules_engine.Pack, kind_name: str) -> SystemFacts:
    """What the registry and the other subjects of the cycle already say about this one."""
    used = pack.kind(kind_name).fields_used
    facts = SystemFacts()
    if {"exempt_from_activity", "suspended"} & used:
        not_rated = subject.status == SubjectStatus.NOT_RATED
        facts["exempt_from_activity"] = not_rated
        facts["suspended"] = False
    if subject.person_id and ({"is_cbccvc", "state_tier"} & used):
        is_cbccvc = Subject.objects.filter(
            cycle_id=subject.cycle_id, person_id=subject.person_id, track=Track.STATE
        ).exists()
        facts["is_cbccvc"] = is_cbccvc
        # Rated in two agencies with different tiers: the competent level's choice, never
        # whichever row comes first (§16.9 C4); none yet ⇒ not known, the rating waits.
        state_tier = (
            final_tier(subject.cycle_id, subject.person_id, Track.STATE) if is_cbccvc else None
        )
        if state_tier:
            facts["state_tier"] = state_tier
    quarters = {"q1_tier", "q2_tier", "q3_tier"} & used
    if subject.person_id and quarters and subject.cycle.kind == CycleKind.ANNUAL:
        # The year-end rating of a leader rests on the quarterly ratings of that year (HD 43).
        # Rated in two places in a quarter: the tier the competent level chose (§16.9 C4,
        # ``cycles.places``), never the lower one by itself; no choice yet ⇒ not given.
        rated = (
            Subject.objects.filter(
                person_id=subject.person_id,
                cycle__kind=CycleKind.QUARTERLY,
                cycle__year=subject.cycle.year,
                kind__in=(SubjectKind.LEADER, SubjectKind.HEAD),
                status=SubjectStatus.RATED,
            )
            .values_list("cycle_id", "cycle__quarter")
            .distinct()
        )
        for cycle_id, quarter in rated:
            name = f"q{quarter}_tier"
            if name not in quarters:
                continue
            tier = final_tier(cycle_id, subject.person_id, Track.PARTY)
            if tier:
                facts[name] = tier
    if shortcomings.FACT in used:
        facts[shortcomings.FACT] = shortcomings.remedied_pct(subject)
    if "unit_tier" in used:
        unit_subject = (
            Subject.objects.filter(cycle_id=subject.cycle_id, unit_id=led_unit_id(subject))
            .filter(person__isnull=True)
            .exclude(pk=subject.pk)
            .first()
        )
        if unit_subject is not None and unit_subject.tier:
            facts["unit_tier"] = unit_subject.tier
    for name in sorted(readings.COUNT_FIELDS & used):
        _count(facts, name, readings.read_subjects(subject, name))
    if "subunits_count" in used:
        facts["subunits_count"] = readings.read_subjects(subject, "subunits_count").count()
    facts.update(register_facts(subject, used))
    return facts


def register_facts(subject: Subject, used) -> dict[str, Any]:
    """The adverse facts of the subject's rated year from the register (the fields of
    ``used`` it answers): about the person — and, for a leader, the unit they lead — or the
    unit; a discipline decision on the subject's own track (docs/register.md)."""
    names = set(used) & register.FACTS
    if not names or subject.track not in REGISTER_TRACKS:
        return {}
    return register.adverse_facts(
        person_id=subject.person_id,
        unit_id=subject.unit_id,
        year=subject.cycle.year,
        track=subject.track,
        fields=names,
    )


@dataclass(frozen=True)
class RegisterShown:
    """What the self-review shows read-only from the register: each fact the rule set reads,
    as (label, value in words), and the entries behind them (only to those who may read
    them)."""

    facts: list[tuple[str, str]]
    entries: list[Any]


def register_shown(subject: Subject, user) -> RegisterShown | None:
    """The register's facts for the subject's page; None when its rule set reads none."""
    try:
        pack = pinned_pack(subject)
    except PackMismatch:
        return None
    kind_name = engine_kind(subject, pack) if pack is not None else None
    if pack is None or kind_name is None:
        return None
    used = pack.kind(kind_name).fields_used
    facts = register_facts(subject, used)
    if not facts:
        return None
    lang = _lang()
    rows = []
    for name in sorted(facts, key=_field_order(pack)):
        spec = pack.fields[name]
        rows.append((spec.label_en if lang == "en" else spec.label_vi, _in_words(facts[name])))
    entries = []
    if register_policies.may_see_entries_of(
        user, person=subject.person if subject.person_id else None, unit=subject.unit
    ):
        entries = register.entries_behind(
            person_id=subject.person_id,
            unit_id=None if subject.person_id else subject.unit_id,
            year=subject.cycle.year,
            track=subject.track,
        )
    return RegisterShown(rows, entries)


def _in_words(value: Any) -> str:
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, str) and value in rules_engine.Discipline.__members__:
        return str(DISCIPLINE_WORDS.get(value, value))
    return str(value)


DISCIPLINE_WORDS = {
    "NONE": gettext_lazy("No discipline"),
    "KHIEN_TRACH": gettext_lazy("Reprimand (khiển trách)"),
    "CANH_CAO": gettext_lazy("Warning (cảnh cáo)"),
    "CACH_CHUC": gettext_lazy("Dismissal from post (cách chức)"),
    "KHAI_TRU": gettext_lazy("Expulsion (khai trừ)"),
}


WAITING_NAMED = 3  # how many of the awaited subjects a message names


def _count(facts: SystemFacts, name: str, subjects) -> None:
    """``facts[name]``: the tiers of ``subjects`` (those not rated by the rules — exempt,
    suspended — do not count), or, while some are still to be rated, nothing and who."""
    rows = subjects.order_by().values_list("status", "tier").annotate(n=Count("pk"))
    counts: dict[str, int] = {}
    pending = False
    for status, tier, n in rows:
        if status == SubjectStatus.PENDING:
            pending = True
        elif status == SubjectStatus.RATED and tier:
            counts[tier] = counts.get(tier, 0) + n
    if pending:
        awaited = subjects.filter(status=SubjectStatus.PENDING).select_related("person", "unit")
        room = WAITING_NAMED - len(facts.waits_for)
        if room > 0:
            named = awaited.order_by("unit__path", "person__sort_key", "pk")[:room]
            facts.waits_for += list(named)
        facts.waiting += awaited.count()
    else:
        facts[name] = counts


def evaluate(
    subject: Subject,
    rating: dict[str, Any],
    *,
    pack: rules_engine.Pack | None = None,
    known: dict[str, Any] | None = None,
    codes: bool = False,
) -> dict[str, Any]:
    """The engine's result for the rating section as written, JSON-friendly:

    ``{"status": rated|not_rated|undetermined|incomplete|unavailable, "tier", "lines", ...}``.
    ``incomplete`` names what is still missing; nothing is ever raised to the writer.
    A caller rating many subjects may pass the pinned ``pack`` and the ``known`` system facts
    it already holds (the demo's bulk path does); otherwise they are looked up. ``codes``: the
    explanation carries rule codes, for staff (``reviews.policies.shows_rule_codes``)."""
    lang = _lang()
    if pack is None:
        try:
            pack = pinned_pack(subject)
        except PackMismatch as error:
            return {
                "status": "unavailable",
                "message": _("The rule set %(pack)s no longer matches the one the cycle pinned.")
                % {"pack": error.args[0]},
            }
    if pack is None or (kind_name := engine_kind(subject, pack)) is None:
        return {"status": "unavailable", "message": _("No rule set rates this kind here.")}
    types = {i.name: i.type for i in inputs_for(pack, kind_name)}
    known = known if known is not None else system_facts(subject, pack, kind_name)
    waiting = _waiting(known)
    facts = dict(known)
    criteria = {}
    for name, kind in types.items():
        value = _coerce(kind, (rating or {}).get(name))
        if value is None:
            continue
        if name.startswith("crit."):
            criteria[name[5:]] = value
        else:
            facts[name[5:]] = value
    period = "year"
    if subject.cycle.quarter:
        period = f"Q{subject.cycle.quarter}"
    try:
        result = rules_engine.evaluate(
            pack,
            {
                "id": subject.person.full_name if subject.person_id else subject.unit.name,
                "kind": kind_name,
                "facts": facts,
                "criteria": criteria,
                "period": period,
            },
        )
    except rules_engine.InputError as error:
        if waiting and error.params.get("field") in readings.COUNT_FIELDS:
            return {"status": "incomplete", "message": waiting, "pack": pack.id}
        return {"status": "incomplete", "message": _missing(pack, error, lang), "pack": pack.id}
    if waiting:  # a result without the awaited ratings would not be the result
        return {"status": "incomplete", "message": waiting, "pack": pack.id}
    return {
        "status": result.status,
        "tier": result.tier.name if result.tier else "",
        "lines": result.explain(lang, codes=codes).splitlines(),
        "flags": [f.message(lang) for f in result.flags],
        "pack": pack.id,
        "pack_version": pack.version,
        # What the decision screen's quota ranking reads from the stored row, so it never
        # re-evaluates a whole scope per request (``decisions.screen``): the pool, its key,
        # the rank key, and the rule that set the tier (named in the reader's language there).
        "pool": result.pool,
        "pool_key": result.pool_key,
        "rank_key": [jsonable(v) for v in result.rank_key],
        "decided_by": result.decided_by,
    }


def _waiting(facts: dict[str, Any]) -> str:
    """ "Waits for …" naming the first subjects still to be rated, or "" when none is."""
    total = getattr(facts, "waiting", 0)
    if not total:
        return ""
    names = ", ".join(s.person.full_name if s.person_id else s.unit.name for s in facts.waits_for)
    more = total - len(facts.waits_for)
    if more:
        return _("Waits for the ratings of %(names)s and %(more)s others.") % {
            "names": names,
            "more": more,
        }
    return _("Waits for the ratings of %(names)s.") % {"names": names}


def _missing(pack: rules_engine.Pack, error: rules_engine.InputError, lang: str) -> str:
    """The engine's complaint in the writer's words: a missing value is named by its label."""
    if error.code == "rules.E110":
        rule = next(
            (
                r
                for k in pack.kinds.values()
                for r in k.requires
                if r.id == error.params.get("rule")
            ),
            None,
        )
        if rule is not None:
            return _("Not yet: %(rule)s.") % {"rule": rule.label(lang)}
    if error.code == "rules.E108":  # a criterion not assessed yet: named by its label
        for kind in pack.kinds.values():
            criterion = kind.criteria.get(str(error.params.get("criterion", "")))
            if criterion is not None:
                label = criterion.label_en if lang == "en" else criterion.label_vi
                return _("Still to fill in: %(field)s.") % {"field": label}
    name = str(error.params.get("field", ""))
    if error.code == "rules.E102" and name in pack.fields:
        spec = pack.fields[name]
        return _("Still to fill in: %(field)s.") % {
            "field": spec.label_en if lang == "en" else spec.label_vi
        }
    return error.message(lang)


def stored(result: dict[str, Any]) -> dict[str, Any]:
    """What a review keeps of a result: the verdict, not the explanation (which is rebuilt
    from the content when shown, and would weigh kilobytes per review at province scale)."""
    return {k: v for k, v in result.items() if k != "lines"}


def inputs_of(subject: Subject) -> list[Input] | None:
    """The rating inputs of the subject's pinned rule set and kind (None when none applies)."""
    try:
        pack = pinned_pack(subject)
    except PackMismatch:
        return None
    kind_name = engine_kind(subject, pack) if pack is not None else None
    return inputs_for(pack, kind_name) if kind_name else None


TRUE_WORDS = {"true", "on", "1", "yes", "có"}
FALSE_WORDS = {"false", "off", "0", "no", "không"}
CHOICES = {
    "level": {lv.name for lv in rules_engine.Level},
    "tier": {t.name for t in rules_engine.Tier},
    "discipline": {d.name for d in rules_engine.Discipline},
}


def normalise(rating: dict[str, str], inputs: list[Input], where: str) -> dict[str, str]:
    """Only the inputs the rule set asks for, each in the one spelling the page and the engine
    read; a value that cannot be one is refused, naming the input."""
    out: dict[str, str] = {}
    for spec in inputs:
        raw = rating.get(spec.name)
        if raw in (None, ""):
            continue
        try:
            out[spec.name] = normalise_one(spec, raw)
        except ValidationError as error:
            raise ValidationError({where: error.messages}) from error
    return out


def normalise_one(spec: Input, raw: Any) -> str:
    """One rating input in the spelling the engine reads; refused with a message that names the
    input by its label and says what it takes."""
    value = str(raw).strip()
    if spec.type == "bool":
        if value.lower() in TRUE_WORDS:
            return "true"
        if value.lower() in FALSE_WORDS:
            return "false"
        _refuse(spec, _("answer yes or no"))
    if spec.type in CHOICES:
        if value.upper() not in CHOICES[spec.type]:
            _refuse(spec, ", ".join(sorted(CHOICES[spec.type])))
        return value.upper()
    if spec.type == "enum":
        if value not in spec.values:
            _refuse(spec, ", ".join(spec.values))
        return value
    if spec.type == "number":
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            _refuse(spec, _("a number"))
        if (spec.min is not None and number < spec.min) or (
            spec.max is not None and number > spec.max
        ):
            raise ValidationError(
                _("%(input)s: must be a number from %(min)s to %(max)s (%(value)s was entered).")
                % {
                    "input": spec.label,
                    "min": _plain(spec.min),
                    "max": _plain(spec.max),
                    "value": value[:40],
                }
            )
        return str(number)
    return value


def _plain(number: Decimal | None) -> str:
    return "…" if number is None else format(number.normalize(), "f")


def _refuse(spec: Input, expected: str):
    raise ValidationError(
        _("%(input)s: expected %(expected)s.") % {"input": spec.label, "expected": expected}
    )
