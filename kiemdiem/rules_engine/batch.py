"""Batch evaluation: a pack's kind compiled to one DuckDB SQL query.

The query computes, for every row, the same ``status``, ``tier``, ``raw_tier`` and
``decided_by`` as ``evaluate`` (property tests check this on generated inputs). It carries no
trace: use it for what-if analysis over millions of subjects, then ``evaluate`` the few you
want explained.

Input columns (see ``batch_columns``): ``id``; one column per field the kind reads, named as
the field (numbers DECIMAL, booleans BOOLEAN, tiers/levels/discipline as small integers
1..4 / 0..4, enums VARCHAR); ``crit__<criterion>`` per criterion (1 = K … 4 = XS); and
``<field>__khtnv``, ``<field>__htnv``, ``<field>__httnv``, ``<field>__htxsnv`` per counts field.
Defaults declared in the pack are applied to NULLs; derived fields are computed when NULL.
Rows must be valid (use ``load_subjects`` to validate and load subject dicts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from . import lang
from .errors import InputError
from .evaluate import (
    Flag,
    Result,
    Subject,
    build_env,
    cap_flag,
    check_flag,
    check_period,
    evaluate,
    out_of_reach,
    unverified_flag,
)
from .pack import Kind, Pack
from .types import NOT_RATED, RATED, UNDETERMINED, Discipline, Level, Tier

TIER_NAMES_SQL = "['KHTNV', 'HTNV', 'HTTNV', 'HTXSNV']"


def _sql_type(pack: Pack, name: str) -> str:
    spec = pack.fields[name]
    t = spec.type.name
    if t == "bool":
        return "BOOLEAN"
    if t == "number":
        return f"DECIMAL(18, {spec.scale})"
    if t in ("level", "tier", "discipline"):
        return "TINYINT"
    if t == "enum":
        return "VARCHAR"
    raise AssertionError(t)  # counts handled by the caller


def batch_columns(pack: Pack, kind: str | Kind) -> list[tuple[str, str]]:
    """Column names and DuckDB types of the batch input for ``kind``."""
    k = pack.kind(kind) if isinstance(kind, str) else kind
    cols: list[tuple[str, str]] = [("id", "VARCHAR")]
    for name in sorted(k.fields_used):
        if pack.fields[name].type.name == "counts":
            cols.extend((c, "INTEGER") for c in lang.counts_columns(name))
        else:
            cols.append((name, _sql_type(pack, name)))
    cols.extend((lang.crit_column(c), "TINYINT") for c in k.criteria)
    return cols


class _KindSql:
    def __init__(self, pack: Pack, kind: Kind) -> None:
        self.pack = pack
        self.kind = kind
        self.compiler = lang.SqlCompiler(kind.schema, self.field_sql)
        self._cache: dict[str, str] = {}

    def field_sql(self, name: str) -> str:
        if name in self._cache:
            return self._cache[name]
        spec = self.pack.fields[name]
        col = lang.quote(name)
        expr = col
        if name in self.kind.derive:
            derived = self.compiler.compile(self.kind.derive[name].checked.node)
            expr = f"COALESCE({col}, {derived})"
        elif spec.default is not None:
            expr = f"COALESCE({col}, {lang.sql_literal(spec.default)})"
        self._cache[name] = expr
        return expr

    def cond(self, rule_expr: lang.Checked) -> str:
        return self.compiler.compile(rule_expr.node)


def compile_sql(pack: Pack, kind: str | Kind, source: str) -> str:
    """SQL computing status/tier/raw_tier/decided_by for every row of ``source``
    (a table name or a parenthesised query)."""
    k = pack.kind(kind) if isinstance(kind, str) else kind
    ks = _KindSql(pack, k)

    def holds(expr: str) -> str:
        return f"COALESCE({expr}, FALSE)"

    inner: list[str] = ['"id"']
    # Requires: the id of the first that does not hold.
    if k.requires:
        whens = " ".join(f"WHEN NOT {holds(ks.cond(r.checked))} THEN '{r.id}'" for r in k.requires)
        inner.append(f"CASE {whens} ELSE NULL END AS _req")
    else:
        inner.append("NULL::VARCHAR AS _req")
    if k.exemptions:
        whens = " ".join(f"WHEN {holds(ks.cond(r.checked))} THEN '{r.id}'" for r in k.exemptions)
        inner.append(f"CASE {whens} ELSE NULL END AS _ex")
    else:
        inner.append("NULL::VARCHAR AS _ex")
    if k.triggers:
        whens = " ".join(f"WHEN {holds(ks.cond(r.checked))} THEN '{r.id}'" for r in k.triggers)
        inner.append(f"CASE {whens} ELSE NULL END AS _trig")
    else:
        inner.append("NULL::VARCHAR AS _trig")
    for tier, rules in k.tiers:
        conj = " AND ".join(holds(ks.cond(r.checked)) for r in rules)
        inner.append(f"({conj}) AS _t{int(tier)}")
    for i, cap in enumerate(k.caps):
        inner.append(f"{holds(ks.cond(cap.checked))} AS _capon{i}")
        inner.append(f"{lang.quote(cap.cap or '')} AS _capv{i}")
    # Tier before caps.
    fallback_tier = "1" if pack.on_no_tier == "khtnv" else "NULL"
    fallback_rule = f"'{k.tiers[-1][1][0].id}'" if pack.on_no_tier == "khtnv" else "NULL"
    tier_whens = " ".join(f"WHEN _t{int(t)} THEN {int(t)}" for t, _ in k.tiers)
    rule_whens = " ".join(f"WHEN _t{int(t)} THEN '{rules[0].id}'" for t, rules in k.tiers)
    mid = [
        '"id"',
        "_req",
        "CASE WHEN _req IS NOT NULL THEN 'invalid' WHEN _ex IS NOT NULL THEN 'not_rated' "
        f"WHEN _trig IS NOT NULL THEN 'rated' WHEN {' OR '.join(f'_t{int(t)}' for t, _ in k.tiers)} "
        f"THEN 'rated' ELSE '{'rated' if pack.on_no_tier == 'khtnv' else 'undetermined'}' "
        "END AS status",
        "CASE WHEN _req IS NOT NULL OR _ex IS NOT NULL THEN NULL WHEN _trig IS NOT NULL THEN 1 "
        f"{tier_whens} ELSE {fallback_tier} END::TINYINT AS raw_tier",
        "CASE WHEN _req IS NOT NULL THEN _req WHEN _ex IS NOT NULL THEN _ex "
        f"WHEN _trig IS NOT NULL THEN _trig {rule_whens} ELSE {fallback_rule} END AS decided_by",
    ]
    for i in range(len(k.caps)):
        mid.extend([f"_capon{i}", f"_capv{i}"])
    sql = f"SELECT {', '.join(inner)} FROM {source}"
    sql = f"SELECT {', '.join(mid)} FROM ({sql})"
    # Caps, one layer each (a later cap sees the tier after earlier caps).
    tier_col = "raw_tier"
    for i, cap in enumerate(k.caps):
        lowered = f"(_capon{i} AND _capv{i} IS NOT NULL AND {tier_col} IS NOT NULL AND {tier_col} > _capv{i})"
        keep = ['"id"', "_req", "status", "raw_tier"] + [
            f"_capon{j}, _capv{j}" for j in range(i + 1, len(k.caps))
        ]
        sql = (
            f"SELECT {', '.join(keep)}, "
            f"CASE WHEN {lowered} THEN _capv{i} ELSE {tier_col} END::TINYINT AS tier_{i}, "
            f"CASE WHEN {lowered} THEN '{cap.id}' ELSE decided_by END AS decided_by "
            f"FROM ({sql})"
        )
        # Rename tier_i -> the working tier column for the next layer.
        tier_col = f"tier_{i}"
        sql = f"SELECT * EXCLUDE ({tier_col}), {tier_col} AS t_cur FROM ({sql})"
        tier_col = "t_cur"
    final_tier = tier_col if k.caps else "raw_tier"
    return (
        'SELECT "id", status, '
        f"CASE WHEN {final_tier} IS NULL THEN NULL ELSE {TIER_NAMES_SQL}[{final_tier}] END AS tier, "
        f"CASE WHEN raw_tier IS NULL THEN NULL ELSE {TIER_NAMES_SQL}[raw_tier] END AS raw_tier, "
        f"decided_by FROM ({sql})"
    )


def _connect(con: Any = None) -> Any:
    import duckdb

    return con if con is not None else duckdb.connect()


def _row_value(value: Any) -> Any:
    if isinstance(value, Tier | Level | Discipline):
        return int(value)
    return value


def subject_row(pack: Pack, kind: Kind, subject: Subject | Mapping[str, Any]) -> list[Any]:
    """Validate one subject (as ``evaluate`` does) and turn it into a batch input row.
    Derived values not given in the input are left NULL so the SQL computes them."""
    if not isinstance(subject, Subject):
        subject = Subject.from_dict(subject)
    return _row_of(pack, kind, subject, build_env(pack, kind, subject), subject.id)


def _row_of(
    pack: Pack, kind: Kind, subject: Subject, env: Mapping[str, Any], row_id: str
) -> list[Any]:
    given = set(subject.facts)
    row: list[Any] = [row_id]
    for name in sorted(kind.fields_used):
        value = env.get(name)
        if name in kind.derive and name not in given:
            value = None
        if pack.fields[name].type.name == "counts":
            row.extend(value if value is not None else (None, None, None, None))
        else:
            row.append(_row_value(value))
    row.extend(int(env["crit." + c]) for c in kind.criteria)
    return row


def load_subjects(
    pack: Pack,
    kind: str,
    subjects: Iterable[Subject | Mapping[str, Any]],
    *,
    con: Any = None,
    table: str = "subjects",
) -> Any:
    """Validate subject dicts and load them into a DuckDB table; returns the connection."""
    con = _connect(con)
    k = pack.kind(kind)
    cols = batch_columns(pack, k)
    col_sql = ", ".join(f"{lang.quote(n)} {t}" for n, t in cols)
    con.execute(f"CREATE OR REPLACE TABLE {lang.quote(table)} ({col_sql})")
    rows = [subject_row(pack, k, s) for s in subjects]
    if rows:
        marks = ", ".join("?" for _ in cols)
        con.executemany(f"INSERT INTO {lang.quote(table)} VALUES ({marks})", rows)
    return con


def evaluate_batch(
    pack: Pack,
    kind: str,
    source: str | Iterable[Subject | Mapping[str, Any]],
    *,
    con: Any = None,
) -> Any:
    """Rate every row of ``source`` (a table/view name in ``con``, or subject dicts).

    Returns a DuckDB relation with columns id, status, tier, raw_tier, decided_by.
    """
    con = _connect(con)
    if isinstance(source, str):
        table = lang.quote(source)
    else:
        load_subjects(pack, kind, source, con=con, table="_kiemdiem_batch")
        table = lang.quote("_kiemdiem_batch")
    return con.sql(compile_sql(pack, kind, table))


def quota_summary_sql(
    results_sql: str,
    pool_key_column: str,
    share: Fraction = Fraction(1, 5),
    denominator: str = "httnv",
) -> str:
    """Per pool instance: HTTNV count ``h``, HTXSNV candidates ``c`` and the allowed number
    with floor rounding, in integer arithmetic — the closed forms of ``quotas.allowed_htxsnv``:
    ``httnv`` ``min(c, floor(s·h))``; ``httnv_incl_demoted`` ``min(c, floor(s(h+c)/(1+s)))``;
    ``httnv_or_above`` ``min(c, floor(s(h+c)))``."""
    key = lang.quote(pool_key_column)
    p, q = share.numerator, share.denominator
    allowed = {
        "httnv": f"LEAST(c, ({p} * h) // {q})",
        "httnv_incl_demoted": f"LEAST(c, ({p} * (h + c)) // ({q} + {p}))",
        "httnv_or_above": f"LEAST(c, ({p} * (h + c)) // {q})",
    }[denominator]
    return (
        f"SELECT {key}, h, c, {allowed}::INTEGER AS allowed, "
        f"(c - {allowed})::INTEGER AS excess "
        f"FROM (SELECT {key}, count(*) FILTER (tier = 'HTTNV') AS h, "
        f"count(*) FILTER (tier = 'HTXSNV') AS c FROM ({results_sql}) GROUP BY {key})"
    )


# ---------------------------------------------------------------------------------------------
# Results without a trace, through the compiled query (``kiemdiem rate --no-trace``)


def rate_without_trace(
    pack: Pack, subjects: Sequence[Subject | Mapping[str, Any]], *, con: Any = None
) -> list[Result | InputError]:
    """Rate subjects through the compiled query: for each, the ``Result`` ``evaluate`` gives
    (same status, tiers, deciding rule, flags and rank keys) without its trace, or the
    ``InputError`` that rejects it. Validation is the one ``evaluate`` does; a subject that
    lacks values it may not need (an exempt member without criteria) goes through
    ``evaluate``, which decides whether they matter. Tests check both paths agree."""
    out: list[Result | InputError | None] = [None] * len(subjects)
    by_kind: dict[str, list[tuple[int, Subject, dict[str, Any]]]] = {}
    for i, raw in enumerate(subjects):
        try:
            subject = raw if isinstance(raw, Subject) else Subject.from_dict(raw)
            kind = pack.kind(subject.kind)
            check_period(pack, kind, subject)
            try:
                env = build_env(pack, kind, subject)
            except InputError as err:
                if err.code not in ("rules.E102", "rules.E108"):
                    raise
                out[i] = evaluate(pack, subject)
                continue
        except InputError as err:
            out[i] = err
            continue
        by_kind.setdefault(kind.name, []).append((i, subject, env))
    con = _connect(con)
    for kind_name, items in by_kind.items():
        kind = pack.kind(kind_name)
        cols = batch_columns(pack, kind)
        col_sql = ", ".join(f"{lang.quote(n)} {t}" for n, t in cols)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _kiemdiem_rate ({col_sql})")
        # Row numbers stand for the ids (an id never enters SQL text). Values go in as one list
        # per column, unnested: DuckDB's executemany, or a long VALUES list, is many times
        # slower.
        rows = [_row_of(pack, kind, s, env, str(j)) for j, (_, s, env) in enumerate(items)]
        select = ", ".join(f"unnest(?::{t}[])" for _, t in cols)
        con.execute(
            f"INSERT INTO _kiemdiem_rate SELECT {select}",
            [list(c) for c in zip(*rows, strict=True)],
        )
        sql = compile_sql(pack, kind, "_kiemdiem_rate")
        for row_id, status, tier, raw_tier, decided_by in con.sql(sql).fetchall():
            i, subject, env = items[int(row_id)]
            out[i] = _result_of(pack, kind, subject, env, status, tier, raw_tier, decided_by)
    done = [r for r in out if r is not None]
    assert len(done) == len(out), "every subject is rated or rejected"
    return done


def _result_of(
    pack: Pack,
    kind: Kind,
    subject: Subject,
    env: Mapping[str, Any],
    status: str,
    tier: str | None,
    raw_tier: str | None,
    decided_by: str | None,
) -> Result | InputError:
    """A row of the compiled query as ``evaluate``'s result: flags in the same order."""
    rules = {r.id: r for r in kind.rules}
    if status == "invalid":
        rule = rules[decided_by or ""]
        return InputError("rules.E110", subject=subject.id, rule=rule.id, label=rule.label_en)
    t = Tier[tier] if tier else None
    raw = Tier[raw_tier] if raw_tier else None
    flags: list[Flag] = []
    deciding = rules.get(decided_by or "")
    if status == NOT_RATED:
        if deciding is not None and deciding.confidence == "unverified":
            flags.append(unverified_flag(deciding))
    else:
        triggered = decided_by in {r.id for r in kind.triggers}
        if status == UNDETERMINED:
            flags.append(Flag("rules.F002"))
        flags.extend(out_of_reach(pack, kind, env, lambda r: r.fn(env), raw, status, triggered))
        for rule in kind.caps:
            if raw is not None and rule.fn(env) is True and env.get(rule.cap or "") is None:
                flags.append(cap_flag(pack, rule))
        flags.extend(check_flag(rule) for rule in kind.checks if rule.fn(env) is True)
        if status == RATED and deciding is not None and deciding.confidence == "unverified":
            flags.append(unverified_flag(deciding))
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
        tier=t,
        raw_tier=raw,
        decided_by=decided_by,
        trace=(),
        flags=tuple(flags),
        rank_key=rank_key,
        pool=kind.pool,
        pool_key=subject.pool_key,
        person_id=subject.person_id,
        place=subject.place,
        pack=pack,
    )
