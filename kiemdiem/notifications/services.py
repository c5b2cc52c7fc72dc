"""Writing notifications. One notice per (user, key): sending the same reminder twice is a no-op."""

from __future__ import annotations

from kiemdiem.notifications.models import Notification


def notify(user, *, key: str, text: str, url: str = "") -> Notification | None:
    """Leave ``text`` for ``user`` unless a notice with the same ``key`` was already left."""
    if user is None:
        return None
    notice, created = Notification.objects.get_or_create(
        user=user, key=key, defaults={"text": text, "url": url}
    )
    return notice if created else None
