"""The condition language: small, typed, eval-free.

Conditions in a rule pack are short expressions such as::

    score >= $htxs_min_score and pct_tasks_done == 100
    min_level(task) == XS and min_level(all) >= T
    share_at_least(children, HTTNV, 2/3)
    disciplined_in_year and not (self_detected_and_remedied or discipline_already_counted)

Why a hand-written language rather than a library or nested predicate tables: the same parsed
tree must run in two places — as Python closures (one subject, with a trace) and as DuckDB SQL
(millions of subjects) — and the two must agree exactly. A CEL or ``rule-engine`` package gives
the first but not the second; declarative predicate tables in TOML are unreadable for the
people who check the packs against the regulations. The grammar is closed (below), every name
is resolved against the pack's declared fields, criteria groups and parameters when the pack is
loaded, every operator is type-checked, and nothing is ever passed to ``eval``.

Grammar::

    expr    := or
    or      := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | cmp
    cmp     := add (('=='|'!='|'<'|'<='|'>'|'>=') add)?
    add     := mul (('+'|'-') mul)*
    mul     := unary ('*' unary | '/' INTEGER)*
    unary   := '-' unary | primary
    primary := NUMBER | STRING | 'true' | 'false' | '$'NAME | NAME '(' args ')'
             | 'crit' '.' NAME | NAME | '(' expr ')'

Types: ``bool``, ``number`` (Decimal), ``level`` (K < TB < T < XS), ``tier`` (KHTNV < HTNV <
HTTNV < HTXSNV), ``discipline`` (NONE < KHIEN_TRACH < CANH_CAO < CACH_CHUC < KHAI_TRU),
``enum`` (compared with string literals), ``counts`` (how many children at each tier) and
``group`` (a criteria group, only as a function argument).

Missing optional values are *unknown*: logic is three-valued (Kleene), exactly as in SQL, and
a condition holds only when it is definitely true.

Division is only by a positive integer literal; the quotient is truncated (never rounded up) to
six decimal places, in both the Python and the SQL path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any

from .types import Discipline, Level, Tier

DIV_SCALE = 6
_DIV_FACTOR = 10**DIV_SCALE

# ---------------------------------------------------------------------------------------------
# Types and schema


@dataclass(frozen=True)
class FieldType:
    name: str  # bool | number | level | tier | discipline | enum | counts
    values: tuple[str, ...] = ()  # for enum

    def __str__(self) -> str:
        return self.name


BOOL = FieldType("bool")
NUMBER = FieldType("number")
LEVEL = FieldType("level")
TIER = FieldType("tier")
DISCIPLINE = FieldType("discipline")
COUNTS = FieldType("counts")
GROUP = FieldType("group")
STRING = FieldType("string")

ORDERED = {"number", "level", "tier", "discipline"}
SIMPLE_TYPES = {"bool", "number", "level", "tier", "discipline", "enum", "counts"}


@dataclass(frozen=True)
class Schema:
    """What an expression may refer to, for one subject kind of one pack."""

    fields: Mapping[str, FieldType]
    criteria: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]]  # includes "all"
    params: Mapping[str, tuple[FieldType, Any]]  # name -> (type, value)


class LangError(Exception):
    """Raised by the parser/type checker; the pack loader turns it into a coded PackError."""

    def __init__(self, kind: str, detail: str, pos: int = 0, name: str = "") -> None:
        self.kind = kind  # syntax | name | type
        self.detail = detail
        self.pos = pos
        self.name = name
        super().__init__(detail)


# ---------------------------------------------------------------------------------------------
# Tokens

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>'[^']*')
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|,|\.|\$)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)

KEYWORDS = {"and", "or", "not", "true", "false"}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def tokenize(src: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            raise LangError("syntax", f"unexpected character {src[pos]!r}", pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            text = m.group()
            if kind == "name" and text in KEYWORDS:
                kind = "kw"
            out.append(Token(kind, text, pos))
        pos = m.end()
    out.append(Token("end", "", len(src)))
    return out


# ---------------------------------------------------------------------------------------------
# AST


@dataclass(frozen=True)
class Node:
    start: int
    end: int


@dataclass(frozen=True)
class Lit(Node):
    value: Any
    type: FieldType


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Crit(Node):
    name: str


@dataclass(frozen=True)
class Param(Node):
    name: str


@dataclass(frozen=True)
class Not(Node):
    arg: Node


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # and | or
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Cmp(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Arith(Node):
    op: str  # + - *
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class Div(Node):
    left: Node
    divisor: int


@dataclass(frozen=True)
class Call(Node):
    fn: str
    args: tuple[Node, ...]


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    def peek(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str, text: str | None = None) -> Token:
        tok = self.take()
        if tok.kind != kind or (text is not None and tok.text != text):
            want = text or kind
            got = tok.text or "end of expression"
            raise LangError("syntax", f"expected {want!r}, found {got!r}", tok.pos)
        return tok

    def at(self, kind: str, *texts: str) -> bool:
        tok = self.peek()
        return tok.kind == kind and (not texts or tok.text in texts)

    def parse(self) -> Node:
        node = self.or_()
        if not self.at("end"):
            tok = self.peek()
            raise LangError("syntax", f"unexpected {tok.text!r}", tok.pos)
        return node

    def or_(self) -> Node:
        args = [self.and_()]
        while self.at("kw", "or"):
            self.take()
            args.append(self.and_())
        if len(args) == 1:
            return args[0]
        return BoolOp(args[0].start, args[-1].end, "or", tuple(args))

    def and_(self) -> Node:
        args = [self.not_()]
        while self.at("kw", "and"):
            self.take()
            args.append(self.not_())
        if len(args) == 1:
            return args[0]
        return BoolOp(args[0].start, args[-1].end, "and", tuple(args))

    def not_(self) -> Node:
        if self.at("kw", "not"):
            tok = self.take()
            arg = self.not_()
            return Not(tok.pos, arg.end, arg)
        return self.cmp()

    def cmp(self) -> Node:
        left = self.add()
        if self.at("op", "==", "!=", "<", "<=", ">", ">="):
            op = self.take().text
            right = self.add()
            if self.at("op", "==", "!=", "<", "<=", ">", ">="):
                raise LangError("syntax", "chained comparisons are not allowed", self.peek().pos)
            return Cmp(left.start, right.end, op, left, right)
        return left

    def add(self) -> Node:
        node = self.mul()
        while self.at("op", "+", "-"):
            op = self.take().text
            right = self.mul()
            node = Arith(node.start, right.end, op, node, right)
        return node

    def mul(self) -> Node:
        node = self.unary()
        while self.at("op", "*", "/"):
            op = self.take().text
            if op == "*":
                right = self.unary()
                node = Arith(node.start, right.end, "*", node, right)
            else:
                tok = self.take()
                if tok.kind != "num" or "." in tok.text or int(tok.text) == 0:
                    raise LangError(
                        "syntax", "division is only by a positive integer literal", tok.pos
                    )
                node = Div(node.start, tok.pos + len(tok.text), node, int(tok.text))
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            tok = self.take()
            arg = self.unary()
            return Neg(tok.pos, arg.end, arg)
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        end = tok.pos + len(tok.text)
        if tok.kind == "num":
            return Lit(tok.pos, end, Decimal(tok.text), NUMBER)
        if tok.kind == "str":
            return Lit(tok.pos, end, tok.text[1:-1], STRING)
        if tok.kind == "kw" and tok.text in ("true", "false"):
            return Lit(tok.pos, end, tok.text == "true", BOOL)
        if tok.kind == "op" and tok.text == "$":
            name = self.expect("name")
            return Param(tok.pos, name.pos + len(name.text), name.text)
        if tok.kind == "op" and tok.text == "(":
            node = self.or_()
            close = self.expect("op", ")")
            # Keep the parenthesised span so the trace shows the source text.
            return _respan(node, tok.pos, close.pos + 1)
        if tok.kind == "name":
            if self.at("op", "("):
                self.take()
                args: list[Node] = []
                if not self.at("op", ")"):
                    args.append(self.or_())
                    while self.at("op", ","):
                        self.take()
                        args.append(self.or_())
                close = self.expect("op", ")")
                return Call(tok.pos, close.pos + 1, tok.text, tuple(args))
            if tok.text == "crit" and self.at("op", "."):
                self.take()
                name = self.expect("name")
                return Crit(tok.pos, name.pos + len(name.text), name.text)
            return Name(tok.pos, end, tok.text)
        raise LangError("syntax", f"unexpected {tok.text or 'end of expression'!r}", tok.pos)


def _respan(node: Node, start: int, end: int) -> Node:
    values = {f: getattr(node, f) for f in node.__dataclass_fields__}
    values["start"], values["end"] = start, end
    return type(node)(**values)


def parse(src: str) -> Node:
    if not isinstance(src, str) or not src.strip():
        raise LangError("syntax", "empty expression", 0)
    return _Parser(src).parse()


# ---------------------------------------------------------------------------------------------
# Type checking and name resolution


_CONSTS: dict[str, tuple[FieldType, Any]] = {}
for _t in Tier:
    _CONSTS[_t.name] = (TIER, _t)
for _l in Level:
    _CONSTS[_l.name] = (LEVEL, _l)
for _d in Discipline:
    _CONSTS[_d.name] = (DISCIPLINE, _d)


@dataclass
class Checked:
    """A type-checked expression, ready to compile."""

    src: str
    node: Node
    type: FieldType
    names: set[str] = field(default_factory=set)  # fields used
    crits: set[str] = field(default_factory=set)  # criteria used
    params: set[str] = field(default_factory=set)


def _suggest(name: str, choices: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, choices, n=1)
    return close[0] if close else ""


class _Checker:
    def __init__(self, schema: Schema, src: str) -> None:
        self.schema = schema
        self.src = src
        self.out = Checked(src, Lit(0, 0, None, BOOL), BOOL)

    def fail_name(self, node: Node, name: str, choices: list[str]) -> LangError:
        return LangError("name", _suggest(name, choices), node.start, name)

    def type_of(self, node: Node) -> FieldType:
        s = self.schema
        if isinstance(node, Lit):
            return node.type
        if isinstance(node, Param):
            if node.name not in s.params:
                raise self.fail_name(node, "$" + node.name, ["$" + p for p in s.params])
            self.out.params.add(node.name)
            return s.params[node.name][0]
        if isinstance(node, Crit):
            if node.name not in s.criteria:
                raise self.fail_name(node, "crit." + node.name, ["crit." + c for c in s.criteria])
            self.out.crits.add(node.name)
            return LEVEL
        if isinstance(node, Name):
            if node.name in _CONSTS:
                return _CONSTS[node.name][0]
            if node.name not in s.fields:
                raise self.fail_name(node, node.name, list(s.fields) + list(_CONSTS))
            self.out.names.add(node.name)
            return s.fields[node.name]
        if isinstance(node, Not):
            self.want(node.arg, "bool")
            return BOOL
        if isinstance(node, BoolOp):
            for arg in node.args:
                self.want(arg, "bool")
            return BOOL
        if isinstance(node, Cmp):
            lt, rt = self.type_of(node.left), self.type_of(node.right)
            if lt.name == "enum" and rt.name == "string":
                self._check_enum(node.right, lt)
                lt = rt
            elif rt.name == "enum" and lt.name == "string":
                self._check_enum(node.left, rt)
                rt = lt
            if lt.name != rt.name:
                raise LangError("type", f"cannot compare {lt} with {rt}", node.start)
            if node.op not in ("==", "!=") and lt.name not in ORDERED:
                raise LangError("type", f"'{node.op}' needs ordered values, not {lt}", node.start)
            if lt.name in ("counts", "group"):
                raise LangError("type", f"cannot compare {lt} values", node.start)
            return BOOL
        if isinstance(node, Arith):
            self.want(node.left, "number")
            self.want(node.right, "number")
            return NUMBER
        if isinstance(node, Neg):
            self.want(node.arg, "number")
            return NUMBER
        if isinstance(node, Div):
            self.want(node.left, "number")
            return NUMBER
        if isinstance(node, Call):
            return self.call(node)
        raise LangError("type", "unknown expression", node.start)  # pragma: no cover

    def _check_enum(self, node: Node, t: FieldType) -> None:
        assert isinstance(node, Lit)
        if node.value not in t.values:
            raise LangError(
                "type", f"'{node.value}' is not one of {', '.join(t.values)}", node.start
            )

    def want(self, node: Node, tname: str) -> FieldType:
        t = self.type_of(node)
        if t.name != tname:
            raise LangError("type", f"expected {tname}, found {t}", node.start)
        return t

    def group_arg(self, node: Node) -> str:
        if not isinstance(node, Name) or node.name not in self.schema.groups:
            name = getattr(node, "name", self.src[node.start : node.end])
            raise LangError(
                "name", _suggest(str(name), list(self.schema.groups)), node.start, str(name)
            )
        self.out.crits.update(self.schema.groups[node.name])
        return node.name

    def const_ratio(self, node: Node) -> None:
        if isinstance(node, Lit) and node.type.name == "number":
            return
        if isinstance(node, Div) and isinstance(node.left, Lit):
            return
        if isinstance(node, Param) and node.name in self.schema.params:
            t = self.schema.params[node.name][0]
            if t.name in ("number", "ratio"):
                self.out.params.add(node.name)
                return
        raise LangError(
            "type", "the share must be a number, a fraction like 2/3 or a $parameter", node.start
        )

    def call(self, node: Call) -> FieldType:
        fn, args = node.fn, node.args
        arity = {
            "min_level": 1,
            "max_level": 1,
            "count_at_least": 2,
            "total": 1,
            "share_at_least": 3,
            "has": 1,
        }
        if fn not in arity:
            raise LangError("name", _suggest(fn, list(arity)), node.start, fn + "()")
        if len(args) != arity[fn]:
            raise LangError("type", f"{fn}() takes {arity[fn]} arguments", node.start)
        if fn in ("min_level", "max_level"):
            self.group_arg(args[0])
            return LEVEL
        if fn == "has":
            if not isinstance(args[0], Name) or args[0].name not in self.schema.fields:
                raise LangError("type", "has() takes a field name", node.start)
            self.out.names.add(args[0].name)
            return BOOL
        if fn == "total":
            self.want(args[0], "counts")
            return NUMBER
        if fn == "count_at_least":
            if isinstance(args[0], Name) and args[0].name in self.schema.groups:
                self.group_arg(args[0])
                self.want(args[1], "level")
                return NUMBER
            self.want(args[0], "counts")
            self.want(args[1], "tier")
            return NUMBER
        # share_at_least(counts, tier, ratio)
        self.want(args[0], "counts")
        self.want(args[1], "tier")
        self.const_ratio(args[2])
        return BOOL


def check(src: str, schema: Schema, want: str | None = "bool") -> Checked:
    """Parse and type-check ``src`` against ``schema``; raise LangError on any problem."""
    node = parse(src)
    ch = _Checker(schema, src)
    t = ch.type_of(node)
    if want is not None and t.name != want:
        raise LangError("type", f"the expression must be {want}, it is {t}", 0)
    ch.out.node = node
    ch.out.type = t
    return ch.out


# ---------------------------------------------------------------------------------------------
# Helpers shared by both back ends


def trunc_div(value: Decimal, divisor: int) -> Decimal:
    """``value / divisor`` truncated toward zero to DIV_SCALE places (never rounded up)."""
    scaled = int((value * _DIV_FACTOR).to_integral_value(rounding=ROUND_DOWN))
    q = abs(scaled) // divisor
    if scaled < 0:
        q = -q
    return Decimal(q).scaleb(-DIV_SCALE)


def ratio_of(node: Node, params: Mapping[str, tuple[FieldType, Any]]) -> Fraction:
    """The constant share used by share_at_least, as an exact fraction."""
    if isinstance(node, Lit):
        return Fraction(node.value)
    if isinstance(node, Div):
        assert isinstance(node.left, Lit)
        return Fraction(node.left.value) / node.divisor
    assert isinstance(node, Param)
    value = params[node.name][1]
    return value if isinstance(value, Fraction) else Fraction(value)


# Counts are 4-tuples indexed by Tier - 1: (KHTNV, HTNV, HTTNV, HTXSNV).


def counts_at_least(counts: tuple[int, int, int, int], tier: int) -> int:
    return sum(counts[tier - 1 :])


# ---------------------------------------------------------------------------------------------
# Python back end: closures over a dict of values.

Env = Mapping[str, Any]
Fn = Callable[[Env], Any]

_PY_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class PyCompiler:
    """Compiles a checked tree into a closure ``f(env) -> value | None``.

    ``env`` maps field names to values and ``"crit.<name>"`` to criterion levels; ``derived``
    maps derived field names to closures that compute them when the input lacks them (the
    evaluator fills them in before conditions run, so here they are plain lookups).
    """

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def compile(self, node: Node) -> Fn:  # noqa: C901 - one branch per node type
        s = self.schema
        if isinstance(node, Lit):
            value = node.value
            return lambda env: value
        if isinstance(node, Param):
            pvalue = s.params[node.name][1]
            return lambda env: pvalue
        if isinstance(node, Crit):
            key = "crit." + node.name
            return lambda env: env.get(key)
        if isinstance(node, Name):
            if node.name in _CONSTS:
                cvalue = _CONSTS[node.name][1]
                return lambda env: cvalue
            name = node.name
            return lambda env: env.get(name)
        if isinstance(node, Not):
            f = self.compile(node.arg)

            def not_(env: Env) -> Any:
                v = f(env)
                return None if v is None else not v

            return not_
        if isinstance(node, BoolOp):
            fs = tuple(self.compile(a) for a in node.args)
            if node.op == "and":

                def and_(env: Env) -> Any:
                    unknown = False
                    for f in fs:
                        v = f(env)
                        if v is False:
                            return False
                        if v is None:
                            unknown = True
                    return None if unknown else True

                return and_

            def or_(env: Env) -> Any:
                unknown = False
                for f in fs:
                    v = f(env)
                    if v is True:
                        return True
                    if v is None:
                        unknown = True
                return None if unknown else False

            return or_
        if isinstance(node, Cmp):
            fl, fr, op = self.compile(node.left), self.compile(node.right), _PY_CMP[node.op]

            def cmp(env: Env) -> Any:
                a = fl(env)
                if a is None:
                    return None
                b = fr(env)
                if b is None:
                    return None
                return op(a, b)

            return cmp
        if isinstance(node, Arith):
            fl, fr = self.compile(node.left), self.compile(node.right)
            opname = node.op

            def arith(env: Env) -> Any:
                a, b = fl(env), fr(env)
                if a is None or b is None:
                    return None
                if opname == "+":
                    return a + b
                if opname == "-":
                    return a - b
                return a * b

            return arith
        if isinstance(node, Neg):
            f = self.compile(node.arg)
            return lambda env: None if (v := f(env)) is None else -v
        if isinstance(node, Div):
            f, n = self.compile(node.left), node.divisor
            return lambda env: None if (v := f(env)) is None else trunc_div(v, n)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(node)  # pragma: no cover

    def call(self, node: Call) -> Fn:
        fn, args = node.fn, node.args
        s = self.schema
        if fn in ("min_level", "max_level"):
            assert isinstance(args[0], Name)
            keys = tuple("crit." + c for c in s.groups[args[0].name])
            agg = min if fn == "min_level" else max

            def level_of(env: Env) -> Any:
                levels = [v for v in (env.get(k) for k in keys) if v is not None]
                # A criterion not given (allowed when it cannot matter) is unknown.
                return None if len(levels) < len(keys) else agg(levels)

            return level_of
        if fn == "has":
            assert isinstance(args[0], Name)
            name = args[0].name
            return lambda env: env.get(name) is not None
        if fn == "total":
            f = self.compile(args[0])
            return lambda env: None if (c := f(env)) is None else Decimal(sum(c))
        if fn == "count_at_least":
            if isinstance(args[0], Name) and args[0].name in s.groups:
                keys = tuple("crit." + c for c in s.groups[args[0].name])
                flevel = self.compile(args[1])

                def count_levels(env: Env) -> Any:
                    lv = flevel(env)
                    levels = [env.get(k) for k in keys]
                    if lv is None or any(v is None for v in levels):
                        return None
                    return Decimal(sum(1 for v in levels if v >= lv))

                return count_levels
            fc, ft = self.compile(args[0]), self.compile(args[1])

            def count_tiers(env: Env) -> Any:
                c, t = fc(env), ft(env)
                if c is None or t is None:
                    return None
                return Decimal(counts_at_least(c, t))

            return count_tiers
        # share_at_least(counts, tier, ratio): count >= ratio * total, exact.
        fc, ft = self.compile(args[0]), self.compile(args[1])
        r = ratio_of(args[2], s.params)
        num, den = r.numerator, r.denominator

        def share(env: Env) -> Any:
            c, t = fc(env), ft(env)
            if c is None or t is None:
                return None
            return counts_at_least(c, t) * den >= num * sum(c)

        return share


# ---------------------------------------------------------------------------------------------
# SQL back end (DuckDB dialect)

COUNT_SUFFIXES = ("khtnv", "htnv", "httnv", "htxsnv")  # index = Tier - 1


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def crit_column(name: str) -> str:
    return "crit__" + name


def counts_columns(name: str) -> tuple[str, ...]:
    return tuple(f"{name}__{s}" for s in COUNT_SUFFIXES)


def sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Tier | Level | Discipline):
        return str(int(value))
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if "." in text else f"{text}"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, Fraction):
        return f"({value.numerator}/{value.denominator})"
    raise TypeError(value)  # pragma: no cover


class SqlCompiler:
    """Compiles a checked tree into a DuckDB SQL expression over the batch input columns.

    Column layout: one column per field (enums as VARCHAR, bools as BOOLEAN, numbers as
    DECIMAL, tiers/levels/discipline as small integers), ``crit__<name>`` per criterion and
    ``<field>__khtnv`` … ``<field>__htxsnv`` per counts field. ``field_sql`` lets the caller
    substitute derived fields.
    """

    def __init__(self, schema: Schema, field_sql: Callable[[str], str] | None = None) -> None:
        self.schema = schema
        self.field_sql = field_sql or quote

    def compile(self, node: Node) -> str:  # noqa: C901 - one branch per node type
        s = self.schema
        if isinstance(node, Lit):
            return sql_literal(node.value)
        if isinstance(node, Param):
            return sql_literal(s.params[node.name][1])
        if isinstance(node, Crit):
            return quote(crit_column(node.name))
        if isinstance(node, Name):
            if node.name in _CONSTS:
                return sql_literal(_CONSTS[node.name][1])
            return self.field_sql(node.name)
        if isinstance(node, Not):
            return f"(NOT {self.compile(node.arg)})"
        if isinstance(node, BoolOp):
            joiner = " AND " if node.op == "and" else " OR "
            return "(" + joiner.join(self.compile(a) for a in node.args) + ")"
        if isinstance(node, Cmp):
            op = "=" if node.op == "==" else ("<>" if node.op == "!=" else node.op)
            return f"({self.compile(node.left)} {op} {self.compile(node.right)})"
        if isinstance(node, Arith):
            return f"({self.compile(node.left)} {node.op} {self.compile(node.right)})"
        if isinstance(node, Neg):
            return f"(-{self.compile(node.arg)})"
        if isinstance(node, Div):
            inner = self.compile(node.left)
            return (
                f"((trunc(({inner}) * {_DIV_FACTOR})::HUGEINT // {node.divisor})"
                f"::DECIMAL(38,0) * 0.{'0' * (DIV_SCALE - 1)}1)"
            )
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(node)  # pragma: no cover

    def _count_cols(self, node: Node) -> tuple[str, ...]:
        assert isinstance(node, Name)
        return tuple(quote(c) for c in counts_columns(node.name))

    def _at_least(self, cols: tuple[str, ...], tier_sql: str) -> str:
        parts = [
            f"(CASE WHEN {tier_sql} <= {i + 1} THEN {c} ELSE 0 END)" for i, c in enumerate(cols)
        ]
        return "(" + " + ".join(parts) + ")"

    def call(self, node: Call) -> str:
        fn, args = node.fn, node.args
        s = self.schema
        if fn in ("min_level", "max_level"):
            assert isinstance(args[0], Name)
            cols = [quote(crit_column(c)) for c in s.groups[args[0].name]]
            if len(cols) == 1:
                return cols[0]
            return ("least(" if fn == "min_level" else "greatest(") + ", ".join(cols) + ")"
        if fn == "has":
            assert isinstance(args[0], Name)
            return f"({self.field_sql(args[0].name)} IS NOT NULL)"
        if fn == "total":
            return "(" + " + ".join(self._count_cols(args[0])) + ")"
        if fn == "count_at_least":
            if isinstance(args[0], Name) and args[0].name in s.groups:
                lv = self.compile(args[1])
                cols = [quote(crit_column(c)) for c in s.groups[args[0].name]]
                return "(" + " + ".join(f"({c} >= {lv})::INTEGER" for c in cols) + ")"
            return self._at_least(self._count_cols(args[0]), self.compile(args[1]))
        counted = self._count_cols(args[0])
        r = ratio_of(args[2], s.params)
        count = self._at_least(counted, self.compile(args[1]))
        total = "(" + " + ".join(counted) + ")"
        return f"({count} * {r.denominator} >= {r.numerator} * {total})"
