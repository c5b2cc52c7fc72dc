"""Rendering a result's trace as text, in Vietnamese or English."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .messages import message
from .types import NOT_RATED, RATED, Tier

if TYPE_CHECKING:
    from .evaluate import Result, Step


def tier_label(tier: Tier | None, lang: str = "vi") -> str:
    if tier is None:
        return "—"
    return f"{message('tier.' + tier.name, lang)} ({tier.name})"


def _value(v: Any) -> str:
    from .evaluate import jsonable

    j = jsonable(v)
    if j is None:
        return "∅"
    if isinstance(j, dict):
        return "{" + ", ".join(f"{k}: {n}" for k, n in j.items()) + "}"
    if isinstance(j, bool):
        return "true" if j else "false"
    return str(j)


def render_step(step: Step, lang: str = "vi") -> str:
    if step.stage == "tier" and step.rule is not None and step.rule.tier is not None:
        stage = message("trace.stage.tier", lang, {"tier": step.rule.tier.name})
    else:
        stage = message("trace.stage." + step.stage, lang)
    if step.held is True:
        verdict = message("trace.held", lang)
    elif step.held is False:
        verdict = message("trace.failed", lang)
    else:
        verdict = message("trace.unknown", lang)
    parts = [f"[{stage}] {step.rule_id}"]
    if step.rule is not None:
        parts.append(step.rule.label(lang))
    line = " ".join(parts)
    if step.note_code:
        from .evaluate import _display_params

        line += " — " + message(step.note_code, lang, _display_params(dict(step.note_params), lang))
    elif step.stage not in ("quota", "derive"):
        line += ": " + verdict
    if step.values:
        line += " — " + ", ".join(f"{k} = {_value(v)}" for k, v in step.values)
    if step.rule is not None:
        conf = message("confidence." + step.rule.confidence, lang)
        line += f" — {message('explain.source', lang)}: {step.rule.source.label()} ({conf})"
        if step.rule.origin != "central":
            line += f" [{step.rule.origin}]"
    return line


def render(result: Result, lang: str = "vi") -> str:
    lines = [
        message(
            "explain.header",
            lang,
            {
                "subject": result.subject_id,
                "kind": result.kind,
                "pack": result.pack_id,
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
    if result.decided_by:
        lines.append(message("explain.decided_by", lang, {"rule": result.decided_by}))
    for step in result.trace:
        lines.append("  " + render_step(step, lang))
    if result.flags:
        lines.append(message("explain.flags", lang) + ":")
        for flag in result.flags:
            lines.append(f"  {flag.code}: {flag.message(lang)}")
    return "\n".join(lines)
