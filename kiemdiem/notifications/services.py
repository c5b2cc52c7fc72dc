"""Writing notifications. One notice per (user, key): sending the same reminder twice is a no-op.

Marking one's own notices read is not audited: it changes nothing but the reader's inbox.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kiemdiem.notifications import policies
from kiemdiem.notifications.models import Notification


def notify(user, *, key: str, text: str, url: str = "") -> Notification | None:
    """Leave ``text`` for ``user`` unless a notice with the same ``key`` was already left."""
    if user is None:
        return None
    notice, created = Notification.objects.get_or_create(
        user=user, key=key, defaults={"text": text, "url": url}
    )
    return notice if created else None


def mark_read(*, notice: Notification, user) -> Notification:
    """Mark one of ``user``'s notices read (no-op if it already is)."""
    if not policies.may_read(user, notice):
        raise PermissionDenied("A notice is marked read by its own user only")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def mark_all_read(*, user) -> int:
    """Mark all of ``user``'s unread notices read; returns how many."""
    return policies.own_notices(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def unread_count(user) -> int:
    return policies.own_notices(user).filter(read_at__isnull=True).count()
