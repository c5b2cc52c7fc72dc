"""Form pieces shared by the web pages (the unit field and scoped forms are ``orgtree.forms``)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    """A dd/mm/yyyy text box (the browser's date picker shows US order in some locales)."""

    def __init__(self, attrs=None):
        base = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        super().__init__(attrs={**base, **(attrs or {})}, format="%d/%m/%Y")


# Day, month and year written as dd/mm/yyyy (or with - or .): the shape of a date.
_DATE_SHAPE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


class DateField(forms.DateField):
    widget = DateInput
    default_error_messages = {
        "invalid": _("Enter a date as dd/mm/yyyy, e.g. 03/04/2026."),
        "nonexistent": _("The date %(text)s does not exist."),
    }

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            # 31/02/2026 is written right but is no day of the calendar: say that.
            text = value.strip() if isinstance(value, str) else ""
            if _DATE_SHAPE.fullmatch(text):
                raise forms.ValidationError(
                    self.error_messages["nonexistent"],
                    code="nonexistent",
                    params={"text": text},
                ) from None
            raise


def add_service_errors(form: forms.Form, error) -> None:
    """Show a service's ValidationError on the form, on the matching fields where possible."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
