"""The quota pools a decision takes a place in: which pool instances a subject belongs to,
their rows locked in the documented order, and what a set of tiers would break
(docs/decision-screen.md). Used by ``services.decide`` (one subject) and ``finalizing``
(a whole screen); it imports neither, so both can build on it."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kiemdiem.cycles.models import ReviewCycle, Subject, SubjectKind, SubjectStatus, TierChoice
from kiemdiem.decisions import screen as screens
from kiemdiem.decisions.models import HOLDS_TIER, Decision, QuotaPool
from kiemdiem.orgtree.models import Unit

HTXSNV, HTTNV = TierChoice.HTXSNV.value, TierChoice.HTTNV.value


def instance_scope(subject: Subject, grassroots: dict[int, Unit]) -> tuple[str, Unit] | None:
    """The group and scope unit whose pools hold ``subject`` (``screen.group_q`` inverted)."""
    unit = subject.unit
    if subject.kind in screens.MEMBER_KINDS:
        if unit.pk not in grassroots:
            grassroots[unit.pk] = screens.grassroots_of(unit)
        if grassroots[unit.pk].kind not in screens.GRASSROOTS_KINDS:
            return None  # no grassroots organization above: no members' pool
        return "members", grassroots[unit.pk]
    if subject.kind == SubjectKind.HEAD:
        return "leaders", unit.deciding_unit
    if subject.kind == SubjectKind.LEADER:
        return "leaders", screens.leader_pool_unit(subject)
    if subject.person_id is None and subject.kind in screens.COLLECTIVE_KINDS:
        return "collectives", unit.deciding_unit
    if subject.kind in screens.STAFF_KINDS:
        return "staff", unit
    return None


def _check_tier(row: screens.Row, tiers: dict[int, str]) -> str:
    """The tier a subject holds in the check: the one being decided now, the decided one, else
    the working tier with an undecided HTXSNV counted as HTTNV (no place taken yet)."""
    if row.subject.pk in tiers:
        return tiers[row.subject.pk]
    if row.decided_tier:
        return row.decided_tier
    tier = row.proposed_tier or row.engine_tier
    return HTTNV if tier == HTXSNV else tier


def lock_pools(cycle: ReviewCycle, subjects, packs: screens.Packs) -> list[tuple[str, Unit]]:
    """Step 2 of the lock order: the ``QuotaPool`` rows of the pool instances of ``subjects``,
    created when missing, then locked ``FOR UPDATE`` by id. Returns the scopes (group, unit)
    whose pools they are, for the recount."""
    grassroots: dict[int, Unit] = {}
    scopes: dict[tuple[str, int], tuple[str, Unit]] = {}
    instances = set()
    for s in subjects:
        found = instance_scope(s, grassroots)
        if found is None or found[1] is None:
            continue  # no pool instance (a root unit, decided by nobody above it)
        group, unit = found
        scopes[(group, unit.pk)] = (group, unit)
        pack = packs.of(s)
        kind_name = screens.engine.engine_kind(s, pack) if pack is not None else None
        pool = pack.kind(kind_name).pool if pack is not None and kind_name else None
        if pool:
            instances.add((pool, screens.pool_key(group, unit), kind_name))
    ids = [
        QuotaPool.objects.get_or_create(cycle=cycle, pool=pool, pool_key=key, kind=kind)[0].pk
        for pool, key, kind in sorted(instances)
    ]
    list(QuotaPool.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    return list(scopes.values())


def decided_already(subject: Subject) -> bool:
    """The subject holds a decided tier (or one rated before decisions existed, with no
    decision row): ``decide_locked`` refuses it. A re-opened rating is not decided."""
    decision = Decision.objects.filter(subject=subject).only("state").first()
    if decision is not None:
        return decision.state in HOLDS_TIER
    return Subject.objects.filter(pk=subject.pk, status=SubjectStatus.RATED).exists()


def check_single(*, subject: Subject, tier: str) -> None:
    """``services.decide`` of one subject: its pool rows locked (after the cycle, before the
    subject) and the same quota and cap checks as ``finalize``; a break is refused — an
    override, with its reason, is written on the decision screen."""
    if decided_already(subject):
        return  # refused as decided already, by ``decide_locked``
    cycle = subject.cycle
    packs = screens.Packs(cycle.pk)
    scopes = lock_pools(cycle, [subject], packs)
    if not scopes:
        return  # in no scope a pool or a cap is counted in
    _affected, messages = broken_rules(cycle, scopes, {subject.pk: tier}, packs)
    if messages:
        raise ValidationError(
            {
                "tier": [
                    _(
                        "Not decided: the quota or a cap would be broken. Decide it on the "
                        "decision screen, with the reason for deciding over them."
                    ),
                    *messages,
                ]
            }
        )


def broken_rules(
    cycle: ReviewCycle, scopes, tiers: dict[int, str], packs: screens.Packs, caps: bool = True
) -> tuple[dict[int, list[dict]], list[str]]:
    """What deciding ``tiers`` would break: {subject id: [override entries]} and the
    messages, pools named."""
    affected: dict[int, list[dict]] = defaultdict(list)
    messages: list[str] = []
    for group, unit in scopes:
        rows = screens.build_rows(screens._subjects(cycle, screens.group_q(group, unit)), packs)

        def tier_of(r):
            return _check_tier(r, tiers)

        pools = screens.pool_views(rows, packs, cycle, group, unit, tier_of=tier_of)
        # Which pools were over before these tiers: lowering others (fewer HTTNV) must not
        # push a pool over the places already taken (the base of the quota shrinks).
        before = {
            p.index: p.exceeded
            for p in screens.pool_views(
                rows, packs, cycle, group, unit, tier_of=lambda r: _check_tier(r, {})
            )
        }
        for pool in pools:
            mine = [
                r.subject.pk for r in rows if r.pool_index == pool.index and r.subject.pk in tiers
            ]
            taking = [pk for pk in mine if tiers[pk] == HTXSNV]
            lowering = [pk for pk in mine if tiers[pk] != HTXSNV]
            if not pool.exceeded or not (taking or (lowering and not before.get(pool.index))):
                continue
            taking = taking or lowering
            text = _(
                "Pool “%(pool)s” (%(kind)s, %(unit)s): %(count)s HTXSNV, at most "
                "%(allowed)s allowed under the reading in force."
            ) % {
                "pool": pool.label,
                "kind": pool.kind_label,
                "unit": unit.name,
                "count": pool.candidates,
                "allowed": pool.allowed,
            }
            messages.append(text)
            for pk in taking:
                affected[pk].append({"kind": "quota", "code": pool.pool, "text": text})
        if not caps:
            continue
        mine = [r for r in rows if r.subject.pk in tiers]
        screens.cap_checks(mine, packs, cycle, tier_of=tier_of)
        for r in mine:
            for cap in r.caps:
                text = f"{screens._name(r.subject)}: {cap['text']}"
                messages.append(text)
                affected[r.subject.pk].append({**cap, "text": text})
    return affected, messages
