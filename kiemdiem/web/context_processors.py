from django.utils.functional import SimpleLazyObject

from kiemdiem.accounts.permissions import has_any
from kiemdiem.notifications.services import unread_count


def navigation(request):
    """The site menu: which entries the signed-in user can use (computed only when a page asks)."""
    user = getattr(request, "user", None)

    def flags():
        if user is None or not user.is_authenticated:
            return {"audit": False, "access": False, "imports": False, "unread": 0}
        return {
            "audit": has_any(user, "view_audit"),
            "access": has_any(user, "manage_access"),
            "imports": has_any(user, "view"),
            "unread": unread_count(user),
        }

    return {"nav": SimpleLazyObject(flags)}
