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
    # On the writer's page: why a field could not be saved (its text is shown back as typed).
    error: str = ""  # ``s.<section>``: the text of a text section, else the section as a whole
    detail_error: str = ""  # ``s.<section>.text`` (products) or ``.explanation`` (checklist)
    fields: list[tuple[engine.Input, str, str, str]] = field(default_factory=list)


def error_id(name: str) -> str:
    """The id of the element beside field ``name`` that holds its error (no dots: htmx swaps
    it by a CSS selector)."""
    return "err-" + name.replace(".", "-")


def section_views(
    form,
    content,
    inputs: list[engine.Input],
    editable: bool,
    unsaved: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> list[SectionView]:
    """The sections to show. On the writer's page ``unsaved`` (what was typed but could not be
    saved, by field name) is shown in place of the saved value, with ``errors`` beside it."""
    unsaved, errors = unsaved or {}, errors or {}
    out = []
    for number, spec in enumerate(form.sections, start=1):
        value = content.get(spec.key)
        name = f"s.{spec.key}"
        view = SectionView(spec, number, value, required=spec in form.required())
        view.error = errors.get(name, "")
        if spec.type == "text":
            view.value = unsaved.get(name, value)
        elif spec.type == "products":
            value = value or {}
            view.value = unsaved.get(f"{name}.text", value.get("text", ""))
            view.detail_error = errors.get(f"{name}.text", "")
            view.rows = list(value.get("products") or [])
            if editable:
                view.rows += [{"name": "", "result": ""}] * BLANK_ROWS
                view.rows = _marked(view.rows, f"{name}.p.", ("name", "result"), unsaved, errors)
        elif spec.type == "checklist":
            view.checklist = catalogue.checklists()[spec.list]
            view.value = dict(value or {"checked": [], "explanation": ""})
            if f"{name}.explanation" in unsaved:
                view.value["explanation"] = unsaved[f"{name}.explanation"]
            view.detail_error = errors.get(f"{name}.explanation", "")
        elif spec.type == "shortcomings":
            view.rows = list(value or [])
            if editable:
                view.rows += [{"shortcoming": "", "remedy": "", "done": False}]
                view.rows = _marked(
                    view.rows, f"{name}.r.", ("shortcoming", "remedy"), unsaved, errors
                )
        elif spec.type == "rating":
            view.inputs = [(i, (value or {}).get(i.name, "")) for i in inputs]
            view.fields = [
                (
                    i,
                    unsaved.get(f"r.{i.name}", v),
                    errors.get(f"r.{i.name}", ""),
                    error_id(f"r.{i.name}"),
                )
                for i, v in view.inputs
            ]
        out.append(view)
    return out


def _marked(rows, prefix: str, parts: tuple[str, ...], unsaved, errors) -> list[dict[str, Any]]:
    """Rows with what could not be saved shown back in them and their errors (``errors``)."""
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        for part in parts:
            if f"{prefix}{i}.{part}" in unsaved:
                row[part] = unsaved[f"{prefix}{i}.{part}"]
        row["errors"] = {part: errors.get(f"{prefix}{i}.{part}", "") for part in parts}
        out.append(row)
    return out
