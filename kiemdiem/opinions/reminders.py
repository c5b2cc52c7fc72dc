"""Reminders about unanswered opinion requests, run by the job queue's worker.

The job kind ``opinion_reminders`` (``manage.py remind_opinions`` queues it; schedule that
command once a day) tells, for each unanswered request of an open cycle whose deadline is within
``KIEMDIEM_REMINDER_DAYS_BEFORE`` days (default 3) or has passed, those who answer it — the
users with a role that changes data (secretary, staff) on the asked unit, or the named person's
users — in-app and by e-mail. One notice per request, user and kind (due soon / overdue):
running it again the same day sends nothing twice.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from kiemdiem.accounts.models import ROLE_ACTIONS, Action, Grant, User
from kiemdiem.audit.services import log_action
from kiemdiem.common.dates import today
from kiemdiem.cycles.models import CycleStatus
from kiemdiem.jobs import registry
from kiemdiem.notifications.services import notify
from kiemdiem.opinions.models import OpinionRequest

log = logging.getLogger(__name__)

KIND = "opinion_reminders"
CHANGE_ROLES = [role for role, actions in ROLE_ACTIONS.items() if Action.CHANGE in actions]


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def recipients(request: OpinionRequest) -> list[User]:
    """Those who answer ``request``: the named person's users; for a unit, the users whose
    secretary/staff role is on the unit itself (else on the nearest unit above that has one)."""
    if request.asked_person_id:
        return list(User.objects.filter(person_id=request.asked_person_id, is_active=True))
    grants = list(
        Grant.objects.filter(role__in=CHANGE_ROLES, user__is_active=True)
        .filter(unit__path__in=_paths(request.asked_unit.path))
        .select_related("user", "unit")
    )
    if not grants:
        return []
    nearest = max(len(g.unit.path) for g in grants)
    users = {g.user.pk: g.user for g in grants if len(g.unit.path) == nearest}
    return [u for u in users.values() if u.person_id != request.subject.person_id]


def _paths(path: str) -> list[str]:
    from kiemdiem.orgtree.models import ancestor_paths

    return ancestor_paths(path, include_self=True)


def send(
    *, day: datetime.date | None = None, before: int | None = None, base_url: str = ""
) -> dict:
    day = day or today()
    before = (
        int(getattr(settings, "KIEMDIEM_REMINDER_DAYS_BEFORE", 3)) if before is None else before
    )
    base_url = (base_url or getattr(settings, "KIEMDIEM_BASE_URL", "")).rstrip("/")
    pending = (
        OpinionRequest.objects.filter(
            subject__cycle__status=CycleStatus.OPEN,
            answers__isnull=True,
            deadline__lte=day + datetime.timedelta(days=before),
        )
        .select_related("subject__person", "subject__unit", "asked_unit", "asked_person")
        .order_by("deadline", "pk")
    )
    sent = {"notices": 0, "emails": 0, "failed": 0}
    for request in pending:
        overdue = request.deadline < day
        key = f"opinion:{request.pk}:{'overdue' if overdue else 'due'}"
        url = reverse("opinion-answer", args=[request.pk])
        told = []
        for user in recipients(request):
            with translation.override(user.language or settings.LANGUAGE_CODE):
                who = request.subject.person.full_name if request.subject.person_id else ""
                if overdue:
                    text = _(
                        "The opinion on %(who)s (%(unit)s) asked of %(asked)s was due on %(day)s "
                        "and is not answered yet."
                    )
                else:
                    text = _("An opinion on %(who)s (%(unit)s) is asked of %(asked)s by %(day)s.")
                text = text % {
                    "who": who,
                    "unit": request.subject.unit.name,
                    "asked": request.asked_name,
                    "day": _fmt(request.deadline),
                }
                subject = _("Opinion requested") if not overdue else _("Opinion overdue")
            notice = notify(user, key=key, text=text, url=url)
            if notice is None:
                continue
            sent["notices"] += 1
            told.append(user.username)
            if user.email:
                try:
                    mail.send_mail(
                        f"[kiemdiem] {subject}", f"{text}\n\n{base_url}{url}", None, [user.email]
                    )
                    notice.emailed = True
                    notice.save(update_fields=["emailed"])
                    sent["emails"] += 1
                except Exception:
                    log.exception("Opinion reminder e-mail to user %s failed", user.pk)
                    sent["failed"] += 1
        if told:
            with transaction.atomic():
                log_action(
                    "opinion.reminded",
                    actor=None,
                    target=request.subject,
                    unit=request.subject.unit,
                    data={"told": len(told)},
                )
    return sent


def _run(context) -> None:
    params = context.params or {}
    day = datetime.date.fromisoformat(params["day"]) if params.get("day") else None
    sent = send(day=day, before=params.get("before"), base_url=params.get("base_url", ""))
    context.note(
        gettext_noop("Notices: %(notices)s, e-mails: %(emails)s, failed e-mails: %(failed)s"),
        **sent,
    )


def register() -> None:
    registry.register(KIND, gettext_lazy("Remind about opinions not answered"), _run)


def queue(*, day: datetime.date | None = None, before: int | None = None, base_url: str = ""):
    """Put a reminder run on the queue (the worker runs it)."""
    from kiemdiem.jobs.services import job_start

    params = {"day": day.isoformat() if day else "", "before": before, "base_url": base_url}
    return job_start(kind=KIND, owner=None, params=params, title=str(registry.kind_of(KIND).label))
