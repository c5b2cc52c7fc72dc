"""Turn audit entries' JSON details into lines a person can read, in the reader's language.

Every key an action writes has a label (the model field's verbose name where there is one);
coded values are shown by their labels (tiers by the engine's names), dates as dd/mm/yyyy,
lists and nested details as plain text — never a Python or JSON representation.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.models import Role
from kiemdiem.cycles.models import (
    CycleKind,
    PinnedPack,
    Plan,
    ReviewCycle,
    Stage,
    StageKind,
    Subject,
    SubjectKind,
)
from kiemdiem.imports.models import ImportKind
from kiemdiem.orgtree.models import Unit, UnitKind
from kiemdiem.people.models import (
    FORMER_OCCUPATION_CODES,
    AffiliationKind,
    Gender,
    MemberStatusKind,
    Occupation,
    PostRole,
    ResidenceExemption,
    StateCategory,
)
from kiemdiem.reviews.models import ReviewVersion, SelfReview, Suggestion
from kiemdiem.rules_engine.explain import tier_label
from kiemdiem.rules_engine.types import Tier


def _verbose(model, name: str):
    """A model field's verbose name, capitalised (lazy: read in the reader's language)."""
    return capfirst(model._meta.get_field(name).verbose_name)


# Labels of the field names that appear in audit data.
FIELD_LABELS = {
    "code": _("Code"),
    "name": _("Name"),
    "short_name": _("Short name"),
    "kind": _("Kind"),
    "parent": _("Parent unit"),
    "managed_by": _("Rated by"),
    "valid_from": _("From"),
    "valid_to": _("Until"),
    "effective": _("Effective date"),
    "successor": _("Merged into"),
    "family_name": _("Family name"),
    "middle_name": _("Middle name"),
    "given_name": _("Given name"),
    "birth_date": _("Date of birth"),
    "gender": _("Gender"),
    "ethnicity": _("Ethnicity"),
    "citizen_id": _("Citizen ID"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "card_number": _("Party card number"),
    "admitted_on": _("Admitted on"),
    "official_on": _("Official since"),
    "occupation": _("Occupation"),
    "status": _("Status"),
    "reason": _("Reason or decision"),
    "title": _("Title"),
    "role": _("Role"),
    "concurrent": _("Concurrent post (kiêm nhiệm)"),
    "state_category": _("State category"),
    "residence_exemption": _("Residence opinion exemption"),
    "cell": _("Party cell"),
    "unit": _("Unit"),
    "authority": _("Managing collective"),
    "language": _("Language"),
    "username": _("User name"),
    "sources": _("Merged units"),
    "into": _("New units"),
    "note": _verbose(ReviewVersion, "note"),
    # review cycles, plans, subjects
    "year": _verbose(ReviewCycle, "year"),
    "quarter": _verbose(ReviewCycle, "quarter"),
    "packs": capfirst(PinnedPack._meta.verbose_name_plural),
    "stages": capfirst(Stage._meta.verbose_name_plural),
    "comment": _verbose(Plan, "return_comment"),
    "count": _("Subjects listed"),
    "reference_day": _("Reference day"),
    "tier": _verbose(Subject, "tier"),
    # self-reviews
    "form": _verbose(SelfReview, "form_key"),
    "version": _verbose(SelfReview, "version"),
    "proposed_tier": _verbose(SelfReview, "proposed_tier"),
    "reviews": _("Linked reviews"),
    "text": _verbose(Suggestion, "text"),
    "raised_by": _verbose(Suggestion, "raised_by"),
    # imports
    "file": _("File"),
    "rows": _("Rows"),
    "created": capfirst(_("created")),
    "updated": capfirst(_("updated")),
    "unchanged": capfirst(_("unchanged")),
    # API tokens and sign-out (never the secret: the first characters that name the token)
    "prefix": _("Token (first characters)"),
    "tokens": _("API tokens revoked"),
}
# Coded values shown with their labels.
CHOICES = {
    "kind": {**dict(UnitKind.choices), **dict(AffiliationKind.choices)},
    "gender": dict(Gender.choices),
    "status": dict(MemberStatusKind.choices),
    # entries written before people/0003 hold the former codes
    "occupation": {
        **dict(Occupation.choices),
        **{old: new.label for old, new in FORMER_OCCUPATION_CODES.items()},
    },
    "role": dict(PostRole.choices),
    "state_category": dict(StateCategory.choices),
    "residence_exemption": dict(ResidenceExemption.choices),
    "language": dict(settings.LANGUAGES),
}
# The same key names a different list in some actions.
ACTION_CHOICES = {
    "grant.added": {"role": dict(Role.choices)},
    "grant.revoked": {"role": dict(Role.choices)},
    "cycle.opened": {"kind": dict(CycleKind.choices)},
    "subject.added": {"kind": dict(SubjectKind.choices)},
    "import.committed": {"kind": dict(ImportKind.choices)},
}
TIER_FIELDS = {"tier", "proposed_tier"}
UNIT_FIELDS = {"parent", "managed_by", "successor", "cell", "unit", "authority"}
HIDDEN_FIELDS = {"path", "person"}
# Lists that are a list of things, not a change [before, after].
LIST_FIELDS = {"into", "sources", "packs", "reviews"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}.*)?$")


class _Context:
    """What the values of a page of entries refer to, read once for the page."""

    def __init__(self, units: dict[int, str], reviews: dict[int, str]):
        self.units = units
        self.reviews = reviews
        self.choices = CHOICES
        self.language = "en" if (get_language() or "vi").startswith("en") else "vi"


def _label(field: str) -> str:
    label = FIELD_LABELS.get(field)
    return str(label) if label is not None else capfirst(field.replace("_", " "))


def _date(text: str) -> str:
    if _ISO_DATE.match(text):
        return datetime.date.fromisoformat(text).strftime("%d/%m/%Y")
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.strftime("%d/%m/%Y %H:%M")


def _value(field: str, value: Any, ctx: _Context) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if field in UNIT_FIELDS and isinstance(value, int):
        return ctx.units.get(value, f"#{value}")
    if field == "into" and isinstance(value, list):
        return ", ".join(ctx.units.get(v, f"#{v}") for v in value)
    if field == "reviews" and isinstance(value, list):
        return ", ".join(ctx.reviews.get(v, f"#{v}") for v in value)
    if field == "sources" and isinstance(value, list):
        return ", ".join(
            ctx.units.get(item.get("unit"), str(item.get("code", "")))
            if isinstance(item, dict)
            else _value("", item, ctx)
            for item in value
        )
    if field == "stages" and isinstance(value, dict):
        return "; ".join(
            f"{StageKind(kind).label if kind in StageKind.values else kind}: "
            + " – ".join(_value("", day, ctx) for day in days)
            for kind, days in value.items()
        )
    if field in TIER_FIELDS and isinstance(value, str) and value.upper() in Tier.__members__:
        return tier_label(Tier.parse(value), ctx.language)
    choices = ctx.choices.get(field, {})
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return _date(value)
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(_value(field, v, ctx) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(k, v, ctx)}" for k, v in value.items())
    return str(value)


def _ids(entries, fields: set[str]) -> set[int]:
    ids: set[int] = set()
    for entry in entries:
        data = entry.data or {}
        pairs = list((data.get("changes") or {}).items()) + list(data.items())
        for field, value in pairs:
            values = value if isinstance(value, list) else [value]
            if field == "sources" and "sources" in fields:  # merged units: {"unit": id, …}
                values = [v.get("unit") for v in values if isinstance(v, dict)]
            if field in fields:
                ids.update(v for v in values if isinstance(v, int) and not isinstance(v, bool))
    return ids


def _unit_ids(entries) -> set[int]:
    return _ids(entries, UNIT_FIELDS | {"into", "sources"})


def _review_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    reviews = SelfReview.objects.filter(pk__in=ids).select_related("subject__person")
    return {
        r.pk: r.subject.person.full_name if r.subject.person_id else str(r.subject) for r in reviews
    }


def describe(entries) -> list:
    """Attach ``details``: a list of (label, text) lines, to each entry (two queries at most)."""
    entries = list(entries)
    units = dict(Unit.objects.filter(pk__in=_unit_ids(entries)).values_list("pk", "name"))
    base = _Context(units, _review_names(_ids(entries, {"reviews"})))
    for entry in entries:
        data = entry.data or {}
        ctx = base
        if entry.action in ACTION_CHOICES:
            ctx = _Context(units, base.reviews)
            ctx.choices = {**CHOICES, **ACTION_CHOICES[entry.action]}
        lines = []
        if "changes" in data:
            for field, (old, new) in data["changes"].items():
                text = f"{_value(field, old, ctx)} → {_value(field, new, ctx)}"
                lines.append((_label(field), text))
        for field, value in data.items():
            if field in HIDDEN_FIELDS or field == "changes":
                continue
            if isinstance(value, list) and len(value) == 2 and field not in LIST_FIELDS:
                text = f"{_value(field, value[0], ctx)} → {_value(field, value[1], ctx)}"
            else:
                text = _value(field, value, ctx)
            lines.append((_label(field), text))
        entry.details = lines
    return entries
