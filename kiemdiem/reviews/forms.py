"""The review page's fields, named after the form's sections:

``s.<section>`` text · ``s.<section>.text`` and ``s.<section>.p.<i>.name|result`` products ·
on a scored part of the 100-point frame also ``s.<section>.points`` (a text section's points)
and ``s.<section>.p.<i>.points|evidence`` (a product's points and the evidence for it) ·
``s.<section>.checked`` (several) and ``s.<section>.explanation`` checklists ·
``s.<section>.r.<i>.shortcoming|remedy|done`` remedies · ``r.crit.<x>`` / ``r.fact.<x>``
rating inputs · ``proposed_tier``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from kiemdiem.reviews import catalogue, engine

BLANK_ROWS = 2


def product_parts(section: catalogue.Section) -> tuple[str, ...]:
    """The fields of a product row: on a scored part also its points and evidence."""
    return ("name", "result", "points", "evidence") if section.scored else ("name", "result")


def text_of(value: Any) -> str:
    """A text section's text, stored as text or (on a scored part) with its points."""
    return (value.get("text") or "") if isinstance(value, dict) else (value or "")


def points_of(value: Any) -> str:
    return str(value.get("points") or "") if isinstance(value, dict) else ""


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
        if section.type == "text" and section.scored:
            content[section.key] = {
                "text": data.get(key, ""),
                "points": data.get(f"{key}.points", ""),
            }
        elif section.type == "text":
            content[section.key] = data.get(key, "")
        elif section.type == "products":
            content[section.key] = {
                "text": data.get(f"{key}.text", ""),
                "products": _rows(data, f"{key}.p.", product_parts(section)),
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
    # A scored part (100-point frame): the points written, and the part's heading on the
    # first section of the part (``part`` with ``part_total``, the points given so far).
    points: str = ""
    points_error: str = ""
    part: catalogue.Part | None = None
    part_total: str = ""
    part_error: str = ""
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
    totals = part_totals(form, content)
    seen_parts: set[str] = set()
    for number, spec in enumerate(form.sections, start=1):
        value = content.get(spec.key)
        name = f"s.{spec.key}"
        view = SectionView(spec, number, value, required=spec in form.required())
        view.error = errors.get(name, "")
        if spec.part and spec.part not in seen_parts:
            seen_parts.add(spec.part)
            view.part = form.part(spec.part)
            view.part_total = totals.get(spec.part, "")
            if view.part_total and decimal_of(view.part_total) > view.part.points:
                view.part_error = _(
                    "%(part)s: the points add up to %(total)s, more than its %(most)s."
                ) % {
                    "part": view.part.title,
                    "total": view.part_total,
                    "most": view.part.points,
                }
        if spec.type == "text":
            view.value = unsaved.get(name, text_of(value))
            view.points = unsaved.get(f"{name}.points", points_of(value))
            view.points_error = errors.get(f"{name}.points", "")
        elif spec.type == "products":
            value = value or {}
            view.value = unsaved.get(f"{name}.text", value.get("text", ""))
            view.detail_error = errors.get(f"{name}.text", "")
            view.rows = list(value.get("products") or [])
            if editable:
                parts = product_parts(spec)
                view.rows += [dict.fromkeys(parts, "")] * BLANK_ROWS
                view.rows = _marked(view.rows, f"{name}.p.", parts, unsaved, errors)
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


# A number as people write it in a form: digits, a decimal comma or point, two places at most.
# Not "1E-999999999" — Decimal takes it, and writing it out in full would take a gigabyte.
PLAIN_NUMBER = re.compile(r"-?\d{1,9}(\.\d{1,2})?")


def decimal_of(text: Any) -> Decimal | None:
    written = str(text).strip().replace(",", ".")
    if not PLAIN_NUMBER.fullmatch(written):
        return None
    try:
        return Decimal(written)
    except (InvalidOperation, ValueError):
        return None


def part_points(form: catalogue.FormSpec, content: dict[str, Any]) -> dict[str, Decimal]:
    """The points written in each scored part of ``content`` (parts with none are left out)."""
    out: dict[str, Decimal] = {}
    for part in form.parts:
        given = []
        for key in part.sections:
            value = content.get(key)
            if form.section(key).type == "text":
                given.append(points_of(value))
            elif isinstance(value, dict):
                given += [str(r.get("points") or "") for r in value.get("products") or []]
        numbers = [n for n in (decimal_of(g) for g in given if g) if n is not None]
        if numbers:
            out[part.key] = sum(numbers, Decimal(0))
    return out


def part_totals(form: catalogue.FormSpec, content: dict[str, Any]) -> dict[str, str]:
    return {k: format(v.normalize(), "f") for k, v in part_points(form, content).items()}
