"""Reminders before and after the self-review deadline, and a daily digest of what is overdue.

Run once a day (``manage.py send_reminders``, from cron). For every open cycle:

* each person whose self-review is not submitted is reminded ``KIEMDIEM_REMINDER_DAYS_BEFORE``
  days (default 3) before the due date of the self-review stage in the plan that governs their
  unit, and once more when that date has passed; a collective's or unit's report is the head's
  to write, so the head is reminded;
* every user with a role that may change data on a unit (staff, secretary, administrator)
  gets one digest a day while something in that unit's subtree is overdue (self-reviews not
  submitted, ratings not recorded), with a link to the progress board.

Each notice is an in-app ``Notification`` whose key says what it is about, so running the
command again the same day sends nothing twice. A notice is also e-mailed when the user has an
address, and marked ``emailed``; a notice whose e-mail failed is e-mailed again on the next run.
Texts are written in the recipient's language.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import mail
from django.db.models import Count, Q, Subquery
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import ROLE_ACTIONS, Action, Grant, User
from kiemdiem.common.dates import today
from kiemdiem.cycles.board import (
    ACTIVE,
    DECISION,
    SELF_REVIEW,
    WRITES_REVIEW,
    Dues,
    review_open_q,
    with_reviews,
)
from kiemdiem.cycles.models import (
    CycleStatus,
    ReviewCycle,
    Subject,
    SubjectKind,
    SubjectStatus,
)
from kiemdiem.notifications.models import Notification
from kiemdiem.notifications.services import notify
from kiemdiem.orgtree.models import ancestor_paths
from kiemdiem.people.models import Affiliation

logger = logging.getLogger(__name__)

CHANGE_ROLES = [role for role, actions in ROLE_ACTIONS.items() if Action.CHANGE in actions]


def days_before() -> int:
    return int(getattr(settings, "KIEMDIEM_REMINDER_DAYS_BEFORE", 3))


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class Sent:
    notices: int = 0
    emails: int = 0
    digests: int = 0
    failed: int = 0


class _Postman:
    """Leaves notices and e-mails them, skipping what an earlier run already delivered."""

    def __init__(self, base_url: str, sent: Sent):
        self.base_url = base_url.rstrip("/")
        self.sent = sent
        self.connection = mail.get_connection()
        self.known: dict[tuple[int, str], tuple[int, bool]] = {}

    def load(self, key_prefix: str) -> None:
        """Remember the notices already left under ``key_prefix`` (one query per cycle)."""
        rows = Notification.objects.filter(key__startswith=key_prefix).values_list(
            "user_id", "key", "pk", "emailed"
        )
        self.known.update({(user, key): (pk, emailed) for user, key, pk, emailed in rows})

    def deliver(self, user: User, *, key: str, compose) -> bool:
        """``compose()`` → (mail subject, text, url), called in the recipient's language."""
        known = self.known.get((user.pk, key))
        if known is not None and (known[1] or not user.email):
            return False  # delivered before (or nothing more to do)
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject, text, url = compose()
            footer = _("You can also read this notice in kiemdiem, under Notifications.")
        if known is None:
            notice = notify(user, key=key, text=text, url=url)
            if notice is None:  # left meanwhile by another run
                return False
            pk = notice.pk
            self.known[(user.pk, key)] = (pk, False)
            self.sent.notices += 1
        else:
            pk = known[0]
        if not user.email:
            return True
        link = f"{self.base_url}{url}" if url else ""
        body = "\n\n".join(part for part in (text, link, footer) if part)
        try:
            mail.send_mail(
                f"[kiemdiem] {subject}",
                body,
                None,
                [user.email],
                connection=self.connection,
            )
        except Exception:  # the notice stays un-emailed and is retried on the next run
            logger.exception("Reminder e-mail to user %s failed", user.pk)
            self.sent.failed += 1
            return True
        Notification.objects.filter(pk=pk).update(emailed=True)
        self.known[(user.pk, key)] = (pk, True)
        self.sent.emails += 1
        return True


UNIT_KINDS = frozenset({SubjectKind.PARTY_ORG, SubjectKind.COLLECTIVE, SubjectKind.STATE_AGENCY})


def _subject_label(kind: str, unit_name: str) -> str:
    return f"{SubjectKind(kind).label}, {unit_name}"


def _personal(cycle: ReviewCycle, dues: Dues, day, before: int, postman: _Postman) -> None:
    """Remind the writers of the self-reviews that are not submitted."""
    open_reviews = with_reviews(Subject.objects.filter(cycle=cycle), cycle).filter(
        ACTIVE & WRITES_REVIEW & review_open_q()
    )
    # (subject, kind, unit path, unit name, user) — the person's own login ...
    rows = list(
        open_reviews.filter(person__user__is_active=True).values_list(
            "pk", "kind", "unit__path", "unit__name", "person__user"
        )
    )
    # ... and for a collective's or a unit's report, its head's.
    units = open_reviews.filter(person__isnull=True)
    heads: dict[int, list[int]] = {}
    for unit_id, user_id in (
        Affiliation.objects.current()
        .heads()
        .filter(
            unit_id__in=Subquery(units.values("unit_id")),
            person__user__is_active=True,
        )
        .values_list("unit_id", "person__user")
    ):
        heads.setdefault(unit_id, []).append(user_id)
    for pk, kind, unit_id, path, name in units.values_list(
        "pk", "kind", "unit_id", "unit__path", "unit__name"
    ):
        rows += [(pk, kind, path, name, user_id) for user_id in heads.get(unit_id, [])]

    due_of: dict[str, datetime.date | None] = {}
    wanted = []
    for pk, kind, path, name, user_id in rows:
        if path not in due_of:
            due_of[path] = dues.due(path, SELF_REVIEW)
        due = due_of[path]
        if due is None:
            continue
        if day > due:
            wanted.append((f"self-review-overdue:{cycle.pk}:{pk}", pk, kind, name, user_id, due))
        elif (due - day).days <= before:
            wanted.append((f"self-review-due:{cycle.pk}:{pk}", pk, kind, name, user_id, due))
    users = User.objects.in_bulk({row[4] for row in wanted})
    for key, pk, kind, name, user_id, due in wanted:
        overdue = key.startswith("self-review-overdue")

        def compose(pk=pk, kind=kind, name=name, due=due, overdue=overdue):
            values = {
                "cycle": cycle.name,
                "what": SubjectKind(kind).label
                if kind in UNIT_KINDS
                else _subject_label(kind, name),
                "unit": name,
                "due": _fmt(due),
            }
            url = reverse("review-edit", args=[pk])
            if kind in UNIT_KINDS:  # a collective's or a unit's report, written by its head
                if overdue:
                    return (
                        _("Overdue: the report of %(unit)s was due on %(due)s") % values,
                        _(
                            "The review report of %(unit)s (%(what)s) in %(cycle)s was due on"
                            " %(due)s and has not been submitted yet. As its head, you submit it."
                        )
                        % values,
                        url,
                    )
                return (
                    _("Reminder: the report of %(unit)s is due on %(due)s") % values,
                    _(
                        "The review report of %(unit)s (%(what)s) in %(cycle)s is due on"
                        " %(due)s. As its head, you submit it."
                    )
                    % values,
                    url,
                )
            if overdue:
                return (
                    _("Overdue: your self-review was due on %(due)s") % values,
                    _(
                        "Your self-review in %(cycle)s (%(what)s) was due on %(due)s and has"
                        " not been submitted yet."
                    )
                    % values,
                    url,
                )
            return (
                _("Reminder: your self-review is due on %(due)s") % values,
                _("Your self-review in %(cycle)s (%(what)s) is due on %(due)s.") % values,
                url,
            )

        postman.deliver(users[user_id], key=key, compose=compose)


def overdue_by_subtree(cycle: ReviewCycle, dues: Dues, day) -> dict[str, tuple[int, int]]:
    """Unit path → (self-reviews, ratings) overdue in its subtree (units with some only)."""
    rows = (
        with_reviews(Subject.objects.filter(cycle=cycle), cycle)
        .values("unit__path")
        .annotate(
            reviews=Count("id", filter=ACTIVE & WRITES_REVIEW & review_open_q()),
            ratings=Count("id", filter=Q(status=SubjectStatus.PENDING)),
        )
        .order_by()
    )
    totals: dict[str, list[int]] = {}
    for row in rows:
        path = row["unit__path"]
        review_due = dues.due(path, SELF_REVIEW)
        decision_due = dues.due(path, DECISION)
        reviews = row["reviews"] if review_due is not None and review_due < day else 0
        ratings = row["ratings"] if decision_due is not None and decision_due < day else 0
        if not (reviews or ratings):
            continue
        for above in ancestor_paths(path, include_self=True):
            total = totals.setdefault(above, [0, 0])
            total[0] += reviews
            total[1] += ratings
    return {path: (r, d) for path, (r, d) in totals.items()}


def _digests(cycle: ReviewCycle, dues: Dues, day, postman: _Postman) -> None:
    """One digest a day for each user who may act on a unit with overdue items below it."""
    overdue = overdue_by_subtree(cycle, dues, day)
    if not overdue:
        return
    root = cycle.root
    places: dict[int, dict[str, tuple[int, str]]] = {}  # user → path → (unit id, name)
    grants = Grant.objects.filter(
        role__in=CHANGE_ROLES, unit__valid_to__isnull=True, user__is_active=True
    ).values_list("user_id", "unit_id", "unit__path", "unit__name")
    for user_id, unit_id, path, name in grants:
        if root.path.startswith(path):
            unit_id, path, name = root.pk, root.path, root.name
        elif not path.startswith(root.path):
            continue
        places.setdefault(user_id, {})[path] = (unit_id, name)
    users = User.objects.in_bulk(list(places))
    key = f"overdue-digest:{cycle.pk}:{day.isoformat()}"
    for user_id, by_path in places.items():
        minimal: list[str] = []
        for path in sorted(by_path):
            if not minimal or not path.startswith(minimal[-1]):
                minimal.append(path)
        lines = [(by_path[p], overdue[p]) for p in minimal if p in overdue]
        if not lines:
            continue

        def compose(lines=lines):
            text = "\n".join(
                [_("Overdue in %(cycle)s on %(day)s:") % {"cycle": cycle.name, "day": _fmt(day)}]
                + [
                    _(
                        "%(unit)s — self-reviews not submitted: %(reviews)s; ratings not recorded:"
                        " %(ratings)s"
                    )
                    % {"unit": name, "reviews": reviews, "ratings": ratings}
                    for (_unit_id, name), (reviews, ratings) in lines
                ]
            )
            first_unit = lines[0][0][0]
            return (
                _("Overdue reviews in %(cycle)s") % {"cycle": cycle.name},
                text,
                reverse("cycle-board", args=[cycle.pk, first_unit]),
            )

        if postman.deliver(users[user_id], key=key, compose=compose):
            postman.sent.digests += 1


def send_reminders(
    *, day: datetime.date | None = None, before: int | None = None, base_url: str = ""
) -> Sent:
    """Send what is due today (idempotent: a second run the same day sends nothing new)."""
    day = day or today()
    before = days_before() if before is None else before
    sent = Sent()
    postman = _Postman(base_url or getattr(settings, "KIEMDIEM_BASE_URL", ""), sent)
    for cycle in ReviewCycle.objects.filter(status=CycleStatus.OPEN).select_related("root"):
        dues = Dues(cycle)
        postman.load(f"self-review-due:{cycle.pk}:")
        postman.load(f"self-review-overdue:{cycle.pk}:")
        postman.load(f"overdue-digest:{cycle.pk}:{day.isoformat()}")
        _personal(cycle, dues, day, before, postman)
        _digests(cycle, dues, day, postman)
    return sent
