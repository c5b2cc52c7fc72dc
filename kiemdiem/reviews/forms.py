"""The review page's fields, named after the form's sections:

``s.<section>`` text · ``s.<section>.text`` and ``s.<section>.p.<i>.name|result`` products ·
``s.<section>.checked`` (several) and ``s.<section>.explanation`` checklists ·
``s.<section>.r.<i>.shortcoming|remedy|done`` remedies · ``r.crit.<x>`` / ``r.fact.<x>``
rating inputs · ``proposed_tier``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiemdiem.reviews import catalogue, engine

BLANK_ROWS = 2


def _rows(data, prefix: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    indexes = sorted(
        {
            int(k[len(prefix) :].split(".")[0])
            for k in data
            if k.startswith(prefix) and k[len(prefix) :].split(".")[0].isdigit()
        }
    )
    return [{n: data.get(f"{prefix}{i}.{n}", "") for n in names} for i in indexes]


def content_from_post(form: catalogue.FormSpec, data) -> dict[str, Any]:
    """The content dict the services expect, read from the page's fields."""
    content: dict[str, Any] = {}
    for section in form.sections:
        key = f"s.{section.key}"
        if section.type == "text":
            content[section.key] = data.get(key, "")
        elif section.type == "products":
            content[section.key] = {
                "text": data.get(f"{key}.text", ""),
                "products": _rows(data, f"{key}.p.", ("name", "result")),
            }
        elif section.type == "checklist":
            content[section.key] = {
                "checked": data.getlist(f"{key}.checked"),
                "explanation": data.get(f"{key}.explanation", ""),
            }
        elif section.type == "shortcomings":
            rows = _rows(data, f"{key}.r.", ("shortcoming", "remedy", "done"))
            content[section.key] = [{**r, "done": bool(r["done"])} for r in rows]
        elif section.type == "rating":
            content[section.key] = {
                k[2:]: v
                for k, v in data.items()
                if k.startswith(("r.crit.", "r.fact.")) and v != ""
            }
    return content


@dataclass
class SectionView:
    """One section as the template shows it: its spec and what has been written in it."""

    spec: catalogue.Section
    number: int
    value: Any = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    checklist: catalogue.Checklist | None = None
    inputs: list[tuple[engine.Input, str]] = field(default_factory=list)
    required: bool = False


def section_views(form, content, inputs: list[engine.Input], editable: bool) -> list[SectionView]:
    out = []
    for number, spec in enumerate(form.sections, start=1):
        value = content.get(spec.key)
        view = SectionView(spec, number, value, required=spec in form.required())
        if spec.type == "products":
            value = value or {}
            view.value = value.get("text", "")
            view.rows = list(value.get("products") or [])
            if editable:
                view.rows += [{"name": "", "result": ""}] * BLANK_ROWS
        elif spec.type == "checklist":
            view.checklist = catalogue.checklists()[spec.list]
            view.value = value or {"checked": [], "explanation": ""}
        elif spec.type == "shortcomings":
            view.rows = list(value or [])
            if editable:
                view.rows += [{"shortcoming": "", "remedy": "", "done": False}]
        elif spec.type == "rating":
            view.inputs = [(i, (value or {}).get(i.name, "")) for i in inputs]
        out.append(view)
    return out
