"""Rule packs: versioned data files, validated and compiled when loaded, hashed.

A *central* pack (``packs/<ID>.toml``) holds one regime version. A *local* pack
(``extends = "<ID>"``) specialises a central pack for a province or commune: it may add
criteria, rules and named quota pools and raise thresholds; it may not lower a central
threshold, drop or redefine a central rule, add exemptions or widen a quota. See
``docs/rules-engine.md`` for the format.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import lang
from .errors import PackError
from .messages import CATALOGUE, message
from .types import CONFIDENCES, STAGES, Discipline, Level, Source, Tier

PACKS_DIR = Path(__file__).parent / "packs"

FIELD_TYPES = ("bool", "number", "level", "tier", "discipline", "enum", "counts")
PARAM_TYPES = ("number", "ratio", "level", "tier", "bool")
DIRECTIONS = ("raise", "lower", "fixed")
ROUNDINGS = ("floor", "round_half_up", "ceil")  # strictest first
DENOMINATORS = ("httnv", "httnv_incl_demoted", "httnv_or_above")  # strictest first
TRACKS = ("party", "state")
ON_NO_TIER = ("khtnv", "flag")
PERIODS = ("year", "Q1", "Q2", "Q3", "Q4")
RANKED_TIERS = (Tier.HTXSNV, Tier.HTTNV, Tier.HTNV)

CENTRAL_KEYS = {
    "schema",
    "id",
    "version",
    "track",
    "title_vi",
    "title_en",
    "review_years",
    "on_no_tier",
    "notes",
    "documents",
    "params",
    "fields",
    "quota_pools",
    "kinds",
}
LOCAL_KEYS = {
    "schema",
    "id",
    "extends",
    "version",
    "title_vi",
    "title_en",
    "issuer",
    "notes",
    "documents",
    "params",
    "fields",
    "quota_pools",
    "kinds",
    "drop",
}
KIND_KEYS = {
    "label_vi",
    "label_en",
    "base",
    "periods",
    "pool",
    "rank_by",
    "products",
    "criteria",
    "derive",
    "rules",
    "notes",
}
LOCAL_KIND_KEYS = {"criteria", "rules", "pool", "drop"}
RULE_KEYS = {
    "id",
    "stage",
    "when",
    "tier",
    "cap",
    "flag",
    "label_vi",
    "label_en",
    "source",
    "confidence",
    "note",
}
POOL_KEYS = {
    "label_vi",
    "label_en",
    "share",
    "denominator",
    "rounding",
    "exception_share",
    "cross_track",
    "cross_track_source",
    "cross_track_confidence",
    "refines",
    "source",
    "confidence",
    "note",
}
PARAM_KEYS = {"type", "value", "direction", "label_vi", "label_en", "source", "confidence", "note"}
FIELD_KEYS = {
    "type",
    "min",
    "max",
    "scale",
    "optional",
    "default",
    "values",
    "label_vi",
    "label_en",
    "note",
    "at_most",
}
CRITERION_KEYS = {"label_vi", "label_en", "groups", "note"}
DERIVE_KEYS = {"expr", "label_vi", "label_en", "source", "confidence", "note"}


# ---------------------------------------------------------------------------------------------
# Compiled pack model


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: lang.FieldType
    optional: bool
    default: Any
    min: Decimal | None
    max: Decimal | None
    scale: int
    label_vi: str
    label_en: str
    at_most: str | None = None  # another number field this one may not exceed (a part ≤ its total)

    def label(self, lang_: str = "vi") -> str:
        return (self.label_en if lang_ == "en" else self.label_vi) or self.name


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    value: Any
    direction: str
    source: Source
    confidence: str
    label_vi: str
    label_en: str


@dataclass(frozen=True)
class Criterion:
    name: str
    label_vi: str
    label_en: str
    groups: tuple[str, ...]
    origin: str


@dataclass(frozen=True, eq=False)
class Rule:
    id: str
    stage: str
    kind: str
    expr: str
    checked: lang.Checked
    fn: Callable[[Mapping[str, Any]], Any]
    observables: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...]
    tier: Tier | None
    cap: str | None
    flag: str | None
    label_vi: str
    label_en: str
    source: Source
    confidence: str
    note: str
    origin: str  # "central" or the local pack id

    def label(self, lang_: str = "vi") -> str:
        return self.label_en if lang_ == "en" else self.label_vi


@dataclass(frozen=True)
class QuotaPool:
    name: str
    label_vi: str
    label_en: str
    share: Fraction
    denominator: str
    rounding: str
    exception_share: Fraction | None
    cross_track: str | None
    refines: str | None
    source: Source
    confidence: str
    origin: str
    # The cross-track rule (NĐ 48: state HTXSNV share ≤ party share) has its own source and
    # confidence, distinct from the pool's share rule.
    cross_track_source: Source | None = None
    cross_track_confidence: str | None = None

    def label(self, lang_: str = "vi") -> str:
        return self.label_en if lang_ == "en" else self.label_vi

    def reading(self, lang_: str = "vi") -> str:
        """Which reading of "share × those rated HTTNV" is in force, in words (§15.2)."""
        return message("quota.reading." + self.denominator, lang_)


@dataclass(frozen=True, eq=False)
class Derived:
    """A value computed from others when the input does not give it (e.g. the total score)."""

    name: str
    checked: lang.Checked
    fn: Callable[[Mapping[str, Any]], Any]
    source: Source
    confidence: str
    label_vi: str
    label_en: str
    observables: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...] = ()

    # Duck-typed like Rule for the trace renderer.
    @property
    def id(self) -> str:
        return "derive:" + self.name

    @property
    def expr(self) -> str:
        return self.checked.src

    tier = None
    origin = "central"

    def label(self, lang_: str = "vi") -> str:
        return self.label_en if lang_ == "en" else self.label_vi


@dataclass(frozen=True, eq=False)
class Kind:
    name: str
    label_vi: str
    label_en: str
    periods: tuple[str, ...]
    pool: str | None
    products: bool
    criteria: Mapping[str, Criterion]
    groups: Mapping[str, tuple[str, ...]]
    derive: Mapping[str, Derived]  # in dependency order
    rules: tuple[Rule, ...]
    rank_by: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...]
    rank_exprs: tuple[lang.Checked, ...]
    schema: lang.Schema
    fields_used: frozenset[str]  # every field the kind reads (rules, rank keys, derivations)
    fields_direct: frozenset[str]  # fields read by rules and rank keys (required unless optional)
    # Rules by stage, precomputed for the evaluator.
    requires: tuple[Rule, ...] = ()
    exemptions: tuple[Rule, ...] = ()
    triggers: tuple[Rule, ...] = ()
    tiers: tuple[tuple[Tier, tuple[Rule, ...]], ...] = ()
    caps: tuple[Rule, ...] = ()
    checks: tuple[Rule, ...] = ()

    def label(self, lang_: str = "vi") -> str:
        return self.label_en if lang_ == "en" else self.label_vi


@dataclass(frozen=True, eq=False)
class Pack:
    id: str
    version: str
    track: str
    title_vi: str
    title_en: str
    review_years: tuple[int, int]
    on_no_tier: str
    documents: Mapping[str, Mapping[str, Any]]
    params: Mapping[str, ParamSpec]
    fields: Mapping[str, FieldSpec]
    pools: Mapping[str, QuotaPool]
    kinds: Mapping[str, Kind]
    hash: str
    base: Pack | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""
    issuer: str = ""  # a local pack: the code of the province or unit that issued it

    @property
    def is_local(self) -> bool:
        return self.base is not None

    def title(self, lang_: str = "vi") -> str:
        return self.title_en if lang_ == "en" else self.title_vi

    def rule_count(self) -> int:
        """Distinct rules (a rule inherited by several kinds counts once; a kind's own rule that
        replaces an inherited one with the same id counts separately)."""
        seen = {(r.id, r.origin, r.expr) for k in self.kinds.values() for r in k.rules}
        return len(seen)

    def confidence_counts(self) -> dict[str, int]:
        seen: dict[tuple[str, str, str], str] = {}
        for k in self.kinds.values():
            for r in k.rules:
                seen[(r.id, r.origin, r.expr)] = r.confidence
        out = dict.fromkeys(CONFIDENCES, 0)
        for c in seen.values():
            out[c] += 1
        return out

    def kind(self, name: str) -> Kind:
        from .errors import InputError

        try:
            return self.kinds[name]
        except KeyError:
            raise InputError(
                "rules.E101", kind=name, pack=self.id, allowed=", ".join(self.kinds)
            ) from None

    def info(self) -> PackInfo:
        return PackInfo(
            id=self.id,
            version=self.version,
            track=self.track,
            title_vi=self.title_vi,
            title_en=self.title_en,
            review_years=self.review_years,
            hash=self.hash,
            rule_count=self.rule_count(),
            confidence=self.confidence_counts(),
            kinds=tuple(self.kinds),
            extends=self.base.id if self.base else None,
        )


@dataclass(frozen=True)
class PackInfo:
    id: str
    version: str
    track: str
    title_vi: str
    title_en: str
    review_years: tuple[int, int]
    hash: str
    rule_count: int
    confidence: Mapping[str, int]
    kinds: tuple[str, ...]
    extends: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "track": self.track,
            "title_vi": self.title_vi,
            "title_en": self.title_en,
            "review_years": list(self.review_years),
            "hash": self.hash,
            "rule_count": self.rule_count,
            "confidence": dict(self.confidence),
            "kinds": list(self.kinds),
            "extends": self.extends,
        }


# ---------------------------------------------------------------------------------------------
# Hashing


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def content_hash(data: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Small validators


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PackError("rules.E002", where=where, detail="expected a table")
    return value


def _keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise PackError(
                "rules.E002",
                where=where,
                detail=f"unknown key '{key}' (allowed: {', '.join(sorted(allowed))})",
            )


def _str(data: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
    value = data.get(key)
    if value is None:
        if required:
            raise PackError("rules.E002", where=where, detail=f"missing key '{key}'")
        return ""
    if not isinstance(value, str):
        raise PackError("rules.E002", where=where, detail=f"'{key}' must be a string")
    return value


def _name(value: Any, key: str, where: str) -> str:
    """A name (an id, a base, a pool): a string, else PackError naming the key."""
    if not isinstance(value, str):
        raise PackError("rules.E002", where=where, detail=f"'{key}' must be a string")
    return value


def _names(value: Any, key: str, where: str) -> list[str]:
    """A list of names (periods, rank keys): a list of strings, else PackError naming the key."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PackError("rules.E002", where=where, detail=f"'{key}' must be a list of strings")
    return value


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise PackError("rules.E010", value=value, where=where, allowed=", ".join(allowed))
    return str(value)


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise PackError("rules.E011", where=where, detail=f"{value!r} is not a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise PackError("rules.E011", where=where, detail=f"{value!r} is not a number") from None


def _fraction(value: Any, where: str) -> Fraction:
    if isinstance(value, str) and "/" in value:
        try:
            return Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise PackError("rules.E011", where=where, detail=f"{value!r} is not a ratio") from None
    return Fraction(_decimal(value, where))


def _source(data: Mapping[str, Any], where: str, documents: Mapping[str, Any]) -> Source:
    src = data.get("source")
    if not src:
        raise PackError("rules.E006", where=where)
    if not isinstance(src, dict) or not src.get("doc") or not src.get("clause"):
        raise PackError("rules.E006", where=where)
    _keys(src, {"doc", "clause", "note"}, where + ".source")
    doc = src["doc"]
    if doc not in documents:
        raise PackError("rules.E008", where=where, doc=doc)
    return Source(
        doc=doc,
        clause=str(src["clause"]),
        doc_title=documents[doc].get("title", doc),
        note=str(src.get("note", "")),
    )


def _confidence(data: Mapping[str, Any], where: str) -> str:
    value = data.get("confidence")
    if value not in CONFIDENCES:
        raise PackError("rules.E007", where=where, value=value)
    return str(value)


def _typed_value(ftype: str, value: Any, where: str, values: tuple[str, ...] = ()) -> Any:
    try:
        if ftype == "number":
            return _decimal(value, where)
        if ftype == "ratio":
            return _fraction(value, where)
        if ftype == "bool":
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if ftype == "level":
            return Level.parse(value)
        if ftype == "tier":
            return Tier.parse(value)
        if ftype == "discipline":
            return Discipline.parse(value)
        if ftype == "enum":
            if value not in values:
                raise ValueError(value)
            return value
    except ValueError:
        raise PackError(
            "rules.E011", where=where, detail=f"{value!r} is not a valid {ftype}"
        ) from None
    raise PackError("rules.E011", where=where, detail=f"{ftype} values cannot have a default")


# ---------------------------------------------------------------------------------------------
# Building a pack from (merged) raw data


def _build_documents(raw: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    docs = _table(raw.get("documents", {}), "documents")
    out: dict[str, Mapping[str, Any]] = {}
    for key, doc in docs.items():
        doc = _table(doc, f"documents.{key}")
        _str(doc, "title", f"documents.{key}")
        out[key] = MappingProxyType(dict(doc))
    return out


def _build_params(raw: Mapping[str, Any], documents: Mapping[str, Any]) -> dict[str, ParamSpec]:
    out: dict[str, ParamSpec] = {}
    for name, spec in _table(raw.get("params", {}), "params").items():
        where = f"params.{name}"
        spec = _table(spec, where)
        _keys(spec, PARAM_KEYS, where)
        ptype = _choice(spec.get("type"), PARAM_TYPES, where + ".type")
        if "value" not in spec:
            raise PackError("rules.E002", where=where, detail="missing key 'value'")
        out[name] = ParamSpec(
            name=name,
            type=ptype,
            value=_typed_value(ptype, spec["value"], where + ".value"),
            direction=_choice(spec.get("direction", "fixed"), DIRECTIONS, where + ".direction"),
            source=_source(spec, where, documents),
            confidence=_confidence(spec, where),
            label_vi=_str(spec, "label_vi", where, required=False),
            label_en=_str(spec, "label_en", where, required=False),
        )
    return out


def _build_fields(raw: Mapping[str, Any]) -> dict[str, FieldSpec]:
    out: dict[str, FieldSpec] = {}
    for name, spec in _table(raw.get("fields", {}), "fields").items():
        where = f"fields.{name}"
        spec = _table(spec, where)
        _keys(spec, FIELD_KEYS, where)
        ftype = _choice(spec.get("type"), FIELD_TYPES, where + ".type")
        values: tuple[str, ...] = ()
        if ftype == "enum":
            vals = spec.get("values")
            if not isinstance(vals, list) or not vals or not all(isinstance(v, str) for v in vals):
                raise PackError("rules.E011", where=where, detail="an enum needs 'values'")
            values = tuple(vals)
        default = None
        if "default" in spec:
            default = _typed_value(ftype, spec["default"], where + ".default", values)
        scale = spec.get("scale", 2)
        if not isinstance(scale, int) or not 0 <= scale <= 10:
            raise PackError("rules.E011", where=where, detail="scale must be an integer 0..10")
        out[name] = FieldSpec(
            name=name,
            type=lang.FieldType(ftype, values),
            optional=bool(spec.get("optional", False)),
            default=default,
            min=_decimal(spec["min"], where + ".min") if "min" in spec else None,
            max=_decimal(spec["max"], where + ".max") if "max" in spec else None,
            scale=scale,
            label_vi=_str(spec, "label_vi", where, required=False),
            label_en=_str(spec, "label_en", where, required=False),
            at_most=spec.get("at_most"),
        )
    for spec in out.values():
        if spec.at_most is not None and (
            spec.type.name != "number"
            or spec.at_most not in out
            or out[spec.at_most].type.name != "number"
        ):
            raise PackError(
                "rules.E011",
                where=f"fields.{spec.name}.at_most",
                detail="'at_most' names another number field",
            )
    return out


def _build_pools(
    raw: Mapping[str, Any], documents: Mapping[str, Any], origins: Mapping[str, str]
) -> dict[str, QuotaPool]:
    out: dict[str, QuotaPool] = {}
    for name, spec in _table(raw.get("quota_pools", {}), "quota_pools").items():
        where = f"quota_pools.{name}"
        spec = _table(spec, where)
        _keys(spec, POOL_KEYS, where)
        share = _fraction(spec.get("share"), where + ".share")
        if not 0 <= share <= 1:
            raise PackError("rules.E012", where=where, detail="share must be between 0 and 1")
        exc = spec.get("exception_share")
        exception = _fraction(exc, where + ".exception_share") if exc is not None else None
        if exception is not None and not share <= exception <= 1:
            raise PackError(
                "rules.E012", where=where, detail="exception_share must be between share and 1"
            )
        cross = spec.get("cross_track")
        if cross is not None and cross != "party_share":
            raise PackError("rules.E012", where=where, detail="cross_track must be 'party_share'")
        cross_source = cross_confidence = None
        if cross is not None:
            cross_source = _source(
                {"source": spec.get("cross_track_source")}, where + ".cross_track", documents
            )
            cross_confidence = _confidence(
                {"confidence": spec.get("cross_track_confidence")}, where + ".cross_track"
            )
        elif "cross_track_source" in spec or "cross_track_confidence" in spec:
            raise PackError(
                "rules.E012", where=where, detail="cross_track_source without cross_track"
            )
        out[name] = QuotaPool(
            name=name,
            label_vi=_str(spec, "label_vi", where),
            label_en=_str(spec, "label_en", where),
            share=share,
            denominator=_choice(
                spec.get("denominator", "httnv"), DENOMINATORS, where + ".denominator"
            ),
            rounding=_choice(spec.get("rounding", "floor"), ROUNDINGS, where + ".rounding"),
            exception_share=exception,
            cross_track=cross,
            refines=spec.get("refines"),
            source=_source(spec, where, documents),
            confidence=_confidence(spec, where),
            origin=origins.get(name, "central"),
            cross_track_source=cross_source,
            cross_track_confidence=cross_confidence,
        )
    for pool in out.values():
        if pool.refines is not None and pool.refines not in out:
            raise PackError(
                "rules.E012", where=f"quota_pools.{pool.name}", detail="refines an unknown pool"
            )
    return out


def _lang_error(err: lang.LangError, where: str, src: str) -> PackError:
    if err.kind == "name":
        hint = f" (did you mean '{err.detail}'?)" if err.detail else ""
        return PackError("rules.E003", name=err.name, where=where, hint=hint)
    if err.kind == "type":
        return PackError("rules.E004", where=where, detail=err.detail)
    return PackError("rules.E005", where=where, pos=err.pos, detail=err.detail)


def _compile(
    src: Any, schema: lang.Schema, where: str, want: str | None = "bool"
) -> tuple[lang.Checked, Callable[[Mapping[str, Any]], Any]]:
    if not isinstance(src, str):
        raise PackError("rules.E002", where=where, detail="the expression must be a string")
    try:
        checked = lang.check(src, schema, want)
    except lang.LangError as err:
        raise _lang_error(err, where, src) from None
    return checked, lang.PyCompiler(schema).compile(checked.node)


def _observables(
    checked: lang.Checked, schema: lang.Schema
) -> tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...]:
    """The values shown in the trace for a condition: fields, parameters and function calls."""
    out: list[tuple[str, Callable[[Mapping[str, Any]], Any]]] = []
    seen: set[str] = set()
    compiler = lang.PyCompiler(schema)

    def walk(node: lang.Node) -> None:
        label = ""
        if isinstance(node, lang.Name) and node.name not in lang._CONSTS:
            label = node.name
        elif isinstance(node, lang.Param | lang.Crit):
            label = checked.src[node.start : node.end]
        elif isinstance(node, lang.Call):
            label = checked.src[node.start : node.end]
        if label:
            if label not in seen:
                seen.add(label)
                out.append((label, compiler.compile(node)))
            if isinstance(node, lang.Call):
                return
        for child in _children(node):
            walk(child)

    walk(checked.node)
    return tuple(out)


def _children(node: lang.Node) -> tuple[lang.Node, ...]:
    if isinstance(node, lang.Not | lang.Neg):
        return (node.arg,)
    if isinstance(node, lang.BoolOp | lang.Call):
        return node.args
    if isinstance(node, lang.Cmp | lang.Arith):
        return (node.left, node.right)
    if isinstance(node, lang.Div):
        return (node.left,)
    return ()


def _resolve_kinds(raw_kinds: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Apply ``base`` inheritance inside one pack (base first; own rules replace same ids)."""
    resolved: dict[str, dict[str, Any]] = {}

    def resolve(name: str, stack: tuple[str, ...]) -> dict[str, Any]:
        if name in resolved:
            return resolved[name]
        spec = _table(raw_kinds[name], f"kinds.{name}")
        _keys(spec, KIND_KEYS, f"kinds.{name}")
        base_name = spec.get("base")
        merged: dict[str, Any] = {"criteria": {}, "derive": {}, "rules": []}
        if base_name is not None:
            _name(base_name, "base", f"kinds.{name}")
            if base_name not in raw_kinds or base_name in stack:
                raise PackError("rules.E014", where=f"kinds.{name}", base=base_name)
            base = resolve(base_name, (*stack, name))
            merged = {
                k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                for k, v in base.items()
            }
            for key in ("label_vi", "label_en", "notes"):
                merged.pop(key, None)
        for key, value in spec.items():
            if key == "criteria":
                merged["criteria"].update(_table(value, f"kinds.{name}.criteria"))
            elif key == "derive":
                merged["derive"].update(_table(value, f"kinds.{name}.derive"))
            elif key == "rules":
                if not isinstance(value, list):
                    raise PackError("rules.E002", where=f"kinds.{name}.rules", detail="a list")
                own_ids: set[str | None] = set()
                for rule in value:
                    rule = _table(rule, f"kinds.{name}.rules")
                    rid = rule.get("id")
                    if rid is not None:
                        _name(rid, "id", f"kinds.{name}.rules")
                    if rid in own_ids:
                        raise PackError("rules.E009", rule=rid, where=f"kinds.{name}")
                    own_ids.add(rid)
                    rules = merged["rules"]
                    for i, old in enumerate(rules):
                        if old.get("id") == rid:
                            rules[i] = rule
                            break
                    else:
                        rules.append(rule)
            elif key != "base":
                merged[key] = value
        resolved[name] = merged
        return merged

    for name in raw_kinds:
        resolve(name, ())
    return resolved


def _build_kind(
    name: str,
    spec: Mapping[str, Any],
    fields: Mapping[str, FieldSpec],
    params: Mapping[str, ParamSpec],
    pools: Mapping[str, QuotaPool],
    documents: Mapping[str, Any],
    origins: Mapping[tuple[str, str], str],
) -> Kind:
    where = f"kinds.{name}"
    # Criteria and groups.
    criteria: dict[str, Criterion] = {}
    groups: dict[str, list[str]] = {"all": []}
    for cname, cspec in spec.get("criteria", {}).items():
        cwhere = f"{where}.criteria.{cname}"
        cspec = _table(cspec, cwhere)
        _keys(cspec, CRITERION_KEYS, cwhere)
        cgroups = cspec.get("groups", [])
        if not isinstance(cgroups, list) or not all(isinstance(g, str) for g in cgroups):
            raise PackError("rules.E002", where=cwhere, detail="'groups' must be a list of names")
        criteria[cname] = Criterion(
            cname,
            _str(cspec, "label_vi", cwhere),
            _str(cspec, "label_en", cwhere),
            tuple(cgroups),
            origins.get(("criterion", cname), "central"),
        )
        groups["all"].append(cname)
        for g in cgroups:
            if g == "all":
                raise PackError("rules.E002", where=cwhere, detail="'all' is implicit")
            groups.setdefault(g, []).append(cname)
    if not groups["all"]:
        del groups["all"]
    schema = lang.Schema(
        fields=MappingProxyType({f: s.type for f, s in fields.items()}),
        criteria=tuple(criteria),
        groups=MappingProxyType({g: tuple(c) for g, c in groups.items()}),
        params=MappingProxyType({p: (lang.FieldType(s.type), s.value) for p, s in params.items()}),
    )
    # Derived fields, in dependency order.
    raw_derive = spec.get("derive", {})
    checked_derive: dict[str, lang.Checked] = {}
    derive_meta: dict[str, tuple[Source, str, str, str]] = {}
    for fname, dspec in raw_derive.items():
        dwhere = f"{where}.derive.{fname}"
        dspec = _table(dspec, dwhere)
        _keys(dspec, DERIVE_KEYS, dwhere)
        if fname not in fields:
            raise PackError("rules.E003", name=fname, where=dwhere, hint="")
        checked, _ = _compile(dspec.get("expr"), schema, dwhere, want=fields[fname].type.name)
        checked_derive[fname] = checked
        derive_meta[fname] = (
            _source(dspec, dwhere, documents),
            _confidence(dspec, dwhere),
            _str(dspec, "label_vi", dwhere, required=False),
            _str(dspec, "label_en", dwhere, required=False),
        )
    order: list[str] = []

    def visit(fname: str, stack: tuple[str, ...]) -> None:
        if fname in order:
            return
        if fname in stack:
            raise PackError(
                "rules.E011", where=f"{where}.derive.{fname}", detail="derivation cycle"
            )
        for dep in checked_derive[fname].names:
            if dep in checked_derive:
                visit(dep, (*stack, fname))
        order.append(fname)

    for fname in checked_derive:
        visit(fname, ())
    compiler = lang.PyCompiler(schema)
    derive = {}
    for f in order:
        src_, conf_, lvi_, len_ = derive_meta[f]
        derive[f] = Derived(
            f,
            checked_derive[f],
            compiler.compile(checked_derive[f].node),
            src_,
            conf_,
            lvi_ or fields[f].label_vi,
            len_ or fields[f].label_en,
            _observables(checked_derive[f], schema),
        )
    # Rules.
    rules: list[Rule] = []
    used: set[str] = set()
    for i, rspec in enumerate(spec.get("rules", [])):
        rwhere = f"{where}.rules[{i}]"
        _keys(rspec, RULE_KEYS, rwhere)
        rid = _str(rspec, "id", rwhere)
        rwhere = f"{where}.rules.{rid}"
        stage = _choice(rspec.get("stage"), STAGES, rwhere + ".stage")
        tier = None
        if stage == "tier":
            tier_name = _choice(rspec.get("tier"), tuple(t.name for t in RANKED_TIERS), rwhere)
            tier = Tier[tier_name]
        elif "tier" in rspec:
            raise PackError("rules.E002", where=rwhere, detail="'tier' is only for stage 'tier'")
        cap = None
        if stage == "cap":
            cap = _str(rspec, "cap", rwhere)
            if cap not in fields or fields[cap].type.name != "tier":
                raise PackError(
                    "rules.E003", name=cap, where=rwhere + ".cap", hint=" (a tier field)"
                )
            used.add(cap)
        flag = None
        if stage == "check":
            flag = _str(rspec, "flag", rwhere)
            if flag not in CATALOGUE or not flag.startswith("rules.F"):
                raise PackError(
                    "rules.E010", value=flag, where=rwhere + ".flag", allowed="rules.F…"
                )
        source = _source(rspec, rwhere, documents)
        confidence = _confidence(rspec, rwhere)
        checked, fn = _compile(rspec.get("when"), schema, rwhere + ".when")
        used |= checked.names
        rules.append(
            Rule(
                id=rid,
                stage=stage,
                kind=name,
                expr=checked.src,
                checked=checked,
                fn=fn,
                observables=_observables(checked, schema),
                tier=tier,
                cap=cap,
                flag=flag,
                label_vi=_str(rspec, "label_vi", rwhere),
                label_en=_str(rspec, "label_en", rwhere),
                source=source,
                confidence=confidence,
                note=_str(rspec, "note", rwhere, required=False),
                origin=origins.get(("rule", rid), "central"),
            )
        )
    for tier in RANKED_TIERS:
        if not any(r.tier == tier for r in rules):
            raise PackError("rules.E011", where=where, detail=f"no conditions for tier {tier.name}")
    # Ranking keys (for quota proposals).
    rank_by = []
    rank_exprs = []
    for j, src in enumerate(_names(spec.get("rank_by", []), "rank_by", where)):
        checked, fn = _compile(src, schema, f"{where}.rank_by[{j}]", want=None)
        if checked.type.name not in lang.ORDERED:
            raise PackError(
                "rules.E004", where=f"{where}.rank_by[{j}]", detail="rank keys must be ordered"
            )
        used |= checked.names
        rank_by.append((src, fn))
        rank_exprs.append(checked)
    direct = set(used)
    for d in derive.values():
        used |= d.checked.names
    used |= set(derive)
    pool = spec.get("pool")
    if pool is not None and _name(pool, "pool", where) not in pools:
        raise PackError("rules.E010", value=pool, where=where + ".pool", allowed=", ".join(pools))
    periods = tuple(_names(spec.get("periods", ["year"]), "periods", where))
    for p in periods:
        _choice(p, PERIODS, where + ".periods")
    by_stage: dict[str, list[Rule]] = {s: [] for s in STAGES}
    for r in rules:
        by_stage[r.stage].append(r)
    return Kind(
        name=name,
        label_vi=_str(spec, "label_vi", where),
        label_en=_str(spec, "label_en", where),
        periods=periods,
        pool=pool,
        products=bool(spec.get("products", False)),
        criteria=MappingProxyType(criteria),
        groups=schema.groups,
        derive=MappingProxyType(derive),
        rules=tuple(rules),
        rank_by=tuple(rank_by),
        rank_exprs=tuple(rank_exprs),
        schema=schema,
        fields_used=frozenset(used),
        fields_direct=frozenset(direct),
        requires=tuple(by_stage["require"]),
        exemptions=tuple(by_stage["exemption"]),
        triggers=tuple(by_stage["trigger"]),
        tiers=tuple((t, tuple(r for r in rules if r.tier == t)) for t in RANKED_TIERS),
        caps=tuple(by_stage["cap"]),
        checks=tuple(by_stage["check"]),
    )


def build_pack(
    raw: Mapping[str, Any],
    *,
    hash_: str,
    base: Pack | None = None,
    origins: Mapping[Any, str] | None = None,
    path: str = "",
) -> Pack:
    """Validate and compile merged raw pack data."""
    origins = origins or {}
    where = "pack"
    if raw.get("schema") != 1:
        raise PackError("rules.E002", where=where, detail="'schema' must be 1")
    pack_id = _str(raw, "id", where)
    documents = _build_documents(raw)
    params = _build_params(raw, documents)
    fields = _build_fields(raw)
    pools = _build_pools(
        raw,
        documents,
        {k[1]: v for k, v in origins.items() if isinstance(k, tuple) and k[0] == "pool"},
    )
    years = raw.get("review_years")
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not all(isinstance(y, int) for y in years)
        or years[0] > years[1]
    ):
        raise PackError("rules.E002", where=where, detail="'review_years' must be [from, to]")
    raw_kinds = _table(raw.get("kinds", {}), "kinds")
    if not raw_kinds:
        raise PackError("rules.E002", where=where, detail="a pack needs at least one kind")
    merged_kinds = _resolve_kinds(raw_kinds)
    kinds = {
        name: _build_kind(name, spec, fields, params, pools, documents, origins)
        for name, spec in merged_kinds.items()
    }
    return Pack(
        id=pack_id,
        version=_str(raw, "version", where),
        track=_choice(raw.get("track"), TRACKS, "pack.track"),
        title_vi=_str(raw, "title_vi", where),
        title_en=_str(raw, "title_en", where),
        review_years=(years[0], years[1]),
        on_no_tier=_choice(raw.get("on_no_tier", "khtnv"), ON_NO_TIER, "pack.on_no_tier"),
        documents=MappingProxyType(documents),
        params=MappingProxyType(params),
        fields=MappingProxyType(fields),
        pools=MappingProxyType(pools),
        kinds=MappingProxyType(kinds),
        hash=hash_,
        base=base,
        raw=MappingProxyType(dict(raw)),
        path=path,
    )


# ---------------------------------------------------------------------------------------------
# Local specialisation


def _stricter_or_equal(direction: str, central: Any, local: Any) -> bool:
    if direction == "raise":
        return bool(local >= central)
    if direction == "lower":
        return bool(local <= central)
    return bool(local == central)


def merge_local(base: Pack, local: Mapping[str, Any]) -> tuple[dict[str, Any], dict[Any, str]]:
    """Merge a local pack onto its central base, refusing anything that loosens it.

    Returns the merged raw data and the origin of every added item (for the trace).
    """
    lid = _str(local, "id", "pack")
    where = f"local pack {lid}"
    for key in ("track", "review_years", "on_no_tier"):
        if key in local:
            raise PackError("rules.E025", what=f"'{key}' (set by the central pack)", where=where)
    _keys(local, LOCAL_KEYS, where)
    if local.get("drop"):
        first = local["drop"][0] if isinstance(local["drop"], list) else local["drop"]
        raise PackError("rules.E022", rule=first, where=where)
    raw = json.loads(canonical_json(dict(base.raw)))  # deep copy
    origins: dict[Any, str] = {}
    raw["id"] = lid
    raw["version"] = _str(local, "version", where)
    raw["title_vi"] = _str(local, "title_vi", where)
    raw["title_en"] = _str(local, "title_en", where)
    for key, value in _table(local.get("documents", {}), "documents").items():
        if key in raw.get("documents", {}):
            raise PackError("rules.E025", what=f"document {key}", where=where)
        raw.setdefault("documents", {})[key] = value
    for key, value in _table(local.get("fields", {}), "fields").items():
        if key in raw.get("fields", {}):
            raise PackError("rules.E025", what=f"field {key}", where=where)
        raw.setdefault("fields", {})[key] = value
    # Parameters: central ones may only move in their strict direction; new ones are local.
    for name, spec in _table(local.get("params", {}), "params").items():
        spec = _table(spec, f"params.{name}")
        if name in base.params:
            central = base.params[name]
            extra = set(spec) - {"value", "note"}
            if extra:
                raise PackError(
                    "rules.E025", what=f"param {name} ({', '.join(sorted(extra))})", where=where
                )
            value = _typed_value(central.type, spec.get("value"), f"params.{name}.value")
            if not _stricter_or_equal(central.direction, central.value, value):
                raise PackError(
                    "rules.E021",
                    param=name,
                    central=_value_text(central.value),
                    local=_value_text(value),
                    direction=central.direction,
                    allowed_vi=_DIRECTION_TEXT[central.direction][0],
                    allowed_en=_DIRECTION_TEXT[central.direction][1],
                )
            raw["params"][name]["value"] = spec["value"]
        else:
            raw.setdefault("params", {})[name] = spec
    # Quota pools: existing ones may only narrow; new ones must refine a central pool.
    for name, spec in _table(local.get("quota_pools", {}), "quota_pools").items():
        spec = _table(spec, f"quota_pools.{name}")
        _keys(spec, POOL_KEYS, f"quota_pools.{name}")
        if name in base.pools:
            central_pool = base.pools[name]
            merged_spec = dict(raw["quota_pools"][name])
            for key in ("share", "denominator", "rounding", "exception_share", "note"):
                if key in spec:
                    merged_spec[key] = spec[key]
            extra = set(spec) - {"share", "denominator", "rounding", "exception_share", "note"}
            if extra:
                raise PackError("rules.E025", what=f"quota pool {name}", where=where)
        else:
            parent_name = spec.get("refines")
            if not isinstance(parent_name, str) or parent_name not in base.pools:
                raise PackError(
                    "rules.E023",
                    pool=name,
                    detail="a new local pool must refine a central pool ('refines')",
                )
            central_pool = base.pools[parent_name]
            merged_spec = dict(raw["quota_pools"][parent_name])
            merged_spec.update(spec)
            origins[("pool", name)] = lid
        _check_pool_narrower(name, central_pool, merged_spec)
        raw["quota_pools"][name] = merged_spec
    # Kinds: add criteria and rules, choose a refining pool; never drop or redefine.
    for kname, kspec in _table(local.get("kinds", {}), "kinds").items():
        kwhere = f"{where}, kinds.{kname}"
        if kname not in base.kinds:
            raise PackError("rules.E025", what=f"subject kind {kname} (new kind)", where=where)
        kspec = _table(kspec, f"kinds.{kname}")
        for key in kspec:
            if key not in LOCAL_KIND_KEYS:
                raise PackError("rules.E025", what=f"'{key}' of kind {kname}", where=where)
        if kspec.get("drop"):
            first = kspec["drop"][0] if isinstance(kspec["drop"], list) else kspec["drop"]
            raise PackError("rules.E022", rule=first, where=kwhere)
        central_kind = base.kinds[kname]
        target = raw["kinds"][kname]
        all_criteria = {c for k in base.kinds.values() for c in k.criteria}
        for cname, cspec in _table(kspec.get("criteria", {}), "criteria").items():
            if cname in all_criteria:
                raise PackError("rules.E024", rule=f"criterion {cname}", where=kwhere)
            target.setdefault("criteria", {})[cname] = cspec
            origins[("criterion", cname)] = lid
        central_ids = {r.id for k in base.kinds.values() for r in k.rules}
        local_rules = kspec.get("rules", [])
        if not isinstance(local_rules, list):
            raise PackError("rules.E002", where=f"kinds.{kname}.rules", detail="a list")
        for rspec in local_rules:
            rspec = _table(rspec, f"kinds.{kname}.rules")
            rid = _str(rspec, "id", f"kinds.{kname}.rules")
            if rid in central_ids:
                raise PackError("rules.E024", rule=rid, where=kwhere)
            if rspec.get("stage") == "exemption":
                raise PackError("rules.E025", what=f"exemptions (rule {rid})", where=kwhere)
            target.setdefault("rules", []).append(rspec)
            origins[("rule", rid)] = lid
        if "pool" in kspec:
            new_pool = _name(kspec["pool"], "pool", f"kinds.{kname}")
            cur = central_kind.pool
            chain = []
            probe: Any = new_pool
            while probe is not None:
                chain.append(probe)
                probe = (raw["quota_pools"].get(probe) or {}).get("refines")
            if cur is not None and cur not in chain:
                raise PackError(
                    "rules.E023",
                    pool=new_pool,
                    detail=f"kind {kname} must keep pool {cur} or a pool refining it",
                )
            target["pool"] = new_pool
    # Kinds that inherit from a specialised kind (``base``) receive its local additions too,
    # because inheritance is resolved again when the merged pack is built.
    return raw, origins


_DIRECTION_TEXT = {
    "raise": ("chỉ được nâng lên", "it may only be raised"),
    "lower": ("chỉ được hạ xuống", "it may only be lowered"),
    "fixed": ("không được thay đổi", "it may not change"),
}


def _value_text(value: Any) -> str:
    """A threshold as people write it: 0.2 rather than 1/5 (exact fractions such as 2/3 kept)."""
    if isinstance(value, Fraction):
        d = value.denominator
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        if d == 1:
            return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _check_pool_narrower(name: str, central: QuotaPool, spec: Mapping[str, Any]) -> None:
    share = _fraction(spec.get("share"), f"quota_pools.{name}.share")
    if share > central.share:
        raise PackError(
            "rules.E023",
            pool=name,
            detail=f"share {_value_text(share)} > central {_value_text(central.share)}",
        )
    rounding = spec.get("rounding", "floor")
    if rounding not in ROUNDINGS or ROUNDINGS.index(rounding) > ROUNDINGS.index(central.rounding):
        raise PackError(
            "rules.E023", pool=name, detail=f"rounding {rounding} is looser than {central.rounding}"
        )
    denominator = spec.get("denominator", "httnv")
    if denominator not in DENOMINATORS or DENOMINATORS.index(denominator) > DENOMINATORS.index(
        central.denominator
    ):
        raise PackError(
            "rules.E023",
            pool=name,
            detail=f"denominator {denominator} is wider than {central.denominator}",
        )
    exc = spec.get("exception_share")
    if exc is not None:
        exc_f = _fraction(exc, f"quota_pools.{name}.exception_share")
        if central.exception_share is None or exc_f > central.exception_share:
            raise PackError(
                "rules.E023", pool=name, detail="exception share wider than the central one"
            )


# ---------------------------------------------------------------------------------------------
# Loading


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as err:
        raise PackError("rules.E001", path=str(path), detail=err.strerror or str(err)) from None
    except tomllib.TOMLDecodeError as err:
        raise PackError("rules.E001", path=str(path), detail=str(err)) from None
    except UnicodeDecodeError as err:  # never echo the bytes: name the position
        detail = f"not UTF-8 (byte at position {err.start + 1})"
        raise PackError("rules.E001", path=str(path), detail=detail) from None
    except RecursionError:
        raise PackError("rules.E001", path=str(path), detail="nested too deeply") from None


def parse_pack_text(text: str, *, path: str = "<text>") -> dict[str, Any]:
    """Parse a pack's TOML text (as stored in the database), with the errors of ``_read_toml``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PackError("rules.E001", path=path, detail=str(err)) from None
    except RecursionError:
        raise PackError("rules.E001", path=path, detail="nested too deeply") from None


def loads_pack_text(text: str, *, path: str = "<text>") -> Pack:
    """Build a pack (central or local) from its TOML text. A value of a type the checks above
    did not foresee (a table where a string belongs, …) is a PackError too, never a traceback:
    the text comes from a person (``manage.py load_rule_pack``)."""
    data = parse_pack_text(text, path=path)
    try:
        return loads_pack(data, path=path)
    except (TypeError, AttributeError, KeyError, IndexError) as err:
        detail = f"a value of the wrong type ({type(err).__name__}: {err})"
        raise PackError("rules.E002", where=path, detail=detail) from None


def error_line(text: str, error: PackError) -> int | None:
    """The line of ``text`` an error is about, as far as it can be told: the line a TOML
    syntax error names, else the line that declares the rule, pool, parameter, field or key
    the error names (the first match). ``None`` when nothing points at a line."""
    detail = str(error.params.get("detail", ""))
    m = re.search(r"at line (\d+)", detail)
    if m:
        return int(m.group(1))
    lines = text.splitlines()
    needles: list[str] = []
    for key in ("rule", "pool", "param", "doc", "base", "what", "where"):
        value = error.params.get(key)
        if not isinstance(value, str) or not value:
            continue
        words = re.findall(r"[A-Za-z0-9_.\-]+", value)
        needles += [w for w in words if len(w) > 2 and w not in _NOT_NEEDLES]
    for needle in needles:
        last = needle.rsplit(".", 1)[-1]
        patterns = (
            rf'^\s*id\s*=\s*["\']{re.escape(last)}["\']',
            rf"^\s*\[\[?[^\]]*\b{re.escape(needle)}\]\]?\s*$",
            rf"^\s*\[\[?[^\]]*\b{re.escape(last)}\]\]?\s*$",
            rf"^\s*{re.escape(last)}\s*=",
            rf'["\']{re.escape(last)}["\']',
        )
        for pattern in patterns:
            for number, line in enumerate(lines, start=1):
                if re.search(pattern, line):
                    return number
    return None


_NOT_NEEDLES = {"pack", "local", "kinds", "rules", "the", "new", "kind", "set", "central"}


def loads_pack(data: Mapping[str, Any], *, path: str = "") -> Pack:
    """Build a pack (central or local) from already-parsed data."""
    if "extends" in data:
        base_id = data["extends"]
        if not isinstance(base_id, str):
            raise PackError(
                "rules.E002",
                where="pack.extends",
                detail="'extends' must be a string: the id of a central pack",
            )
        try:
            base = load_pack(base_id)
        except PackError:
            raise PackError("rules.E020", where=data.get("id", path), base=base_id) from None
        if base.is_local:
            raise PackError("rules.E020", where=data.get("id", path), base=base_id)
        merged, origins = merge_local(base, data)
        issuer = data.get("issuer", "")
        if not isinstance(issuer, str):
            raise PackError("rules.E002", where="pack.issuer", detail="'issuer' must be a string")
        digest = content_hash({"base": base.hash, "local": data})
        pack = build_pack(merged, hash_=digest, base=base, origins=origins, path=path)
        return replace(pack, issuer=issuer.strip())
    _keys(data, CENTRAL_KEYS, "pack")
    return build_pack(data, hash_=content_hash(data), path=path)


def load_pack_file(path: str | Path) -> Pack:
    """Load and validate a pack file (central or local)."""
    path = Path(path)
    return loads_pack(_read_toml(path), path=str(path))


def _pack_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(PACKS_DIR.glob("*.toml"))}


@cache
def load_pack(pack_id: str) -> Pack:
    """Load a shipped central pack by id (cached; packs are immutable)."""
    files = _pack_files()
    if pack_id not in files:
        raise PackError("rules.E013", pack=pack_id, allowed=", ".join(files))
    pack = load_pack_file(files[pack_id])
    if pack.id != pack_id:
        raise PackError(
            "rules.E002", where=str(files[pack_id]), detail=f"id '{pack.id}' ≠ file name"
        )
    return pack


def available_packs() -> list[PackInfo]:
    """Every shipped pack, with version, hash and rule count."""
    return [load_pack(pid).info() for pid in _pack_files()]


def select_pack(track: str, year: int, kind: str | None = None) -> Pack:
    """The central pack in force for ``track`` ('party' or 'state') in review ``year``. A
    province's local pack is never chosen here: it is pinned to a cycle over the central pin
    it extends (``cycles.services.cycle_pin_local_pack``) and found by
    ``reviews.engine.pin_of``."""
    return _select_central(track, year, kind)


def _select_central(track: str, year: int, kind: str | None = None) -> Pack:
    matches = []
    for pid in _pack_files():
        pack = load_pack(pid)
        lo, hi = pack.review_years
        if pack.track == track and lo <= year <= hi and (kind is None or kind in pack.kinds):
            matches.append(pack)
    if not matches:
        raise PackError(
            "rules.E013", pack=f"{track}/{year}/{kind or '*'}", allowed=", ".join(_pack_files())
        )
    return max(matches, key=lambda p: p.review_years[0])


def pack_warnings(pack: Pack) -> list[dict[str, Any]]:
    """Non-fatal findings (``rules.W0xx``), as for ``kiemdiem packs check``."""
    from .messages import message

    out = []
    unverified = pack.confidence_counts()["unverified"]
    if unverified:
        params = {"count": unverified}
        out.append(
            {
                "code": "rules.W001",
                "params": params,
                "message_vi": message("rules.W001", "vi", params),
                "message_en": message("rules.W001", "en", params),
            }
        )
    return out
