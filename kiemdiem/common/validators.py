"""Checks of texts that must be what they say: a person's name, a phone number.

They refuse what cannot be a name or a phone number (``=HYPERLINK(...)``, ``=1+2``, digits in a
name), so such text never reaches a page or a spreadsheet. The messages name the field.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

NAME_LABELS = {
    "family_name": _("Family name"),
    "middle_name": _("Middle name"),
    "given_name": _("Given name"),
}
PERSON_TEXT_FIELDS = (*NAME_LABELS, "phone")
_NAME_PUNCTUATION = " -'’"  # H'Hen, Hoa-Mai, O’Neil
_PHONE = re.compile(r"\+?[0-9 .()\-]+")


def is_name(text: str) -> bool:
    """Letters (any script, every Vietnamese tone), with single spaces, hyphens, apostrophes
    between them."""
    if not text or not unicodedata.category(text[0]).startswith("L"):
        return False
    previous = ""
    for char in text:
        if char in _NAME_PUNCTUATION:
            if previous in _NAME_PUNCTUATION:
                return False
        elif unicodedata.category(char)[0] not in "LM":
            return False
        previous = char
    return previous not in _NAME_PUNCTUATION


def is_phone(text: str) -> bool:
    """Digits with an optional leading +, spaces, dots, dashes, parentheses; 8 to 15 digits."""
    digits = sum(c.isdigit() for c in text)
    return bool(_PHONE.fullmatch(text)) and 8 <= digits <= 15


def _problem(field: str, text: str):
    """The message refusing ``text`` as the value of ``field``, or None when it is fine."""
    if not text:
        return None
    if field in NAME_LABELS and not is_name(text):
        return _("%(field)s may contain only letters, spaces, hyphens (-) and apostrophes (').") % {
            "field": capfirst(NAME_LABELS[field])
        }
    if field == "phone" and not is_phone(text):
        return _(
            "Phone: enter 8 to 15 digits, optionally with a leading +, spaces, dots, dashes or "
            "parentheses."
        )
    return None


def check_person_texts(values: dict) -> None:
    """Refuse the names and phone number in ``values`` (field → text) that cannot be ones."""
    errors = {}
    for field, text in values.items():
        message = _problem(field, text)
        if message:
            errors[field] = message
    if errors:
        raise ValidationError(errors)


def person_text_validator(field: str):
    """A form field validator for ``field`` (a name field or "phone")."""

    def validate(value):
        message = _problem(field, value)
        if message:
            raise ValidationError(message, code="invalid")

    return validate
