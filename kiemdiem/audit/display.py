"""Turn audit entries' JSON details into lines a person can read, in the reader's language."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.models import Role
from kiemdiem.orgtree.models import Unit, UnitKind
from kiemdiem.people.models import (
    AffiliationKind,
    Gender,
    MemberStatusKind,
    Occupation,
    PostRole,
    ResidenceExemption,
    StateCategory,
)

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
}
# Coded values shown with their labels.
CHOICES = {
    "kind": {**dict(UnitKind.choices), **dict(AffiliationKind.choices)},
    "gender": dict(Gender.choices),
    "status": dict(MemberStatusKind.choices),
    "occupation": dict(Occupation.choices),
    "role": {**dict(PostRole.choices), **dict(Role.choices)},
    "state_category": dict(StateCategory.choices),
    "residence_exemption": dict(ResidenceExemption.choices),
}
UNIT_FIELDS = {"parent", "managed_by", "successor", "cell", "unit", "authority"}
HIDDEN_FIELDS = {"path", "person"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _value(field: str, value: Any, units: dict[int, str]) -> str:
    if value in (None, ""):
        return "—"
    if field in UNIT_FIELDS and isinstance(value, int):
        return units.get(value, f"#{value}")
    if field == "into" and isinstance(value, list):
        return ", ".join(units.get(v, f"#{v}") for v in value)
    if field == "sources" and isinstance(value, list):
        return ", ".join(str(item.get("code", item)) for item in value)
    if field in CHOICES and isinstance(value, str) and value in CHOICES[field]:
        return str(CHOICES[field][value])
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, str) and _ISO_DATE.match(value):
        return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    return str(value)


def _unit_ids(entries) -> set[int]:
    ids: set[int] = set()
    for entry in entries:
        data = entry.data or {}
        pairs = list((data.get("changes") or {}).items()) + list(data.items())
        for field, value in pairs:
            values = value if isinstance(value, list) else [value]
            if field in UNIT_FIELDS | {"into"}:
                ids.update(v for v in values if isinstance(v, int))
    return ids


def describe(entries) -> list:
    """Attach ``details``: a list of (label, text) lines, to each entry (one unit query)."""
    entries = list(entries)
    units = dict(Unit.objects.filter(pk__in=_unit_ids(entries)).values_list("pk", "name"))
    for entry in entries:
        data = entry.data or {}
        lines = []
        if "changes" in data:
            for field, (old, new) in data["changes"].items():
                text = f"{_value(field, old, units)} → {_value(field, new, units)}"
                lines.append((FIELD_LABELS.get(field, field), text))
        for field, value in data.items():
            if field in HIDDEN_FIELDS or field == "changes":
                continue
            if isinstance(value, list) and len(value) == 2 and field not in ("into", "sources"):
                text = f"{_value(field, value[0], units)} → {_value(field, value[1], units)}"
            else:
                text = _value(field, value, units)
            lines.append((FIELD_LABELS.get(field, field), text))
        entry.details = lines
    return entries
