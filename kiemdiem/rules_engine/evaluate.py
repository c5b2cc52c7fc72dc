"""Rating one subject: exemption → KHTNV triggers → highest tier whose conditions hold → caps.

Quotas are applied afterwards over a pool of results (``quotas.apply_quotas``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from .errors import InputError
from .messages import message
from .pack import Derived, Kind, Pack, Rule
from .types import NOT_RATED, RATED, UNDETERMINED, Discipline, Level, Tier

SUBJECT_KEYS = {
    "id",
    "kind",
    "period",
    "pool_key",
    "person_id",
    "place",
    "criteria",
    "facts",
    "products",
    "note",
}

# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True, slots=True)
class Product:
    """One product/task of a công chức under NĐ 335 (converted to standard units)."""

    units: Decimal = Decimal(1)
    done: bool = True
    failed_assessments: int = 0
    delays: int = 0
    objective_cause: bool = False


@dataclass(frozen=True, slots=True)
class Subject:
    """One collective or individual to rate. ``facts`` and ``criteria`` hold raw JSON values;
    they are type-checked against the pack when evaluated."""

    id: str
    kind: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    criteria: Mapping[str, Any] = field(default_factory=dict)
    period: str = "year"
    pool_key: str | None = None
    person_id: str | None = None
    place: str | None = None
    products: tuple[Product, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> Subject:
        if not isinstance(data, Mapping):
            raise _malformed(
                "mỗi đối tượng phải là một đối tượng JSON {…}", "a subject must be a JSON object"
            )
        unknown = set(data) - SUBJECT_KEYS
        if unknown:
            allowed = ", ".join(sorted(SUBJECT_KEYS))
            raise _malformed(
                f"khóa không xác định {sorted(unknown)}; cho phép: {allowed}",
                f"unknown keys {sorted(unknown)}; allowed: {allowed}",
            )
        sid, kind = data.get("id"), data.get("kind")
        if not isinstance(sid, str | int) or isinstance(sid, bool) or not isinstance(kind, str):
            raise _malformed("cần có 'id' và 'kind'", "'id' and 'kind' are required")
        if isinstance(sid, int) and not -(10**18) < sid < 10**18:
            raise _malformed(
                "'id' là số quá dài; hãy ghi dạng chuỗi",
                "'id' is a number too long; write it as text",
            )
        facts = data.get("facts", {})
        criteria = data.get("criteria", {})
        if not isinstance(facts, Mapping) or not isinstance(criteria, Mapping):
            raise _malformed(
                "'facts' và 'criteria' phải là đối tượng JSON {…}",
                "'facts' and 'criteria' must be objects",
            )
        products = _products(data.get("products"), str(sid))
        for key in ("period", "pool_key", "person_id", "place"):
            value = data.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, str | int)):
                raise _malformed(f"'{key}' phải là chuỗi", f"'{key}' must be a string")
        return cls(
            id=str(sid),
            kind=kind,
            facts=dict(facts),
            criteria=dict(criteria),
            period=str(data.get("period", "year")),
            pool_key=_opt_str(data.get("pool_key")),
            person_id=_opt_str(data.get("person_id")),
            place=_opt_str(data.get("place")),
            products=tuple(products),
        )


def _malformed(vi: str, en: str) -> InputError:
    """E111 with its detail in both languages (``detail`` stays English for programs)."""
    return InputError("rules.E111", detail=en, detail_vi=vi, detail_en=en)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


PRODUCT_KEYS = ("units", "done", "failed_assessments", "delays", "objective_cause")
MAX_UNITS = Decimal(100_000)
MAX_COUNT = 1_000_000  # failed assessments, delays, and counts of subordinate ratings


def _products(raw: Any, subject_id: str) -> tuple[Product, ...]:
    """NĐ 335 products, strictly typed: ``"done": "no"`` is not true and ``"delays": 2.7`` is
    not 2; each error names the product (``products[3].done``)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(
            "rules.E103",
            field="products",
            subject=subject_id,
            expected="[{…}, …]",
            value=_short_repr(raw),
        )
    out = []
    for i, p in enumerate(raw, 1):
        where = f"products[{i}]"
        if not isinstance(p, Mapping):
            raise InputError(
                "rules.E103", field=where, subject=subject_id, expected="{…}", value=_short_repr(p)
            )
        unknown = sorted(str(k) for k in p if k not in PRODUCT_KEYS)
        if unknown:
            allowed = ", ".join(PRODUCT_KEYS)
            raise _malformed(
                f"{where}: khóa không xác định {unknown[0]!r}; cho phép: {allowed}",
                f"{where}: unknown key {unknown[0]!r}; allowed: {allowed}",
            )

        def bad(
            key: str, expected: str, where: str = where, p: Mapping[str, Any] = p
        ) -> InputError:
            return InputError(
                "rules.E103",
                field=f"{where}.{key}",
                subject=subject_id,
                expected=expected,
                value=_short_repr(p[key]),
            )

        values: dict[str, Any] = {}
        for key in ("done", "objective_cause"):
            if key in p:
                if not isinstance(p[key], bool):
                    raise bad(key, "true/false")
                values[key] = p[key]
        for key in ("failed_assessments", "delays"):
            if key in p:
                n = p[key]
                if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_COUNT:
                    raise bad(key, f"0…{MAX_COUNT}")
                values[key] = n
        if "units" in p:
            units = _decimal_or_none(p["units"])
            if units is None or not 0 < units <= MAX_UNITS:
                raise bad("units", f"> 0 … {MAX_UNITS}")
            values["units"] = units
        out.append(Product(**values))
    return tuple(out)


def _decimal_or_none(raw: Any) -> Decimal | None:
    """A finite Decimal from a JSON number or numeric string, else None (NaN, Infinity, text,
    integers too long to convert)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        return None
    try:
        value = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _short_repr(raw: Any) -> str:
    """The value as the user wrote it, cut short (a value of thousands of characters would
    drown the message)."""
    try:
        text = repr(raw)
    except ValueError:  # an integer too long to print
        return "<…>"
    return text if len(text) <= 60 else text[:57] + "…"


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the trace."""

    stage: str  # require | exemption | trigger | tier | cap | check | quota
    rule_id: str
    held: bool | None
    values: tuple[tuple[str, Any], ...] = ()
    rule: Rule | Derived | None = None  # a derived value's step shows its derivation
    note_code: str | None = None
    note_params: tuple[tuple[str, Any], ...] = ()

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "stage": self.stage,
            "rule": self.rule_id,
            "held": self.held,
            "values": {k: jsonable(v) for k, v in self.values},
        }
        if self.rule is not None:
            r = self.rule
            out["expr"] = r.expr
            if r.tier is not None:
                out["tier"] = r.tier.name
            out["source"] = {
                "doc": r.source.doc,
                "title": r.source.doc_title,
                "clause": r.source.clause,
            }
            out["confidence"] = r.confidence
            if r.origin != "central":
                out["origin"] = r.origin
            if lang:
                out["label"] = r.label(lang)
            else:
                out["label_vi"], out["label_en"] = r.label_vi, r.label_en
        if self.note_code:
            params = dict(self.note_params)
            out["note_code"] = self.note_code
            out["note_params"] = {k: jsonable(v) for k, v in params.items()}
            if lang:
                out["note"] = message(self.note_code, lang, _display_params(params, lang))
        return out


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the competent level must look at; never applied silently."""

    code: str
    params: tuple[tuple[str, Any], ...] = ()
    rule_id: str | None = None

    def message(self, lang: str = "vi") -> str:
        return message(self.code, lang, _display_params(dict(self.params), lang))

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "params": {k: jsonable(v) for k, v in self.params},
        }
        if self.rule_id:
            out["rule"] = self.rule_id
        if lang:
            out["message"] = self.message(lang)
        else:
            out["message_vi"], out["message_en"] = self.message("vi"), self.message("en")
        return out


@dataclass(frozen=True, slots=True)
class Result:
    subject_id: str
    kind: str
    period: str
    pack_id: str
    pack_version: str
    pack_hash: str
    status: str  # rated | not_rated | undetermined
    tier: Tier | None
    raw_tier: Tier | None  # before caps (and before any quota decision)
    decided_by: str | None
    trace: tuple[Step, ...]
    flags: tuple[Flag, ...] = ()
    rank_key: tuple[Any, ...] = ()
    pool: str | None = None
    pool_key: str | None = None
    person_id: str | None = None
    place: str | None = None
    values: tuple[tuple[str, Any], ...] = ()
    # The pack rated under, for the explanation's labels (not part of the value).
    pack: Pack | None = field(default=None, compare=False, repr=False)

    def explain(self, lang: str = "vi", codes: bool = False) -> str:
        """The "Vì sao" text for officials; ``codes=True`` adds rule codes for staff."""
        from .explain import render

        return render(self, lang, codes)

    def to_dict(self, lang: str | None = None, trace: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.subject_id,
            "kind": self.kind,
            "period": self.period,
            "pack": {"id": self.pack_id, "version": self.pack_version, "hash": self.pack_hash},
            "status": self.status,
            "tier": self.tier.name if self.tier else None,
            "raw_tier": self.raw_tier.name if self.raw_tier else None,
            "decided_by": self.decided_by,
            "flags": [f.to_dict(lang) for f in self.flags],
        }
        if self.pool:
            out["pool"] = self.pool
        if self.pool_key:
            out["pool_key"] = self.pool_key
        if self.person_id:
            out["person_id"] = self.person_id
        if self.place:
            out["place"] = self.place
        if self.rank_key:
            out["rank_key"] = [jsonable(v) for v in self.rank_key]
        if trace:
            out["trace"] = [s.to_dict(lang) for s in self.trace]
        return out


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        if isinstance(value, Tier | Level | Discipline):
            return value.name
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, tuple) and len(value) == 4:
        return {t.name: value[t - 1] for t in Tier}
    return str(value)


def _display_params(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    out = {}
    for k, v in params.items():
        out[k] = jsonable(v)
    for k in list(out):  # "fields_vi"/"fields_en": the labels in the language shown
        if k.endswith("_" + lang) and k[: -len(lang) - 1] not in params:
            out[k[: -len(lang) - 1]] = out[k]
    return out


# ---------------------------------------------------------------------------------------------
# Input normalisation


def _norm_value(pack: Pack, name: str, raw: Any, subject_id: str) -> Any:
    spec = pack.fields[name]
    t = spec.type.name
    if raw is None:
        return None
    err = {"field": name, "subject": subject_id, "value": _short_repr(raw)}
    if t == "bool":
        if not isinstance(raw, bool):
            raise InputError("rules.E103", expected="true/false", **err)
        return raw
    if t == "number":
        value = _decimal_or_none(raw)
        if value is None:
            raise InputError("rules.E103", expected="number", **err)
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > spec.scale:
            raise InputError(
                "rules.E105",
                field=name,
                subject=subject_id,
                detail=f"at most {spec.scale} decimal places",
                detail_vi=f"tối đa {spec.scale} chữ số thập phân",
            )
        if (spec.min is not None and value < spec.min) or (
            spec.max is not None and value > spec.max
        ):
            raise InputError(
                "rules.E105",
                field=name,
                subject=subject_id,
                detail=f"{value} not in [{spec.min}, {spec.max}]",
                detail_vi=f"{value} không nằm trong [{spec.min}, {spec.max}]",
            )
        return value
    if t in ("level", "tier", "discipline"):
        enums: dict[str, type[Level] | type[Tier] | type[Discipline]]
        enums = {"level": Level, "tier": Tier, "discipline": Discipline}
        enum = enums[t]
        try:
            return enum.parse(raw)
        except ValueError:
            allowed = "/".join(m.name for m in enum)
            raise InputError("rules.E103", expected=allowed, **err) from None
    if t == "enum":
        if raw not in spec.type.values:
            raise InputError("rules.E103", expected="/".join(spec.type.values), **err)
        return raw
    # counts: {"HTXSNV": n, ...} or a list of tier names
    counts = [0, 0, 0, 0]
    if isinstance(raw, Mapping):
        for key, n in raw.items():
            try:
                tier = Tier.parse(key)
            except ValueError:
                raise InputError("rules.E103", expected='{"HTTNV": n, …}', **err) from None
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_COUNT:
                raise InputError("rules.E103", expected=f'{{"HTTNV": 0…{MAX_COUNT}}}', **err)
            counts[tier - 1] = n
    elif isinstance(raw, list):
        if len(raw) > MAX_COUNT:
            raise InputError("rules.E103", expected=f"at most {MAX_COUNT} ratings", **err)
        for item in raw:
            try:
                counts[Tier.parse(item) - 1] += 1
            except ValueError:
                raise InputError("rules.E103", expected='["HTTNV", …]', **err) from None
    else:
        raise InputError("rules.E103", expected='{"HTTNV": n, …}', **err)
    return tuple(counts)


_Q2 = Decimal("0.01")


def nd335_components(products: Iterable[Product], deduction_pct: Decimal) -> dict[str, Decimal]:
    """Quantity, quality and progress percentages of NĐ 335 task results.

    Quantity = share of standard units completed. Quality and progress start at 100 % for each
    completed product and lose ``deduction_pct`` % per failed assessment with major errors / per
    delay, unless the competent level confirmed an objective cause; never below 0. Each
    percentage is truncated to two decimals (never rounded up).
    """
    products = list(products)
    total = sum((p.units for p in products), Decimal(0))
    done = [p for p in products if p.done]
    done_units = sum((p.units for p in done), Decimal(0))
    if total <= 0:
        return {"qty_pct": Decimal(0), "quality_pct": Decimal(0), "progress_pct": Decimal(0)}

    def pct(count_of: str) -> Decimal:
        if done_units <= 0:
            return Decimal(0)
        acc = Decimal(0)
        for p in done:
            n = 0 if p.objective_cause else getattr(p, count_of)
            acc += p.units * max(Decimal(0), Decimal(100) - deduction_pct * n)
        return (acc / done_units).quantize(_Q2, rounding=ROUND_DOWN)

    return {
        "qty_pct": (done_units * 100 / total).quantize(_Q2, rounding=ROUND_DOWN),
        "quality_pct": pct("failed_assessments"),
        "progress_pct": pct("delays"),
    }


def build_env(
    pack: Pack,
    kind: Kind,
    subject: Subject,
    derived_steps: list[Step] | None = None,
    missing: list[InputError] | None = None,
) -> dict[str, Any]:
    """Type-check the subject against the pack and produce the evaluation environment.

    Derived values computed here are recorded in ``derived_steps`` (for the trace). A required
    value or criterion that is missing raises E102/E108 — unless ``missing`` is given: then the
    error is appended there and the value left unknown, for ``evaluate`` to decide whether it
    matters (an exempt member needs no criteria; a score under 50 needs no task percentages)."""

    def lacking(err: InputError) -> None:
        if missing is None:
            raise err
        missing.append(err)

    sid = subject.id
    if derived_steps is None:
        derived_steps = []
    env: dict[str, Any] = {}
    # Criteria: every criterion of the kind is required; unknown ones are refused.
    for cname, raw in subject.criteria.items():
        if cname not in kind.criteria:
            hint = _hint(cname, list(kind.criteria))
            raise InputError("rules.E107", criterion=cname, subject=sid, kind=kind.name, hint=hint)
        try:
            env["crit." + cname] = Level.parse(raw)
        except ValueError:
            raise InputError(
                "rules.E103",
                field="criteria." + cname,
                subject=sid,
                expected="XS/T/TB/K",
                value=repr(raw),
            ) from None
    for cname in kind.criteria:
        if "crit." + cname not in env:
            lacking(InputError("rules.E108", criterion=cname, subject=sid))
            env["crit." + cname] = None
    facts = dict(subject.facts)
    if "period" in facts:
        raise _malformed(
            "'period' ghi cạnh 'id' và 'kind', không ghi trong 'facts'",
            "'period' is given next to 'id' and 'kind', not in 'facts'",
        )
    if "period" in kind.fields_used:
        facts["period"] = subject.period
    if subject.products and not kind.products:
        raise _malformed(
            f"loại {kind.name} không dùng 'products' (chỉ công chức theo NĐ 335)",
            f"'products' are not read for kind {kind.name} (NĐ 335 công chức only)",
        )
    if subject.products and kind.products:
        deduction = (
            pack.params["nd335_deduction_pct"].value
            if "nd335_deduction_pct" in pack.params
            else Decimal(25)
        )
        components = nd335_components(subject.products, deduction)
        done = [p for p in subject.products if p.done]
        source = (
            pack.params["nd335_deduction_pct"].source.label()
            if "nd335_deduction_pct" in pack.params
            else ""
        )
        derived_steps.append(
            Step(
                "derive",
                "derive:products",
                None,
                (*components.items(), ("$nd335_deduction_pct", deduction), ("source", source)),
                None,
                "trace.products",
                (
                    ("count", len(subject.products)),
                    ("done_units", sum((p.units for p in done), Decimal(0))),
                    ("total_units", sum((p.units for p in subject.products), Decimal(0))),
                    ("deduction", deduction),
                    ("failed", sum(p.failed_assessments for p in done if not p.objective_cause)),
                    ("delays", sum(p.delays for p in done if not p.objective_cause)),
                    ("excused", sum(1 for p in done if p.objective_cause)),
                ),
            )
        )
        for key, value in components.items():
            if key in facts and _decimal_or_none(facts[key]) != value:
                raise InputError(
                    "rules.E109", field=key, given=facts[key], derived=value, subject=sid
                )
            facts[key] = value
    for name, raw in facts.items():
        # A field of another kind is refused too: a party member's answer to a question only
        # collectives are asked (``collective_disciplined``) must not pass unnoticed.
        if name not in kind.fields_used:
            hint = _hint(name, sorted(kind.fields_used))
            raise InputError(
                "rules.E104", field=name, subject=sid, kind=kind.name, pack=pack.id, hint=hint
            )
        env[name] = _norm_value(pack, name, raw, sid)
    # Defaults, derived values, required values.
    for name in kind.fields_used:
        if env.get(name) is not None:
            continue
        spec = pack.fields[name]
        if spec.default is not None:
            env[name] = spec.default
    # Counts checked against their totals (5 disciplined sub-units of 2 are refused).
    for name in facts:
        limit = pack.fields[name].at_most
        if limit and env.get(name) is not None and env.get(limit) is not None:
            if env[name] > env[limit]:
                raise InputError(
                    "rules.E105",
                    field=name,
                    subject=sid,
                    detail=f"{env[name]} > {limit} = {env[limit]}",
                    detail_vi=f"{env[name]} lớn hơn {limit} = {env[limit]}",
                )
    for name, derived in kind.derive.items():
        computed = None
        if all(env.get(dep) is not None for dep in derived.checked.names):
            computed = derived.fn(env)
        given = env.get(name)
        if given is not None:
            if computed is not None and computed != given:
                raise InputError(
                    "rules.E109", field=name, given=given, derived=computed, subject=sid
                )
            continue
        if computed is not None:
            derived_steps.append(
                Step(
                    "derive",
                    derived.id,
                    None,
                    ((name, computed), *((lbl, fn(env)) for lbl, fn in derived.observables)),
                    derived,
                )
            )
            spec = pack.fields[name]
            if (spec.min is not None and computed < spec.min) or (
                spec.max is not None and computed > spec.max
            ):
                raise InputError(
                    "rules.E105",
                    field=name,
                    subject=sid,
                    detail=f"computed {computed} not in [{spec.min}, {spec.max}]",
                    detail_vi=f"giá trị tính được {computed} không nằm trong [{spec.min}, {spec.max}]",
                )
            env[name] = computed
    for name in pack.fields:  # in the pack's order, so the first one missing is named first
        if name in kind.fields_used and env.get(name) is None:
            spec = pack.fields[name]
            if not spec.optional and name in kind.fields_direct:
                # A derived value is named by the missing part the user fills in.
                part = next(iter(_inputs_of(kind, [name], env)), name)
                lacking(InputError("rules.E102", field=part, subject=sid))
            env[name] = None
    return env


def _hint(name: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# ---------------------------------------------------------------------------------------------
# Evaluation


def _step(stage: str, rule: Rule, held: Any, env: Mapping[str, Any]) -> Step:
    values = tuple((label, fn(env)) for label, fn in rule.observables)
    return Step(stage, rule.id, held, values, rule)


def evaluate(pack: Pack, subject: Subject | Mapping[str, Any]) -> Result:
    """Rate one subject under ``pack``; the result carries the tier and the full trace."""
    if not isinstance(subject, Subject):
        subject = Subject.from_dict(subject)
    kind = pack.kind(subject.kind)
    check_period(pack, kind, subject)
    derived_steps: list[Step] = []
    missing: list[InputError] = []
    env = build_env(pack, kind, subject, derived_steps, missing)
    return _evaluate_env(pack, kind, subject, env, derived_steps, missing)


def check_period(pack: Pack, kind: Kind, subject: Subject) -> None:
    if subject.period not in kind.periods:
        hint = ""
        if subject.period == "Q4":
            hint = (
                " — quý IV không xếp loại riêng, gộp vào xếp loại cuối năm (HD 43) / "
                "Q4 is not rated separately; it is folded into the year-end rating (HD 43)"
            )
        raise InputError(
            "rules.E106",
            period=subject.period,
            kind=kind.name,
            pack=pack.id,
            allowed=", ".join(kind.periods),
            hint=hint,
        )


def _evaluate_env(
    pack: Pack,
    kind: Kind,
    subject: Subject,
    env: dict[str, Any],
    trace: list[Step],
    missing: list[InputError] | None = None,
) -> Result:
    """Missing required values (``missing``) are refused only when they could change the
    outcome: not when an exemption holds, nor when a KHTNV trigger holds with every exemption
    definitely not holding."""
    missing = missing or []
    flags: list[Flag] = []
    # 0. Prerequisites (ordering rules such as "the unit is rated before its head").
    for rule in kind.requires:
        held = rule.fn(env)
        trace.append(_step("require", rule, held, env))
        if held is not True:
            if held is None and missing:
                raise missing[0]
            raise InputError("rules.E110", subject=subject.id, rule=rule.id, label=rule.label_en)
    # 1. Exemptions.
    exemption_unknown = False
    for rule in kind.exemptions:
        held = rule.fn(env)
        trace.append(_step("exemption", rule, held, env))
        if held is True:
            if rule.confidence == "unverified":
                flags.append(unverified_flag(rule))
            return _result(pack, kind, subject, env, NOT_RATED, None, None, rule.id, trace, flags)
        exemption_unknown = exemption_unknown or held is None
    if missing and exemption_unknown:
        raise missing[0]
    # 2. KHTNV triggers (all evaluated, so the trace is complete).
    decided_by: str | None = None
    for rule in kind.triggers:
        held = rule.fn(env)
        trace.append(_step("trigger", rule, held, env))
        if held is True and decided_by is None:
            decided_by = rule.id
    if missing and decided_by is None:
        raise missing[0]
    tier: Tier | None = None
    status = RATED
    if decided_by is not None:
        tier = Tier.KHTNV
    else:
        # 3. The highest tier whose conditions all hold.
        for candidate, rules in kind.tiers:
            ok = True
            for rule in rules:
                held = rule.fn(env)
                trace.append(_step("tier", rule, held, env))
                if held is not True:
                    ok = False
            if ok:
                tier = candidate
                decided_by = rules[0].id
                break
        if tier is None:
            if pack.on_no_tier == "khtnv":
                tier = Tier.KHTNV
                decided_by = kind.tiers[-1][1][0].id
            else:
                status = UNDETERMINED
                flags.append(Flag("rules.F002"))
    raw_tier = tier
    held = {s.rule_id: s.held for s in trace if s.stage == "tier"}
    triggered = any(s.stage == "trigger" and s.held is True for s in trace)
    flags.extend(out_of_reach(pack, kind, env, lambda r: held.get(r.id), tier, status, triggered))
    # 4. Caps.
    for rule in kind.caps:
        applies = rule.fn(env)
        cap_value = env.get(rule.cap or "")
        if tier is None or applies is not True:
            trace.append(
                Step("cap", rule.id, applies, _cap_values(rule, env), rule, "trace.cap.skipped")
            )
            continue
        if cap_value is None:
            trace.append(
                Step("cap", rule.id, None, _cap_values(rule, env), rule, "trace.cap.skipped")
            )
            flags.append(cap_flag(pack, rule))
            continue
        params = (("before", tier), ("field", rule.cap), ("cap", cap_value))
        if tier > cap_value:
            trace.append(
                Step(
                    "cap",
                    rule.id,
                    True,
                    _cap_values(rule, env),
                    rule,
                    "trace.cap.applied",
                    (*params, ("after", cap_value)),
                )
            )
            tier = Tier(cap_value)
            decided_by = rule.id
        else:
            trace.append(
                Step(
                    "cap",
                    rule.id,
                    True,
                    _cap_values(rule, env),
                    rule,
                    "trace.cap.not_needed",
                    params,
                )
            )
    # 5. Checks that raise flags for the competent level (e.g. quarterly ratings missing).
    for rule in kind.checks:
        held = rule.fn(env)
        trace.append(_step("check", rule, held, env))
        if held is True:
            flags.append(check_flag(rule))
    if decided_by is not None and status == RATED:
        deciding = _rule_by_id(kind, decided_by)
        if deciding is not None and deciding.confidence == "unverified":
            flags.append(unverified_flag(deciding))
    return _result(pack, kind, subject, env, status, tier, raw_tier, decided_by, trace, flags)


def _rule_params(rule: Rule) -> tuple[tuple[str, Any], ...]:
    """A rule in a flag: its code, and its title in both languages for the message."""
    return (("rule", rule.id), ("rule_vi", rule.label_vi), ("rule_en", rule.label_en))


def cap_flag(pack: Pack, rule: Rule) -> Flag:
    """F003: the linked tier of a cap is not known."""
    spec = pack.fields[rule.cap or ""]
    words = (("field_vi", spec.label("vi")), ("field_en", spec.label("en")))
    return Flag("rules.F003", (("field", rule.cap), *words, *_rule_params(rule)), rule.id)


def check_flag(rule: Rule) -> Flag:
    return Flag(rule.flag or "rules.F009", (*_rule_params(rule), ("label", rule.label_vi)), rule.id)


def unverified_flag(rule: Rule) -> Flag:
    """F007: the rule that decided is not yet checked against the official text."""
    return Flag("rules.F007", _rule_params(rule), rule.id)


def out_of_reach(
    pack: Pack,
    kind: Kind,
    env: Mapping[str, Any],
    verdict: Callable[[Rule], Any],
    tier: Tier | None,
    status: str,
    triggered: bool,
) -> list[Flag]:
    """Flag F011 for the best tier above the result that fails only for want of values: its
    conditions are all true or unknown. Names what to fill in (a missing
    ``shortcomings_remedied_pct`` says HTXSNV is out of reach and why), never quietly.
    ``verdict(rule)`` is the rule's value (from the trace, or computed by the batch path)."""
    if status not in (RATED, UNDETERMINED) or triggered:
        return []  # not rated, or KHTNV by a trigger: no better tier was ever in reach
    for candidate, rules in kind.tiers:
        if tier is not None and candidate <= tier:
            break
        verdicts = [verdict(r) for r in rules]
        if False in verdicts or None not in verdicts:
            continue
        names: list[str] = []
        for r, v in zip(rules, verdicts, strict=True):
            if v is None:
                for name in _inputs_of(
                    kind, r.checked.names | {"crit." + c for c in r.checked.crits}, env
                ):
                    if name not in names:
                        names.append(name)
        if not names:
            continue
        return [
            Flag(
                "rules.F011",
                (
                    ("tier", candidate),
                    ("inputs", ", ".join(names)),
                    ("fields_vi", ", ".join(_input_label(pack, kind, n, "vi") for n in names)),
                    ("fields_en", ", ".join(_input_label(pack, kind, n, "en") for n in names)),
                ),
            )
        ]
    return []


def _inputs_of(kind: Kind, names: Iterable[str], env: Mapping[str, Any]) -> list[str]:
    """The unknown inputs behind ``names``: a derived value is replaced by its missing parts."""
    out: list[str] = []
    for name in sorted(names):
        if env.get(name) is not None:
            continue
        if name in kind.derive:
            parts = _inputs_of(kind, kind.derive[name].checked.names, env)
            out.extend(parts or [name])
        else:
            out.append(name)
    return out


def _input_label(pack: Pack, kind: Kind, name: str, lang: str) -> str:
    if name.startswith("crit."):
        crit = kind.criteria.get(name[5:])
        return crit.label_en if crit and lang == "en" else crit.label_vi if crit else name
    spec = pack.fields.get(name)
    return spec.label(lang) if spec else name


def _cap_values(rule: Rule, env: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    values = [(label, fn(env)) for label, fn in rule.observables]
    if rule.cap and all(label != rule.cap for label, _ in values):
        values.append((rule.cap, env.get(rule.cap)))
    return tuple(values)


def _rule_by_id(kind: Kind, rule_id: str) -> Rule | None:
    for r in kind.rules:
        if r.id == rule_id:
            return r
    return None


def _result(
    pack: Pack,
    kind: Kind,
    subject: Subject,
    env: Mapping[str, Any],
    status: str,
    tier: Tier | None,
    raw_tier: Tier | None,
    decided_by: str | None,
    trace: list[Step],
    flags: list[Flag],
) -> Result:
    rank_key: tuple[Any, ...] = ()
    if status == RATED and kind.rank_by:
        rank_key = tuple(fn(env) for _, fn in kind.rank_by)
    return Result(
        subject_id=subject.id,
        kind=kind.name,
        period=subject.period,
        pack_id=pack.id,
        pack_version=pack.version,
        pack_hash=pack.hash,
        status=status,
        tier=tier,
        raw_tier=raw_tier,
        decided_by=decided_by,
        trace=tuple(trace),
        flags=tuple(flags),
        rank_key=rank_key,
        pool=kind.pool,
        pool_key=subject.pool_key,
        person_id=subject.person_id,
        place=subject.place,
        pack=pack,
    )


def evaluate_many(pack: Pack, subjects: Iterable[Subject | Mapping[str, Any]]) -> list[Result]:
    """Rate subjects one by one (the explained path). For millions, use ``evaluate_batch``."""
    return [evaluate(pack, s) for s in subjects]
