"""Quota pools (HTXSNV ≤ share × those rated HTTNV), cross-track share (NĐ 48) and
multi-place conflicts. Excess is *flagged with a proposed ranking*, never applied silently;
``decide_quota`` applies the competent level's decision explicitly.

How many HTXSNV a pool allows is a pool setting, because the texts can be read two ways
(regulations §15.2, uncertain):

- ``httnv`` (default, §15.2): ``round(share × h)`` where ``h`` is the number rated HTTNV — 3
  HTTNV and 3 candidates allow ``floor(0.6) = 0``.
- ``httnv_incl_demoted``: the candidates not kept become HTTNV and count too, so the engine
  allows the largest ``k`` with ``k ≤ round(share × (h + c − k))`` (``c`` the candidates) —
  3 HTTNV and 3 candidates allow 1.
- ``httnv_or_above``: ``round(share × (h + c))``.

Rounding is configurable; the default is floor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .errors import InputError
from .evaluate import Flag, Result, Step, jsonable
from .messages import message
from .pack import Pack, QuotaPool
from .types import RATED, Tier


def _round(value: Fraction, rounding: str) -> int:
    if rounding == "floor":
        return value.numerator // value.denominator
    if rounding == "ceil":
        return -((-value.numerator) // value.denominator)
    # round half up
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def allowed_htxsnv(
    share: Fraction, httnv: int, candidates: int, denominator: str, rounding: str
) -> int:
    """The most HTXSNV a pool may keep (see module docstring)."""
    if denominator == "httnv":
        return min(candidates, _round(share * httnv, rounding))
    if denominator == "httnv_or_above":
        return min(candidates, _round(share * (httnv + candidates), rounding))
    best = 0
    for k in range(candidates + 1):
        if k <= _round(share * (httnv + candidates - k), rounding):
            best = k
    return best


@dataclass(frozen=True)
class QuotaOutcome:
    """The quota check of one pool instance. ``results`` carry a quota step in their trace but
    their tiers are unchanged; ``proposed_keep``/``proposed_demote`` are a proposal only."""

    pool: str
    pool_key: str | None
    share: Fraction
    denominator_rule: str
    rounding: str
    httnv: int
    candidates: int
    allowed: int
    excess: int
    ranking: tuple[str, ...]
    proposed_keep: tuple[str, ...]
    proposed_demote: tuple[str, ...]
    flags: tuple[Flag, ...]
    results: tuple[Result, ...]
    kind: str | None = None

    @property
    def exceeded(self) -> bool:
        return self.excess > 0

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "pool": self.pool,
            "pool_key": self.pool_key,
            "kind": self.kind,
            "share": _share_text(self.share),
            "denominator_rule": self.denominator_rule,
            # Which reading of "20 % of those rated HTTNV" is in force, in words, with the
            # note that it is uncertain (regulations §15.2) — for the decision screen.
            "reading": message("quota.reading." + self.denominator_rule, lang or "vi"),
            "reading_note": message("quota.reading.uncertain", lang or "vi"),
            "rounding": self.rounding,
            "httnv": self.httnv,
            "candidates": self.candidates,
            "allowed": self.allowed,
            "excess": self.excess,
            "ranking": list(self.ranking),
            "proposed_keep": list(self.proposed_keep),
            "proposed_demote": list(self.proposed_demote),
            "flags": [f.to_dict(lang) for f in self.flags],
        }


def _sort_key(result: Result) -> tuple[Any, ...]:
    key = []
    for v in result.rank_key:
        key.append(
            (1, 0) if v is None else (0, -Decimal(int(v) if not isinstance(v, Decimal) else v))
        )
    return (tuple(key), result.subject_id)


def _source_text(source: Any) -> str | None:
    return source.label() if source is not None else None


def _pool_params(spec: QuotaPool) -> tuple[tuple[str, Any], ...]:
    """A pool in a flag: its name, and its label in both languages for the message."""
    return (("pool", spec.name), ("pool_vi", spec.label("vi")), ("pool_en", spec.label("en")))


def _share_text(share: Fraction) -> str:
    if share.denominator in (1, 2, 4, 5, 10, 20, 25, 50, 100):
        return str(Decimal(share.numerator) / Decimal(share.denominator))
    return str(share)


def apply_quotas(
    pack: Pack,
    results: Iterable[Result],
    pool: str | QuotaPool | None = None,
    *,
    pool_key: str | None = None,
    outstanding: bool = False,
    party_share: Fraction | Decimal | None = None,
) -> QuotaOutcome:
    """Check one pool instance (all ``results`` belong to it).

    ``outstanding``: the competent level declared the organization outstanding, so the pool's
    ``exception_share`` (if any) is used. ``party_share``: for pools with the NĐ 48 cross-track
    rule, the share of party members rated HTXSNV in the same unit/group.
    """
    results = list(results)
    if pool is None:
        names = {r.pool for r in results if r.pool}
        if len(names) != 1:
            raise InputError(
                "rules.E112", pool="?", detail="results belong to several pools or none"
            )
        pool = names.pop()
    spec = pool if isinstance(pool, QuotaPool) else pack.pools[pool]
    seen: set[str] = set()
    for r in results:
        if r.subject_id in seen:
            raise InputError(
                "rules.E112", pool=spec.name, detail=f"duplicate subject id {r.subject_id!r}"
            )
        seen.add(r.subject_id)
    flags: list[Flag] = []
    share = spec.share
    if outstanding and spec.exception_share is not None:
        share = spec.exception_share
        flags.append(Flag("rules.F008", (("share", _share_text(share)), *_pool_params(spec))))
    rated = [r for r in results if r.status == RATED]
    candidates = sorted((r for r in rated if r.tier == Tier.HTXSNV), key=_sort_key)
    httnv = sum(1 for r in rated if r.tier == Tier.HTTNV)
    allowed = allowed_htxsnv(share, httnv, len(candidates), spec.denominator, spec.rounding)
    denominator = httnv if spec.denominator != "httnv_or_above" else httnv + len(candidates)
    if len(candidates) > allowed:
        flags.append(
            Flag(
                "rules.F001",
                (
                    *_pool_params(spec),
                    ("count", len(candidates)),
                    ("allowed", allowed),
                    ("share", _share_text(share)),
                    ("denominator", denominator),
                ),
            )
        )
    if spec.cross_track == "party_share" and party_share is None:
        # NĐ 48 (S48-SYNC) cannot be checked without the party share: say so, never pass
        # silently.
        flags.append(
            Flag(
                "rules.F010",
                (*_pool_params(spec), ("source", _source_text(spec.cross_track_source))),
            )
        )
    if spec.cross_track == "party_share" and party_share is not None:
        ps = Fraction(party_share)
        sync_allowed = _round(ps * len(rated), "floor")
        if len(candidates) > sync_allowed:
            state_share = Fraction(len(candidates), len(rated)) if rated else Fraction(0)
            flags.append(
                Flag(
                    "rules.F006",
                    (
                        ("state_share", f"{float(state_share):.2%}"),
                        ("party_share", f"{float(ps):.2%}"),
                        *_pool_params(spec),
                        ("allowed", sync_allowed),
                        ("source", _source_text(spec.cross_track_source)),
                        ("confidence", spec.cross_track_confidence),
                    ),
                )
            )
        allowed = min(allowed, sync_allowed)
    ranking = tuple(r.subject_id for r in candidates)
    keep = ranking[:allowed]
    demote = ranking[allowed:]
    step_params = (
        *_pool_params(spec),
        ("count", len(candidates)),
        ("allowed", allowed),
        ("share", _share_text(share)),
        ("denominator", denominator),
    )
    keep_set = set(keep)
    new_results = []
    for r in results:
        if r.status == RATED and r.tier == Tier.HTXSNV:
            held = r.subject_id in keep_set
            values = (
                *_pool_params(spec),
                ("rank", ranking.index(r.subject_id) + 1),
                ("allowed", allowed),
                ("proposed", "keep" if held else "demote"),
                ("source", _source_text(spec.source)),
                ("confidence", spec.confidence),
            )
            step = Step(
                "quota",
                spec.name,
                held,
                values,
                None,
                "rules.F001" if not held else None,
                step_params if not held else (),
            )
            extra = (
                tuple(f for f in flags if f.code in ("rules.F001", "rules.F006"))
                if not held
                else ()
            )
            r = replace(r, trace=(*r.trace, step), flags=(*r.flags, *extra))
        new_results.append(r)
    return QuotaOutcome(
        pool=spec.name,
        pool_key=pool_key if pool_key is not None else _common_key(results),
        share=share,
        denominator_rule=spec.denominator,
        rounding=spec.rounding,
        httnv=httnv,
        candidates=len(candidates),
        allowed=allowed,
        excess=max(0, len(candidates) - allowed),
        ranking=ranking,
        proposed_keep=keep,
        proposed_demote=demote,
        flags=tuple(flags),
        results=tuple(new_results),
        kind=_common_kind(results),
    )


def _common_kind(results: Sequence[Result]) -> str | None:
    kinds = {r.kind for r in results}
    return kinds.pop() if len(kinds) == 1 else None


def _common_key(results: Sequence[Result]) -> str | None:
    keys = {r.pool_key for r in results}
    return keys.pop() if len(keys) == 1 else None


def pool_instance(result: Result) -> tuple[str, str | None, str] | None:
    """The pool instance a result belongs to: (pool, pool_key, kind). Subjects of different
    kinds (a chi bộ and a đảng bộ, members and leaders) are never in the same instance, even
    when their kinds name the same pool and no ``pool_key`` is given."""
    if not result.pool:
        return None
    return (result.pool, result.pool_key, result.kind)


def apply_all_quotas(pack: Pack, results: Iterable[Result], **kwargs: Any) -> list[QuotaOutcome]:
    """Group results by pool instance (pool, pool_key, kind) and check each one."""
    groups: dict[tuple[str, str | None, str], list[Result]] = defaultdict(list)
    for r in results:
        key = pool_instance(r)
        if key is not None:
            groups[key].append(r)
    return [
        apply_quotas(pack, rs, pool, pool_key=key, **kwargs)
        for (pool, key, _kind), rs in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])
        )
    ]


def decide_quota(outcome: QuotaOutcome, keep: Iterable[str]) -> tuple[Result, ...]:
    """Apply the competent level's decision: keep these candidates HTXSNV, the others HTTNV."""
    keep = list(keep)
    keep_set = set(keep)
    candidates = set(outcome.ranking)
    unknown = keep_set - candidates
    if unknown:
        raise InputError(
            "rules.E112", pool=outcome.pool, detail=f"not HTXSNV candidates: {sorted(unknown)}"
        )
    if len(keep_set) > outcome.allowed:
        raise InputError(
            "rules.E112",
            pool=outcome.pool,
            detail=f"keeps {len(keep_set)}, at most {outcome.allowed} allowed",
        )
    out = []
    for r in outcome.results:
        if r.subject_id in candidates and r.subject_id not in keep_set:
            step = Step(
                "quota",
                outcome.pool,
                True,
                (("decision", "demote"), ("before", Tier.HTXSNV), ("after", Tier.HTTNV)),
            )
            r = replace(r, tier=Tier.HTTNV, trace=(*r.trace, step))
        out.append(r)
    return tuple(out)


def party_htxsnv_share(results: Iterable[Result]) -> Fraction:
    """Share of rated party members at HTXSNV (input to the NĐ 48 cross-track rule)."""
    rated = [r for r in results if r.status == RATED]
    if not rated:
        return Fraction(0)
    return Fraction(sum(1 for r in rated if r.tier == Tier.HTXSNV), len(rated))


@dataclass(frozen=True)
class PlaceConflict:
    person_id: str
    results: tuple[Result, ...]
    # Places, lowest tier first: an order for reading, not a proposal — the competent level
    # chooses the final tier (§16.9 C4), the engine never takes the minimum.
    proposed_ranking: tuple[str, ...]
    flag: Flag

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "ratings": [
                {"place": r.place, "subject": r.subject_id, "tier": jsonable(r.tier)}
                for r in self.results
            ],
            "proposed_ranking": list(self.proposed_ranking),
            "flag": self.flag.to_dict(lang),
        }


def reconcile_places(results: Iterable[Result]) -> list[PlaceConflict]:
    """Find persons rated differently in several places (HD 21/HD 43). Nothing is decided:
    each conflict is flagged with the ratings ordered from the lowest (for reading); the
    competent level chooses the final tier (§16.9 C4 — the app's ``cycles.places``)."""
    by_person: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        if r.person_id and r.status == RATED:
            by_person[r.person_id].append(r)
    out = []
    for person, rs in sorted(by_person.items()):
        tiers = {r.tier for r in rs}
        if len(rs) < 2 or len(tiers) < 2:
            continue
        ordered = sorted(rs, key=lambda r: (int(r.tier or 0), r.place or "", r.subject_id))
        text = ", ".join(
            f"{r.place or r.subject_id}: {r.tier.name if r.tier else '—'}" for r in ordered
        )
        flag = Flag("rules.F004", (("person", person), ("count", len(rs)), ("tiers", text)))
        out.append(
            PlaceConflict(
                person,
                tuple(ordered),
                tuple(r.place or r.subject_id for r in ordered),
                flag,
            )
        )
    return out
