"""The decision screen for a scope: pure reads (docs/decision-screen.md).

A scope is a cycle, a unit and a group of subjects decided together:

* ``members`` — party members reviewed in the cells under a grassroots organization (đảng bộ
  cơ sở, đảng bộ xã/phường, chi bộ cơ sở). Opened on a cell, the screen is its grassroots
  organization's, filtered to the cell.
* ``leaders`` — heads and leaders whose deciding level is the unit (a head: the deciding level
  of the unit they head, ``Unit.managed_by`` else the parent; a leader: their current
  ``CadreAuthority``, else the unit where they are reviewed).
* ``collectives`` — party organizations and leadership collectives decided at the unit.
* ``staff`` — the civil servants and public employees reviewed in a state agency (the head of
  the agency decides them; NĐ 48 pools live here).

**Pool instances.** The engine names a subject's pool; the app gives its key: the group and
the unit of the scope (``"members:12"``), so every pool instance is exactly "all subjects of
the group at that unit with that kind" — counted over the whole cycle, not only the rows the
user may decide or the filters keep (a pool spans screens). The tiers counted are the working
tiers: the decided tier, else the proposed tier, else the engine's.

**Reads stored rows.** The engine's result of each self-review is stored on every save with
its pool, pool key and rank key (``reviews.engine.evaluate``); a result stored before that is
evaluated again for that one subject. The number of queries does not grow with the rows
(``tests/test_screen.py`` holds it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.lookups import Exact
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemdiem import rules_engine
from kiemdiem.cycles.local_packs import pack_of_pin
from kiemdiem.cycles.models import (
    PinnedPack,
    ReviewCycle,
    Subject,
    SubjectKind,
    SubjectStatus,
    TierChoice,
    Track,
)
from kiemdiem.cycles.policies import subjects_to_rate
from kiemdiem.decisions.models import HOLDS_TIER
from kiemdiem.orgtree.models import Unit, UnitKind, ancestor_paths
from kiemdiem.people.models import CadreAuthority
from kiemdiem.reviews import engine
from kiemdiem.rules_engine.evaluate import Result
from kiemdiem.rules_engine.messages import message
from kiemdiem.rules_engine.quotas import QuotaOutcome, apply_quotas
from kiemdiem.rules_engine.types import RATED, Tier

GROUPS = {
    "members": gettext_lazy("Members of a grassroots organization"),
    "leaders": gettext_lazy("Leaders decided at this level"),
    "collectives": gettext_lazy("Organizations and collectives decided at this level"),
    "staff": gettext_lazy("Civil servants and public employees of the agency"),
}
MEMBER_KINDS = (SubjectKind.PARTY_MEMBER, SubjectKind.MEMBER_OUTSIDE)
LEADER_KINDS = (SubjectKind.HEAD, SubjectKind.LEADER)
COLLECTIVE_KINDS = (SubjectKind.PARTY_ORG, SubjectKind.COLLECTIVE)
STAFF_KINDS = (
    SubjectKind.CIVIL_SERVANT,
    SubjectKind.CIVIL_SERVANT_LEADER,
    SubjectKind.PUBLIC_EMPLOYEE,
    SubjectKind.PUBLIC_EMPLOYEE_MANAGER,
)
GRASSROOTS_KINDS = frozenset(
    {UnitKind.GRASSROOTS_COMMITTEE, UnitKind.COMMUNE_COMMITTEE, UnitKind.GRASSROOTS_CELL}
)


def grassroots_of(unit: Unit) -> Unit:
    """The grassroots organization a unit belongs to (itself when it is one); the unit when
    none is above it."""
    if unit.kind in GRASSROOTS_KINDS:
        return unit
    above = Unit.objects.filter(path__in=ancestor_paths(unit.path), kind__in=GRASSROOTS_KINDS)
    return above.order_by("-depth").first() or unit


def scope_unit(unit: Unit, group: str) -> Unit:
    return grassroots_of(unit) if group == "members" else unit


def _decided_at(unit: Unit) -> Q:
    return Q(unit__managed_by=unit) | Q(unit__managed_by__isnull=True, unit__parent=unit)


def group_q(group: str, unit: Unit) -> Q:
    """The subjects of ``group`` at ``unit`` (the scope unit: see ``scope_unit``)."""
    if group == "members":
        if unit.kind not in GRASSROOTS_KINDS:
            raise Http404  # members are decided by their grassroots organization's pool
        q = Q(kind__in=MEMBER_KINDS, unit__path__startswith=unit.path)
        # A grassroots organization nested below has its own pool (``grassroots_of``).
        nested = Unit.objects.filter(path__startswith=unit.path, kind__in=GRASSROOTS_KINDS)
        for path in nested.exclude(pk=unit.pk).values_list("path", flat=True):
            q &= ~Q(unit__path__startswith=path)
        return q
    if group == "leaders":
        authority = current_authorities(OuterRef("person_id"))
        # The one pool of a leader: ``leader_pool_unit`` as a condition (the same authority
        # the lock takes, ``quotas.instance_scope``).
        primary = Subquery(authority.values("authority_id")[:1])
        leader = Q(kind=SubjectKind.LEADER) & (
            Exact(primary, unit.pk) | (~Exists(authority) & Q(unit=unit))
        )
        return (Q(kind=SubjectKind.HEAD) & _decided_at(unit)) | leader
    if group == "collectives":
        return Q(person__isnull=True, kind__in=COLLECTIVE_KINDS) & _decided_at(unit)
    if group == "staff":
        return Q(kind__in=STAFF_KINDS, unit=unit, person__isnull=False)
    raise Http404


def current_authorities(person):
    """The current cadre-management authorities of ``person`` (an id or ``OuterRef``), the
    one that decides first: the latest assigned (``valid_from``, then id). The database holds
    at most one current authority per person (``one_current_authority_per_person``); the
    order makes the choice the same everywhere even so."""
    return CadreAuthority.objects.filter(person_id=person, valid_to__isnull=True).order_by(
        "-valid_from", "-pk"
    )


def leader_pool_unit(subject: Subject) -> Unit:
    """The unit whose leaders' pool holds a ``leader`` subject: their managing authority
    (``CadreAuthority``, the one ``cycles.policies`` lets decide), else the unit they lead."""
    authority = current_authorities(subject.person_id).select_related("authority").first()
    return authority.authority if authority is not None else subject.unit


def pool_key(group: str, unit: Unit) -> str:
    return f"{group}:{unit.pk}"


# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    subject: Subject
    kind_name: str | None  # the pack's kind
    self_tier: str
    engine_status: str
    engine_tier: str
    engine_why: str
    engine_flags: list[str]
    state_tier: str
    proposed_tier: str
    proposed_reason: str
    decided_tier: str
    state: str
    revision: int
    override_reason: str
    overrides: list
    rank_key: tuple
    pool: str | None
    may_decide: bool = False
    vote: str = "—"  # the meeting's vote arrives with the meetings (issue #13)
    caps: list[dict] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    pool_index: int | None = None
    engine_rank: int | None = None
    beyond_quota: bool = False

    @property
    def decided(self) -> bool:
        return bool(self.decided_tier)

    @property
    def tier(self) -> str:
        """The working tier: decided, else proposed, else the engine's."""
        return self.decided_tier or self.proposed_tier or self.engine_tier

    @property
    def problem(self) -> bool:
        return bool(self.caps or self.beyond_quota or self.engine_flags or self.flags)


@dataclass
class PoolView:
    index: int
    pool: str
    pool_key: str
    kind: str
    label: str
    kind_label: str
    share: str
    reading: str
    reading_note: str
    rounding: str
    members: int
    httnv: int
    candidates: int
    decided_htxsnv: int
    allowed: int
    excess: int
    ranking: list[int]
    keep: list[int]
    flags: list[str]
    cross_track: bool
    party_share: Fraction | None
    codes: list[str]
    names: dict[int, str]

    @property
    def exceeded(self) -> bool:
        return self.excess > 0

    @property
    def ranked(self) -> list[tuple[int, str, bool]]:
        """The engine's order of the HTXSNV candidates: (place, name, kept)."""
        keep = set(self.keep)
        return [(i, self.names[pk], pk in keep) for i, pk in enumerate(self.ranking, 1)]

    @property
    def party_share_pct(self) -> str:
        return "" if self.party_share is None else f"{float(self.party_share):.0%}"


@dataclass
class Screen:
    cycle: ReviewCycle
    unit: Unit
    scope: Unit
    group: str
    rows: list[Row]
    pools: list[PoolView]
    total: int
    # What the filters offer: the units and kinds of the rows the user decides (unfiltered).
    units: list[tuple[int, str]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        return any(p.exceeded for p in self.pools) or any(r.caps for r in self.rows)


# ---------------------------------------------------------------------------------------------


def _lang() -> str:
    return engine._lang()


class Packs:
    """The pinned pack of each subject, reading the cycle's pins once."""

    def __init__(self, cycle_id: int):
        self.pins = list(
            PinnedPack.objects.filter(cycle_id=cycle_id).select_related("scope", "local_pack")
        )
        self._packs: dict[int, rules_engine.Pack | None] = {}

    def of(self, subject: Subject) -> rules_engine.Pack | None:
        pin = engine.choose_pin([p for p in self.pins if p.track == subject.track], subject)
        if pin is None:
            return None
        if pin.pk not in self._packs:
            try:
                pack = pack_of_pin(pin)
            except rules_engine.PackError:
                pack = None
            self._packs[pin.pk] = pack if pack is not None and pack.hash == pin.pack_hash else None
        return self._packs[pin.pk]


def _rank_value(value: Any) -> Any:
    if value is None or isinstance(value, int):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _stored_result(subject: Subject) -> dict[str, Any]:
    """The engine's stored result; one stored before it kept its pool is evaluated again for
    this subject alone."""
    review = getattr(subject, "review", None)
    if review is None:
        return {}
    result = review.engine_result or {}
    if result.get("status") == RATED and "rank_key" not in result:
        from kiemdiem.reviews import catalogue
        from kiemdiem.reviews.services import rating_of

        form = catalogue.forms().get(review.form_key)
        if form is not None:
            result = engine.evaluate(subject, rating_of(form, review.content))
    return result


def _why(pack: rules_engine.Pack | None, kind_name: str | None, result: dict) -> str:
    """The engine's reason in words: the label of the rule that set the tier."""
    if result.get("status") != RATED:
        return str(result.get("message", ""))
    rule_id = result.get("decided_by")
    if pack is None or kind_name is None or not rule_id:
        return ""
    for rule in pack.kind(kind_name).rules:
        if rule.id == rule_id:
            return rule.label(_lang())
    return ""


def _subjects(cycle: ReviewCycle, q: Q):
    return (
        Subject.objects.filter(cycle=cycle)
        .filter(q)
        .exclude(status__in=(SubjectStatus.NOT_RATED, SubjectStatus.CARRIED_OVER))
        .select_related("unit", "person", "review", "decision", "cycle")
        # The review's text is not shown here (and weighs kilobytes a row); a result stored
        # before the pool was kept reads it, one query for that review alone.
        .defer("review__content", "review__unsaved")
        .order_by("unit__path", "person__sort_key", "pk")
    )


def _state_tiers(cycle: ReviewCycle, person_ids) -> dict[int, str]:
    """Each person's state-track tier in the cycle (decided; only when their places agree)."""
    tiers: dict[int, set[str]] = defaultdict(set)
    rows = Subject.objects.filter(
        cycle=cycle, track=Track.STATE, person_id__in=person_ids, status=SubjectStatus.RATED
    ).values_list("person_id", "tier")
    for person_id, tier in rows:
        tiers[person_id].add(tier)
    return {p: t.pop() for p, t in tiers.items() if len(t) == 1}


def _unit_tiers(cycle: ReviewCycle, unit_ids) -> dict[int, str]:
    """The tier of each unit's own subject (decided, else proposed): what caps a head or a
    collective."""
    out = {}
    rows = Subject.objects.filter(cycle=cycle, person__isnull=True, unit_id__in=unit_ids)
    for unit_id, tier, proposed, state in rows.values_list(
        "unit_id", "tier", "decision__proposed_tier", "decision__state"
    ):
        out[unit_id] = tier if tier and state in HOLDS_TIER else (tier or proposed or "")
    return out


def party_share(cycle: ReviewCycle, person_ids) -> Fraction | None:
    """NĐ 48 (S48-SYNC): the share of HTXSNV among the decided party-member ratings of the
    persons of a state pool — the party members among the agency's staff, rated in the same
    cycle. ``None`` when none of them is decided yet (the engine then says F010)."""
    tiers = list(
        Subject.objects.filter(
            cycle=cycle,
            track=Track.PARTY,
            kind__in=MEMBER_KINDS,
            person_id__in=person_ids,
            status=SubjectStatus.RATED,
        ).values_list("tier", flat=True)
    )
    if not tiers:
        return None
    return Fraction(sum(1 for t in tiers if t == TierChoice.HTXSNV), len(tiers))


def build_rows(subjects, packs: Packs) -> list[Row]:
    rows = []
    for s in subjects:
        pack = packs.of(s)
        kind_name = engine.engine_kind(s, pack) if pack is not None else None
        result = _stored_result(s)
        decision = getattr(s, "decision", None)
        holds = decision is not None and decision.state in HOLDS_TIER
        review = getattr(s, "review", None)
        rows.append(
            Row(
                subject=s,
                kind_name=kind_name,
                self_tier=review.proposed_tier if review is not None else "",
                engine_status=str(result.get("status", "")),
                engine_tier=str(result.get("tier") or "") if result.get("status") == RATED else "",
                engine_why=_why(pack, kind_name, result),
                engine_flags=list(result.get("flags") or []),
                state_tier="",
                proposed_tier=decision.proposed_tier if decision is not None else "",
                proposed_reason=decision.proposed_reason if decision is not None else "",
                decided_tier=decision.tier if holds else "",
                state=decision.state if decision is not None else "",
                revision=decision.revision if decision is not None else 0,
                override_reason=decision.override_reason if decision is not None else "",
                overrides=list(decision.overrides or []) if decision is not None else [],
                rank_key=tuple(_rank_value(v) for v in result.get("rank_key") or ()),
                pool=(pack.kind(kind_name).pool if pack is not None and kind_name else None),
            )
        )
    return rows


def cap_checks(rows: list[Row], packs: Packs, cycle: ReviewCycle, tier_of=None) -> None:
    """Mark each row whose tier is above what caps it (a head above their unit, a collective
    above what it leads, a party member above their state tier where the pack caps it)."""
    tier_of = tier_of or (lambda r: r.tier)
    state = _state_tiers(cycle, {r.subject.person_id for r in rows if r.subject.person_id})
    led = {r.subject.pk: engine.led_unit_id(r.subject) for r in rows}
    units = _unit_tiers(cycle, set(led.values()))
    on_screen = {r.subject.unit_id: tier_of(r) for r in rows if r.subject.person_id is None}
    lang = _lang()
    for r in rows:
        r.state_tier = state.get(r.subject.person_id, "") if r.subject.person_id else ""
        pack = packs.of(r.subject)
        tier = tier_of(r)
        if pack is None or r.kind_name is None or not tier:
            continue
        for rule in pack.kind(r.kind_name).caps:
            if rule.cap == "unit_tier":
                unit_id = led[r.subject.pk]
                if unit_id == r.subject.unit_id and r.subject.person_id is None:
                    continue
                value = on_screen.get(unit_id) or units.get(unit_id, "")
            elif rule.cap == "state_tier":
                value = r.state_tier
            else:
                continue
            if value and Tier[tier] > Tier[value]:
                r.caps.append(
                    {
                        "kind": "cap",
                        "code": rule.id,
                        "text": _("%(rule)s: %(tier)s is above %(cap)s.")
                        % {"rule": rule.label(lang), "tier": tier, "cap": value},
                    }
                )


def _result(row: Row, tier: str) -> Result:
    return Result(
        subject_id=str(row.subject.pk),
        kind=row.kind_name or "",
        period="year",
        pack_id="",
        pack_version="",
        pack_hash="",
        status=RATED if tier else "undetermined",
        tier=Tier[tier] if tier else None,
        raw_tier=None,
        decided_by=None,
        trace=(),
        rank_key=row.rank_key,
        pool=row.pool,
    )


def pool_views(
    rows: list[Row], packs: Packs, cycle: ReviewCycle, group: str, scope: Unit, tier_of=None
) -> list[PoolView]:
    """Every pool instance of ``rows`` checked under its pinned pack's reading; the rows get
    their pool index, their place in the engine's ranking and whether they lie beyond it."""
    tier_of = tier_of or (lambda r: r.tier)
    lang = _lang()
    by_instance: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        if r.pool and r.kind_name:
            by_instance[(r.pool, r.kind_name)].append(r)
    views = []
    key = pool_key(group, scope)
    for index, ((pool, kind_name), members) in enumerate(sorted(by_instance.items())):
        pack = packs.of(members[0].subject)
        assert pack is not None
        spec = pack.pools[pool]
        share = None
        if spec.cross_track == "party_share":
            share = party_share(cycle, {r.subject.person_id for r in members})
        outcome: QuotaOutcome = apply_quotas(
            pack, [_result(r, tier_of(r)) for r in members], spec, pool_key=key, party_share=share
        )
        ranking = [int(i) for i in outcome.ranking]
        keep = [int(i) for i in outcome.proposed_keep]
        for r in members:
            r.pool_index = index
            if r.subject.pk in ranking:
                r.engine_rank = ranking.index(r.subject.pk) + 1
                r.beyond_quota = r.subject.pk not in keep
        views.append(
            PoolView(
                index=index,
                pool=pool,
                pool_key=key,
                kind=kind_name,
                label=spec.label(lang),
                kind_label=pack.kind(kind_name).label(lang),
                share=f"{int(spec.share * 100)} %",
                reading=spec.reading(lang),
                reading_note=message("quota.reading.uncertain", lang),
                rounding=spec.rounding,
                members=len(members),
                httnv=outcome.httnv,
                candidates=outcome.candidates,
                decided_htxsnv=sum(1 for r in members if r.decided_tier == TierChoice.HTXSNV),
                allowed=outcome.allowed,
                excess=outcome.excess,
                ranking=ranking,
                keep=keep,
                flags=[f.message(lang) for f in outcome.flags],
                cross_track=spec.cross_track == "party_share",
                party_share=share,
                codes=[f.code for f in outcome.flags],
                names={r.subject.pk: _name(r.subject) for r in members},
            )
        )
    return views


def _name(subject: Subject) -> str:
    return subject.person.full_name if subject.person_id else subject.unit.name


SORTS = {
    "unit": lambda r: (
        r.subject.unit.path,
        r.subject.person.sort_key if r.subject.person_id else "",
    ),
    "name": lambda r: r.subject.person.sort_key if r.subject.person_id else r.subject.unit.name,
    "tier": lambda r: (-(Tier[r.tier] if r.tier else 0), r.subject.unit.path),
    "rank": lambda r: (r.pool_index or 0, r.engine_rank or 10**6, r.subject.unit.path),
}


def screen(
    *,
    cycle: ReviewCycle,
    unit: Unit,
    group: str,
    user,
    filters: dict[str, str] | None = None,
    sort: str = "unit",
) -> Screen:
    """The decision screen of ``group`` at ``unit`` in ``cycle`` for ``user``: the rows they
    may decide (a 404 when none), the pools over every subject of the scope, the caps."""
    if group not in GROUPS:
        raise Http404
    filters = filters or {}
    scope = scope_unit(unit, group)
    q = group_q(group, scope)
    subjects = list(_subjects(cycle, q))
    mine = set(
        subjects_to_rate(user)
        .filter(cycle=cycle, pk__in=[s.pk for s in subjects])
        .values_list("pk", flat=True)
    )
    if not mine:
        raise Http404
    packs = Packs(cycle.pk)
    rows = build_rows(subjects, packs)
    pools = pool_views(rows, packs, cycle, group, scope)
    cap_checks(rows, packs, cycle)
    for r in rows:
        r.may_decide = r.subject.pk in mine
    shown = [r for r in rows if r.may_decide]
    if unit != scope:
        shown = [r for r in shown if r.subject.unit.path.startswith(unit.path)]
    units = sorted(
        {(r.subject.unit_id, r.subject.unit.name, r.subject.unit.path) for r in shown},
        key=lambda u: u[2],
    )
    kinds = sorted({r.subject.kind for r in shown})
    if filters.get("unit"):
        shown = [r for r in shown if str(r.subject.unit_id) == filters["unit"]]
    if filters.get("kind"):
        shown = [r for r in shown if r.subject.kind == filters["kind"]]
    if filters.get("tier"):
        shown = [r for r in shown if r.tier == filters["tier"]]
    if filters.get("problems"):
        shown = [r for r in shown if r.problem]
    shown.sort(key=SORTS.get(sort, SORTS["unit"]))
    return Screen(
        cycle, unit, scope, group, shown, pools, len(rows), [(u[0], u[1]) for u in units], kinds
    )
