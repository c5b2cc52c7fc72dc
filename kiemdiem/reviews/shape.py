"""The shape of a review's content, for a writer that is a program (the API, a command, a job).

The web page builds the content from its own fields, so its shape is right by construction and
a wrong value is kept back field by field (``services.clean_content`` with ``problems``). A
program sends whatever it likes: ``check_shape`` refuses, before anything is saved, a section
of the wrong type, an unknown section or rating input, and a rating value of the wrong type,
each under its section's key, and turns JSON numbers and booleans into the text the review
stores. ``services.review_save`` calls it for every all-or-nothing save.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kiemdiem.reviews import catalogue
from kiemdiem.reviews import engine as review_engine
from kiemdiem.rules_engine import Discipline, Level, Tier

MAX_NUMBER_TEXT = 40  # the longest rating value a review stores
# Rating inputs clients sent before the value came from elsewhere: accepted and dropped.
# ``fact.shortcomings_remedied_pct`` is derived from the shortcomings' rows (``shortcomings``).
RETIRED_INPUTS = frozenset({"fact.shortcomings_remedied_pct"})


def _is_text(value) -> bool:
    return value is None or isinstance(value, str)


def _is_points(value) -> bool:
    """Points may come as text or as a JSON number (checked against the part by the save)."""
    return _is_text(value) or (isinstance(value, int | float) and not isinstance(value, bool))


BOOL_TEXTS = {"true": True, "on": True, "yes": True, "1": True, "false": False, "off": False}


BOOL_TEXTS |= {"no": False, "0": False}


def _rating_value(spec: review_engine.Input | None, name: str, value):
    """A rating input as the review stores it (text), or the message for a wrong type.

    ``spec`` is None when the cycle's rule set is unavailable: any single value is kept."""
    if value is None or value == "":
        return None, None
    kind = spec.type if spec is not None else ""
    if kind == "bool":
        if isinstance(value, bool):
            return ("true" if value else "false"), None
        if isinstance(value, str) and value.strip().lower() in BOOL_TEXTS:
            return value.strip(), None
        return None, _("%(name)s: expected true or false.") % {"name": name}
    if kind == "number":
        text = "" if isinstance(value, bool) else str(value).strip().replace(",", ".")
        try:
            number = Decimal(text) if isinstance(value, int | float | str) and text else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or len(text) > MAX_NUMBER_TEXT:
            return None, _("%(name)s: expected a number.") % {"name": name}
        return text, None
    if kind in ("level", "tier", "discipline"):
        allowed = tuple({"level": Level, "tier": Tier, "discipline": Discipline}[kind].__members__)
    elif kind:
        allowed = tuple(spec.values)
    elif isinstance(value, str | int | float | bool):
        return str(value), None
    else:
        return None, _("%(name)s: expected a single value.") % {"name": name}
    if not isinstance(value, str) or value.strip().upper() not in {a.upper() for a in allowed}:
        message = _("%(name)s: expected one of %(values)s.")
        return None, message % {"name": name, "values": ", ".join(allowed)}
    return value.strip(), None


def check_shape(form: catalogue.FormSpec, inputs, content: dict) -> dict:
    """``content`` with each section checked against ``form`` and the rating's values against
    ``inputs`` (None: the cycle's rule set is unavailable). Refused (ValidationError) by section
    key, naming what was expected; unknown sections under ``content``."""
    sections = {section.key: section for section in form.sections}
    unknown = sorted(key for key in content if key not in sections)
    if unknown:
        raise ValidationError(
            {
                "content": [
                    _("Unknown sections of this form: %(keys)s.") % {"keys": ", ".join(unknown)}
                ]
            }
        )
    errors: dict[str, list[str]] = {}
    out: dict = {}
    for key, value in content.items():
        if value is None:
            continue
        kind = sections[key].type
        scored = sections[key].scored
        if kind == "text" and scored:
            ok = isinstance(value, str) or (
                isinstance(value, dict)
                and set(value) <= {"text", "points"}
                and _is_text(value.get("text"))
                and _is_points(value.get("points"))
            )
            if not ok:
                errors[key] = [_("Expected text, or an object with “text” and “points”.")]
        elif kind == "text":
            if not isinstance(value, str):
                errors[key] = [_("Expected text.")]
        elif kind == "products":
            rows = (value.get("products") or []) if isinstance(value, dict) else []
            parts = {"name", "result", "points", "evidence"} if scored else {"name", "result"}
            ok = isinstance(value, str) or (
                isinstance(value, dict)
                and set(value) <= {"text", "products"}
                and _is_text(value.get("text"))
                and isinstance(rows, list)
                and all(
                    isinstance(r, dict)
                    and set(r) <= parts
                    and all(_is_points(v) if n == "points" else _is_text(v) for n, v in r.items())
                    for r in rows
                )
            )
            if not ok and scored:
                errors[key] = [
                    _(
                        "Expected text, or an object with “text” and “products” (a list of rows "
                        "with “name”, “result”, “points” and “evidence”)."
                    )
                ]
            elif not ok:
                errors[key] = [
                    _(
                        "Expected text, or an object with “text” and “products” (a list of rows "
                        "with “name” and “result”)."
                    )
                ]
        elif kind == "checklist":
            ok = (
                isinstance(value, dict)
                and set(value) <= {"checked", "explanation"}
                and isinstance(value.get("checked") or [], list)
                and all(isinstance(i, str) for i in value.get("checked") or [])
                and _is_text(value.get("explanation"))
            )
            if not ok:
                errors[key] = [
                    _("Expected an object with “checked” (a list of item codes) and “explanation”.")
                ]
        elif kind == "shortcomings":
            ok = isinstance(value, list) and all(
                isinstance(r, dict)
                # "carried" is what GET answers; which rows are carried is the rows' to say
                and set(r) <= {"shortcoming", "remedy", "done", "carried"}
                and _is_text(r.get("shortcoming"))
                and _is_text(r.get("remedy"))
                and isinstance(r.get("done") or False, bool)
                for r in value
            )
            if not ok:
                errors[key] = [
                    _("Expected a list of rows with “shortcoming”, “remedy” and “done”.")
                ]
        elif kind == "rating":
            if not isinstance(value, dict):
                errors[key] = [_("Expected an object of rating inputs, by name.")]
                continue
            value = _check_rating(key, value, inputs, errors)
        out[key] = value
    if errors:
        raise ValidationError(errors)
    return out


def _check_rating(key: str, value: dict, inputs, errors: dict) -> dict:
    value = {name: v for name, v in value.items() if name not in RETIRED_INPUTS}
    from_register = sorted(name for name in value if name in review_engine.REGISTER_INPUTS)
    if from_register:
        errors[key] = [
            _(
                "%(names)s: these come from the register of discipline and conclusions kept by "
                "the competent body; a review cannot set them."
            )
            % {"names": ", ".join(from_register)}
        ]
        return value
    specs = {i.name: i for i in inputs} if inputs is not None else None
    if specs is not None:
        unknown = sorted(name for name in value if name not in specs)
        if unknown:
            errors[key] = [_("Unknown rating inputs: %(names)s.") % {"names": ", ".join(unknown)}]
            return value
    checked = {}
    for name, raw in value.items():
        spec = specs[name] if specs is not None else None
        normalized, message = _rating_value(spec, name, raw)
        if message:
            errors.setdefault(key, []).append(message)
        elif normalized is not None:
            checked[name] = normalized
    return checked
