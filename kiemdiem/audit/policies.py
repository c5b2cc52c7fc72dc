"""Who may read the audit log. Nobody writes it but the services (``audit.services``).

The log is read where the reader holds ``view_audit`` (staff, decision makers, inspectors,
administrators): the entries filed under units in those subtrees. A member or a user without a
role reads none of it, not even the entries about themselves.
"""

from __future__ import annotations

from django.db.models import QuerySet

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import has_any, restrict
from kiemdiem.audit.models import LogEntry


def may_read_log(user) -> bool:
    """Open the audit log at all: ``view_audit`` somewhere."""
    return user is None or has_any(user, Action.VIEW_AUDIT)


def readable_entries(user) -> QuerySet:
    """The entries ``user`` may read."""
    return restrict(LogEntry.objects.all(), user, Action.VIEW_AUDIT)
