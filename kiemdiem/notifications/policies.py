"""Who may read which notices: a notice is its user's alone. There is no unit scope here, so
nothing passes the permission door; the rule is the owner."""

from __future__ import annotations

from django.db.models import QuerySet

from kiemdiem.notifications.models import Notification


def own_notices(user) -> QuerySet:
    """The notices left for ``user`` (none for an anonymous visitor)."""
    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def may_read(user, notice: Notification) -> bool:
    """Open a notice, mark it read: its own user only."""
    return user is not None and user.is_authenticated and notice.user_id == user.pk
