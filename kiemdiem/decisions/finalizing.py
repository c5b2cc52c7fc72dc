"""Deciding one subject or a whole decision screen at once, with its quotas and caps
(docs/decision-screen.md).

``finalize`` decides many subjects through ``services.decide_locked``. It is refused while a
pool would be over its quota or a cap would be broken, unless the decider writes an override
reason: then each affected decision keeps the reason and what was broken
(``overrides=[{"kind": "quota"|"cap", "code", "text"}]``), the override is audited, and the
screen shows it.

**Lock order (PostgreSQL)** — the same in every decision write, so two deciders never
deadlock and never both take the last HTXSNV place of a pool:

1. the cycle, ``FOR KEY SHARE`` (``cycles.services.hold_open``: a close waits for us);
2. the ``QuotaPool`` row of every pool instance the rows touch — created if missing
   (``get_or_create``; the unique constraint serialises two creators), then
   ``SELECT … FOR UPDATE`` ordered by id;
3. the subjects, ``FOR NO KEY UPDATE`` ordered by id;
4. their decisions, ``FOR UPDATE`` ordered by id (created when missing).

The HTXSNV places of a pool are counted *after* its row is locked, so a second decider on the
same pool waits at step 2 and then counts the first one's committed decision. A place is
taken only by a decision: a subject proposed HTXSNV but not yet decided counts as HTTNV in the
check (the tier it would have if not kept).
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.cycles.models import ReviewCycle, Subject, SubjectKind, TierChoice
from kiemdiem.cycles.policies import subjects_to_rate
from kiemdiem.cycles.services import hold_open
from kiemdiem.decisions import policies
from kiemdiem.decisions import screen as screens
from kiemdiem.decisions.models import HOLDS_TIER, Decision, DecisionState, QuotaPool
from kiemdiem.decisions.services import _check_revision, _clean_reason, _clean_tier, decide_locked
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import CadreAuthority

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
        authority = (
            CadreAuthority.objects.filter(person_id=subject.person_id, valid_to__isnull=True)
            .select_related("authority")
            .first()
        )
        return "leaders", authority.authority if authority is not None else unit
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
        if found is None:
            continue
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


def check_single(*, subject: Subject, tier: str) -> None:
    """``services.decide`` of one subject to HTXSNV: its pool rows locked (after the cycle,
    before the subject) and the same quota check as ``finalize``; over the quota it is refused
    — an override is written on the decision screen."""
    if Decision.objects.filter(subject=subject, state__in=HOLDS_TIER).exists():
        return  # refused as decided already, by ``decide_locked``
    cycle = subject.cycle
    packs = screens.Packs(cycle.pk)
    pack = packs.of(subject)
    kind_name = screens.engine.engine_kind(subject, pack) if pack is not None else None
    if pack is None or kind_name is None or not pack.kind(kind_name).pool:
        return  # no quota pool for this kind
    scopes = lock_pools(cycle, [subject], packs)
    _affected, messages = broken_rules(cycle, scopes, {subject.pk: tier}, packs, caps=False)
    if messages:
        raise ValidationError(
            {
                "tier": [
                    _(
                        "Not decided: the quota would be broken. Decide it on the decision "
                        "screen, with the reason for deciding over the quota."
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
        for pool in pools:
            taking = [
                r.subject.pk
                for r in rows
                if r.pool_index == pool.index and tiers.get(r.subject.pk) == HTXSNV
            ]
            if not pool.exceeded or not taking:
                continue
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


def _decision_order(subject: Subject) -> tuple:
    """The order rows are decided in (locks stay in id order): what the rules rate first comes
    first — state ratings, then people, then units deepest first, then heads after their unit
    (``cycles.selectors.prerequisites``)."""
    if subject.track == "state" and subject.person_id:
        return (0, 0, subject.pk)
    if subject.person_id and subject.kind != SubjectKind.HEAD:
        return (1, 0, subject.pk)
    if subject.person_id is None:
        return (2, -subject.unit.depth, subject.pk)
    return (3, 0, subject.pk)


@transaction.atomic
def finalize(
    *,
    cycle: ReviewCycle,
    rows: dict[int, str],
    reason: str = "",
    override_reason: str = "",
    actor,
    revisions: dict[int, int] | None = None,
) -> list[Decision]:
    """Decide every subject of ``rows`` ({subject id: tier}) at once, in the lock order of the
    module docstring. Refused — nothing written — when the actor may not decide one of them,
    a page was stale, a pool would be over quota or a cap broken; with ``override_reason``
    the quota and cap breaks are recorded on the affected decisions and audited instead."""
    if not rows:
        raise ValidationError({"rows": _("Choose a tier for at least one subject.")})
    tiers = {int(pk): _clean_tier(tier, "rows") for pk, tier in rows.items()}
    reason = _clean_reason(reason, required=False)
    override_reason = _clean_reason(override_reason, required=False, field="override_reason")
    subjects = list(
        Subject.objects.filter(cycle=cycle, pk__in=tiers).select_related(
            "unit", "unit__managed_by", "unit__parent", "person"
        )
    )
    if len(subjects) != len(tiers):
        raise ValidationError({"rows": _("Some of these subjects are not in this cycle.")})
    if actor is not None:
        allowed = set(subjects_to_rate(actor).filter(pk__in=tiers).values_list("pk", flat=True))
        policies.check(allowed == set(tiers))
    # 1. The cycle — unless every row is a re-opened rating, which is decided again even in a
    # closed cycle (as ``services.decide`` does).
    contested = Decision.objects.filter(subject_id__in=tiers, state=DecisionState.CONTESTED)
    if set(contested.values_list("subject_id", flat=True)) != set(tiers):
        hold_open(cycle.pk)
    # 2. The pool rows of every instance the rows touch.
    packs = screens.Packs(cycle.pk)
    scopes = lock_pools(cycle, subjects, packs)
    # 3. The subjects, 4. their decisions.
    locked = list(
        Subject.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=tiers)
        .select_related("unit", "cycle", "person")
        .order_by("pk")
    )
    decisions = {
        d.subject_id: d
        for d in Decision.objects.select_for_update().filter(subject_id__in=tiers).order_by("pk")
    }
    for s in locked:
        if s.pk not in decisions:
            decisions[s.pk] = Decision.objects.select_for_update().get_or_create(
                subject=s, defaults={"state": DecisionState.PROPOSED}
            )[0]
        _check_revision(decisions[s.pk], (revisions or {}).get(s.pk))
        if decisions[s.pk].holds_tier:
            raise ValidationError(
                {
                    "rows": _(
                        "%(name)s has already been decided; a correction is a new decision "
                        "with its reason (Decide again)."
                    )
                    % {"name": screens._name(s)}
                }
            )
        if decisions[s.pk].state == DecisionState.CONTESTED and not reason:
            raise ValidationError({"reason": _("Write the reason.")})
    # The recount, after the pool rows are locked.
    affected, messages = broken_rules(cycle, scopes, tiers, packs)
    if messages and not override_reason:
        raise ValidationError(
            {
                "override_reason": [
                    _(
                        "Not decided: the quota or a cap would be broken. Correct the tiers, "
                        "or write the reason for deciding over them."
                    ),
                    *messages,
                ]
            }
        )
    out = []
    for s in sorted(locked, key=_decision_order):
        overrides = affected.get(s.pk, [])
        decision = decide_locked(
            s,
            decisions[s.pk],
            tier=tiers[s.pk],
            reason=reason,
            actor=actor,
            override_reason=override_reason if overrides else "",
            overrides=overrides,
        )
        if overrides:
            log_action(
                "decision.overridden",
                actor=actor,
                target=s,
                unit=s.unit,
                data={
                    "override_reason": override_reason,
                    "overrides": "; ".join(o["text"] for o in overrides),
                },
            )
        out.append(decision)
    return out
