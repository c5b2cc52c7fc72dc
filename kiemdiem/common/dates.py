"""Date helpers: the local calendar day, "valid on a date" filters for dated records, and the
one rule for the date a registry change takes effect."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def today() -> datetime.date:
    """Today's date in the project's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate()


def valid_on(day: datetime.date, prefix: str = "") -> Q:
    """Records whose [valid_from, valid_to) span contains ``day``."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


# "… cannot be in the future", said of the field that holds the date.
_FUTURE = {
    "valid_from": _("The start date cannot be in the future."),
    "valid_to": _("The end date cannot be in the future."),
}


def check_change_date(
    day: datetime.date,
    *,
    field: str = "effective",
    not_before: datetime.date | None = None,
    after: datetime.date | None = None,
) -> None:
    """A change to the registry takes effect on ``day``: never in the future, and not before
    the span it changes began (``not_before``: that day allowed; ``after``: strictly later).
    The refusal names ``field`` (one rule for units, people and affiliations)."""
    if day > today():
        raise ValidationError(
            {field: _FUTURE.get(field, _("The effective date cannot be in the future."))}
        )
    if not_before is not None and day < not_before:
        raise ValidationError(
            {
                field: _("The effective date cannot be before %(date)s.")
                % {"date": not_before.strftime("%d/%m/%Y")}
            }
        )
    if after is not None and day <= after:
        raise ValidationError(
            {field: _("The date must be after %(date)s.") % {"date": after.strftime("%d/%m/%Y")}}
        )
