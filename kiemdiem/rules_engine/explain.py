"""Rendering a result as the "Vì sao" explanation, in Vietnamese or English.

The default text speaks to officials: each condition by its title and the regulation's clause
in words, values named by the labels of the fields a user fills in, "not given" for a missing
value. Rule codes, expressions and verification notes are for staff: ``codes=True`` adds them
on each line and a details line at the end (the JSON output always carries them).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .messages import CATALOGUE, message
from .types import NOT_RATED, RATED, Discipline, Level, Tier

if TYPE_CHECKING:
    from .evaluate import Result, Step
    from .pack import Kind, Pack


def tier_label(tier: Tier | None, lang: str = "vi") -> str:
    if tier is None:
        return "—"
    return f"{message('tier.' + tier.name, lang)} ({tier.name})"


def value_text(v: Any, lang: str = "vi") -> str:
    """A value as an official reads it: decimal comma in Vietnamese, yes/no, level words."""
    if v is None:
        return message("explain.not_given", lang)
    if isinstance(v, bool):
        return message("explain.yes" if v else "explain.no", lang)
    if isinstance(v, Tier):
        return v.name
    if isinstance(v, Level):
        return message("level." + v.name, lang)
    if isinstance(v, Discipline):
        return message("discipline." + v.name, lang)
    if isinstance(v, Decimal | int):
        text = format(Decimal(v).normalize(), "f") if isinstance(v, Decimal) else str(v)
        return text.replace(".", ",") if lang == "vi" else text
    if isinstance(v, tuple) and len(v) == 4:  # counts of ratings
        parts = [f"{t.name}: {v[t - 1]}" for t in reversed(Tier) if v[t - 1]]
        return ", ".join(parts) or "0"
    return str(v)


_CALL = re.compile(r"^(\w+)\((.*)\)$")


def name_label(name: str, pack: Pack | None, kind: Kind | None, lang: str = "vi") -> str:
    """What a trace value is, in words: a field's label, a parameter's, a criterion's, or a
    function of them ("Lowest level of the criteria")."""
    if pack is None:
        return name
    if name.startswith("$"):
        p = pack.params.get(name[1:])
        return (p.label_en if lang == "en" else p.label_vi) or name if p else name
    if name.startswith("crit."):
        c = kind.criteria.get(name[5:]) if kind else None
        return (c.label_en if lang == "en" else c.label_vi) if c else name
    if name in pack.fields:
        return pack.fields[name].label(lang)
    m = _CALL.match(name)
    if not m:
        return name
    fn, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
    first = args[0]
    if kind is not None and first in kind.groups:
        what = message("group." + first, lang) if ("group." + first) in CATALOGUE else first
    else:
        what = name_label(first, pack, kind, lang)
    rest = [
        message("level." + a, lang)
        if a in Level.__members__
        else name_label(a, pack, kind, lang)
        if a.startswith("$")
        else a
        for a in args[1:]
    ]
    key = f"call.{fn}"
    if key not in CATALOGUE:
        return name
    return message(
        key, lang, {"what": what, "arg": rest[0] if rest else "", "ratio": ", ".join(rest[1:])}
    )


def _kind_of(result: Result) -> Kind | None:
    pack = result.pack
    return pack.kinds.get(result.kind) if pack is not None else None


def _rule_title(step: Step, lang: str) -> str:
    # A step without a rule (the NĐ 335 products) is described by its note alone.
    return step.rule.label(lang) if step.rule is not None else ""


def _source_text(rule: Any, lang: str) -> str:
    src = rule.source
    conf = message("confidence." + rule.confidence, lang)
    return f"{src.label()} ({conf})"


def render_step(
    step: Step, lang: str = "vi", result: Result | None = None, codes: bool = False
) -> str:
    pack = result.pack if result is not None else None
    kind = _kind_of(result) if result is not None else None
    if step.stage == "tier" and step.rule is not None and step.rule.tier is not None:
        stage = message("trace.stage.tier", lang, {"tier": step.rule.tier.name})
    else:
        stage = message("trace.stage." + step.stage, lang)
    if step.stage == "quota":
        values = dict(step.values)
        if "rank" in values:
            line = f"[{stage}] " + message(
                "trace.quota." + str(values.get("proposed", "keep")),
                lang,
                {"rank": values["rank"], "allowed": values["allowed"]},
            )
        else:
            line = f"[{stage}] " + message("trace.quota.decided", lang)
        if codes:
            line += f" [{step.rule_id}]"
        return line
    title = _rule_title(step, lang)
    line = f"[{stage}] {title}" if title else f"[{stage}]"
    if step.note_code:
        from .evaluate import _display_params

        params = _display_params(dict(step.note_params), lang)
        if "field" in params:
            params["field"] = name_label(str(params["field"]), pack, kind, lang)
        line += (" — " if title else " ") + message(step.note_code, lang, params)
    elif step.stage != "derive":
        if step.held is True:
            line += ": " + message("trace.held", lang)
        elif step.held is False:
            line += ": " + message("trace.failed", lang)
        else:
            line += ": " + message("trace.unknown", lang)
    shown = [
        (k, v)
        for k, v in step.values
        if k != "source" and not (step.stage == "derive" and k == "$nd335_deduction_pct")
    ]
    if shown:
        line += (
            " ("
            + "; ".join(
                f"{name_label(k, pack, kind, lang)}: {value_text(v, lang)}" for k, v in shown
            )
            + ")"
        )
    if step.rule is not None:
        line += f" — {message('explain.source', lang)}: {_source_text(step.rule, lang)}"
        if step.rule.origin != "central":
            line += f" [{step.rule.origin}]"
    if codes:
        detail = [step.rule_id]
        if step.rule is not None:
            detail.append(step.rule.expr)
            if step.rule.source.note:
                detail.append(step.rule.source.note)
        line += " [" + " · ".join(detail) + "]"
    return line


def render(result: Result, lang: str = "vi", codes: bool = False) -> str:
    kind = _kind_of(result)
    pack = result.pack
    lines = [
        message(
            "explain.header",
            lang,
            {
                "subject": result.subject_id,
                "kind": kind.label(lang) if kind else result.kind,
                "pack": pack.title(lang) if pack else result.pack_id,
                "version": result.pack_version,
            },
        )
    ]
    if result.status == RATED:
        lines.append(message("explain.result.rated", lang, {"tier": tier_label(result.tier, lang)}))
    elif result.status == NOT_RATED:
        lines.append(message("explain.result.not_rated", lang))
    else:
        lines.append(message("explain.result.undetermined", lang))
    deciding = next((s for s in result.trace if s.rule_id == result.decided_by and s.rule), None)
    if deciding is not None and deciding.rule is not None:
        lines.append(
            message(
                "explain.decided_by",
                lang,
                {"rule": deciding.rule.label(lang), "source": _source_text(deciding.rule, lang)},
            )
        )
    lines.append(message("explain.conditions", lang) + ":")
    for step in result.trace:
        lines.append("  " + render_step(step, lang, result, codes))
    if result.flags:
        lines.append(message("explain.flags", lang) + ":")
        for flag in result.flags:
            lines.append("  " + flag.message(lang) + (f" [{flag.code}]" if codes else ""))
    if codes:
        lines.append(
            message(
                "explain.codes",
                lang,
                {
                    "pack": result.pack_id,
                    "version": result.pack_version,
                    "hash": result.pack_hash,
                    "kind": result.kind,
                    "rule": result.decided_by or "—",
                    "flags": ", ".join(f.code for f in result.flags) or "—",
                },
            )
        )
    return "\n".join(lines)


_WORDS = {
    "vi": {"and": "và", "or": "hoặc", "not": "không", "true": "có", "false": "không"},
    "en": {"and": "and", "or": "or", "not": "not", "true": "yes", "false": "no"},
}
_FUNCTIONS = {"has": ("đã có", "given")}
_OPS = {"==": "=", "!=": "≠", ">=": "≥", "<=": "≤"}


def condition_text(pack: Pack, kind: Kind | None, expr: str, lang: str = "vi") -> str:
    """A rule's condition in words, for reading the rules of a pack (not a trace): fields,
    criteria and parameters by their labels (a parameter with its value), ``and``/``or``/``not``
    in the reader's language, comparison signs as people write them. Function calls keep their
    catalogue wording where it has one (``name_label``)."""
    from .lang import LangError, tokenize

    try:
        tokens = tokenize(expr)
    except LangError:
        return expr
    words = _WORDS["en" if lang == "en" else "vi"]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.kind == "end":
            break
        if tok.kind == "kw":
            out.append(words[tok.text])
        elif tok.kind == "op" and tok.text == "$" and nxt is not None and nxt.kind == "name":
            spec = pack.params.get(nxt.text)
            label = name_label("$" + nxt.text, pack, kind, lang)
            value = value_text(_plain(spec.value), lang) if spec is not None else ""
            out.append(f"{label} ({value})" if value else label)
            i += 1
        elif tok.kind == "name" and tok.text == "crit" and nxt is not None and nxt.text == ".":
            name = tokens[i + 2].text if i + 2 < len(tokens) else ""
            out.append(name_label("crit." + name, pack, kind, lang))
            i += 2
        elif tok.kind == "name" and tok.text in Level.__members__:
            out.append(message("level." + tok.text, lang))
        elif tok.kind == "name" and tok.text in _FUNCTIONS and nxt is not None and nxt.text == "(":
            out.append(_FUNCTIONS[tok.text][1 if lang == "en" else 0])
        elif tok.kind == "name":
            out.append(name_label(tok.text, pack, kind, lang))
        elif tok.kind == "op":
            out.append(_OPS.get(tok.text, tok.text))
        elif tok.kind == "num":
            out.append(tok.text.replace(".", ",") if lang == "vi" else tok.text)
        else:
            out.append(tok.text)
        i += 1
    words_out = [_lower_first(w) if i else w for i, w in enumerate(out)]
    text = " ".join(words_out)
    text = text[:1].upper() + text[1:]
    return text.replace("( ", "(").replace(" )", ")").replace(" ,", ",")


def _lower_first(label: str) -> str:
    """A label inside a sentence: "và có đơn vị…", not "và Có đơn vị…" (acronyms kept)."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _plain(value: Any) -> Any:
    """A parameter's value for reading: a ratio as a decimal where it is one."""
    from fractions import Fraction

    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return value
