"""Date helpers: the local calendar day and "valid on a date" filters for dated records."""

import datetime

from django.db.models import Q
from django.utils import timezone


def today() -> datetime.date:
    """Today's date in the project's time zone (Asia/Ho_Chi_Minh)."""
    return timezone.localdate()


def valid_on(day: datetime.date, prefix: str = "") -> Q:
    """Records whose [valid_from, valid_to) span contains ``day``."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )
