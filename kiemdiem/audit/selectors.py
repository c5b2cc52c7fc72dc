"""Reads of the audit log, within the reader's scope."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from kiemdiem.audit.policies import readable_entries


def log_list(user, *, unit=None, action: str = "", actor: str = "") -> QuerySet:
    entries = readable_entries(user)
    if unit is not None:
        entries = entries.filter(unit__path__startswith=unit.path)
    if action:
        entries = entries.filter(action__startswith=action)
    if actor:
        entries = entries.filter(actor__username__icontains=actor)
    return entries.select_related("actor", "unit")


def log_for_object(user, obj) -> QuerySet:
    return log_list(user).filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    )
