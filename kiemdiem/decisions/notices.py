"""Telling people the result (regulations.md §6 step 9, §3.7 step 5: "the competent authority
notifies the result to the person/collective and to the bodies that manage and use them").

``notify_scope`` — the decision makers' "Gửi thông báo kết quả" for a unit's subtree in a
cycle — takes every decision there that is decided (or decided again) and not yet notified,
and for each:

* tells the subject — the person's own login; for a unit's or a collective's subject, the
  unit's head — the tier, the reason in words, how to complain and the last day to do so
  (``Decision.complaint_until`` = today + ``KIEMDIEM_COMPLAINT_DAYS``, default 30 [M]: the
  guidance names no window for ratings; 30 days is the time the party's complaint rules give
  against a discipline decision, and the setting lets a province choose);
* tells the bodies that manage it: the users with a ``change`` grant on the subject's unit or
  on its deciding level (exactly those units, never every ancestor: a province's staff are not
  told about every member), one summary per unit and run;
* moves the decision to ``notified`` with a ``DecisionEvent`` and an audit line.

In-app and by e-mail in the recipient's language, through the reminders' postman
(``notifications.reminders``). Idempotent: a decision already notified is skipped, so a second
run tells nobody twice; a re-decision (state ``redecided``) is notified again.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import ROLE_ACTIONS, Action, Grant, User
from kiemdiem.audit.services import log_actions_bulk, log_row
from kiemdiem.common.dates import today
from kiemdiem.cycles import policies as cycle_policies
from kiemdiem.cycles.models import ReviewCycle, Subject, TierChoice
from kiemdiem.decisions.models import Decision, DecisionEvent, DecisionState
from kiemdiem.notifications.reminders import CHANGE_ROLES, Sent, _Postman
from kiemdiem.orgtree.models import Unit
from kiemdiem.people.models import Affiliation

# Decided and not yet told.
NOTIFIABLE = (DecisionState.DECIDED, DecisionState.REDECIDED)


def complaint_days() -> int:
    return int(getattr(settings, "KIEMDIEM_COMPLAINT_DAYS", 30))


def fmt(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def tier_label(tier: str) -> str:
    return str(TierChoice(tier).label) if tier in TierChoice.values else tier


def subject_label(subject: Subject) -> str:
    """The subject as a recipient reads it: the person's name, or the unit's."""
    if subject.person_id:
        return f"{subject.person.full_name} — {subject.get_kind_display()}, {subject.unit.name}"
    return f"{subject.get_kind_display()}, {subject.unit.name}"


def subject_users(subject: Subject) -> list[User]:
    """Who is told the subject's own result: the person's login, or the unit's head's."""
    if subject.person_id:
        return list(User.objects.filter(person_id=subject.person_id, is_active=True))
    heads = Affiliation.objects.current().heads().filter(unit_id=subject.unit_id)
    return list(
        User.objects.filter(person_id__in=heads.values("person_id"), is_active=True).order_by("pk")
    )


def deciding_unit(subject: Subject) -> Unit:
    """The level that decides the subject's rating (the same reading as
    ``cycles.policies._decided_in``): a cadre's managing collective; otherwise the level that
    manages the unit where the subject is reviewed (``Unit.managed_by``, else its parent) —
    for a cell's members the grassroots committee (§3.7: "đảng ủy cơ sở decides")."""
    from kiemdiem.people.models import CadreAuthority

    unit = subject.unit
    if subject.person_id and subject.kind != "head":
        authority = (
            CadreAuthority.objects.filter(person_id=subject.person_id, valid_to__isnull=True)
            .select_related("authority")
            .first()
        )
        if authority is not None:
            return authority.authority
    return unit.managed_by or unit.parent or unit


def managers(units: list[Unit]) -> dict[int, set[int]]:
    """Unit id → the users with a ``change`` grant on exactly that unit or on its deciding
    level (bounded: no ancestor's staff)."""
    watch: dict[int, set[int]] = {}  # unit id whose grants count → the units it stands for
    for unit in units:
        for above in {unit.pk, (unit.managed_by_id or unit.parent_id or unit.pk)}:
            watch.setdefault(above, set()).add(unit.pk)
    out: dict[int, set[int]] = {u.pk: set() for u in units}
    for user_id, unit_id in Grant.objects.filter(
        unit_id__in=list(watch), role__in=CHANGE_ROLES, user__is_active=True
    ).values_list("user_id", "unit_id"):
        for unit in watch[unit_id]:
            out[unit].add(user_id)
    return out


@dataclass
class Notified:
    subjects: int = 0
    notices: int = 0
    emails: int = 0
    failed: int = 0


def notifiable(*, cycle: ReviewCycle, unit: Unit, actor) -> QuerySet:
    """The decisions ``actor`` may notify in ``unit``'s subtree: decided, not yet told."""
    subjects = Subject.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
    if actor is not None:
        subjects = subjects.filter(pk__in=cycle_policies.subjects_to_rate(actor).values("pk"))
    return Decision.objects.filter(subject__in=subjects, state__in=NOTIFIABLE)


@transaction.atomic
def notify_scope(
    *,
    cycle: ReviewCycle,
    unit: Unit,
    actor,
    base_url: str = "",
    day: datetime.date | None = None,
) -> Notified:
    """Tell every decided, not yet notified subject in ``unit``'s subtree that ``actor``
    decides (``policies.may_notify``), and their managing bodies. Lock order: the decisions,
    by id (``FOR UPDATE``), then nothing else."""
    ids = list(notifiable(cycle=cycle, unit=unit, actor=actor).values_list("pk", flat=True))
    return notify_decisions(ids, actor=actor, base_url=base_url, day=day)


def notify_decisions(
    decision_ids: list[int],
    *,
    actor,
    base_url: str = "",
    day: datetime.date | None = None,
) -> Notified:
    """Notify these decisions (already checked against the actor's rights by the caller).
    Runs inside the caller's transaction."""
    day = day or today()
    until = day + datetime.timedelta(days=complaint_days())
    result = Notified()
    sent = Sent()
    postman = _Postman(base_url or getattr(settings, "KIEMDIEM_BASE_URL", ""), sent)
    decisions = list(
        Decision.objects.select_for_update(of=("self",))
        .filter(pk__in=decision_ids, state__in=NOTIFIABLE)
        .select_related("subject__person", "subject__unit", "subject__cycle")
        .order_by("pk")
    )
    if not decisions:
        return result
    subjects = [d.subject for d in decisions]
    told = _subject_users_of(subjects)
    levels = _complaint_levels_of(subjects)
    now = timezone.now()
    actor_or_none = actor if getattr(actor, "pk", None) else None
    events = []
    for decision in decisions:
        decision.state = DecisionState.NOTIFIED
        decision.complaint_until = until
        decision.revision += 1
        decision.updated_at = now
        events.append(
            DecisionEvent(
                decision=decision,
                state=DecisionState.NOTIFIED,
                tier=decision.tier,
                reason=decision.reason,
                data={
                    "complaint_until": until.isoformat(),
                    "told": [u.pk for u in told[decision.subject_id]],
                },
                actor=actor_or_none,
                at=now,
            )
        )
    # Bulk writes: a scope's notice run is a few statements, not a few per subject.
    DecisionEvent.objects.bulk_create(events)
    Decision.objects.filter(pk__in=[d.pk for d in decisions]).update(
        state=DecisionState.NOTIFIED,
        complaint_until=until,
        revision=F("revision") + 1,
        updated_at=now,
    )
    log_actions_bulk(
        [
            log_row(
                "decision.notified",
                d.subject,
                unit=d.subject.unit,
                data={
                    "tier": d.tier,
                    "complaint_until": fmt(until),
                    "told": len(told[d.subject_id]),
                },
            )
            for d in decisions
        ],
        actor=actor,
    )
    by_unit: dict[int, list[Decision]] = {}
    for decision, event in zip(decisions, events, strict=True):
        subject = decision.subject
        for user in told[subject.pk]:

            def compose(decision=decision, subject=subject):
                return _result_text(
                    decision, subject, levels[subject.pk], until, personal=bool(subject.person_id)
                )

            postman.deliver(user, key=f"decision-result:{decision.pk}:{event.pk}", compose=compose)
        by_unit.setdefault(subject.unit_id, []).append(decision)
        result.subjects += 1
    _tell_managers(by_unit, postman, until, events[-1].pk)
    result.notices, result.emails, result.failed = sent.notices, sent.emails, sent.failed
    return result


def _subject_users_of(subjects: list[Subject]) -> dict[int, list[User]]:
    """``subject_users`` for many subjects in two queries."""
    heads = dict(
        Affiliation.objects.current()
        .heads()
        .filter(unit_id__in={s.unit_id for s in subjects if not s.person_id})
        .values_list("unit_id", "person_id")
    )
    person_of = {s.pk: s.person_id or heads.get(s.unit_id) for s in subjects}
    users: dict[int, list[User]] = {}
    for user in User.objects.filter(
        person_id__in={p for p in person_of.values() if p}, is_active=True
    ).order_by("pk"):
        users.setdefault(user.person_id, []).append(user)
    return {pk: users.get(person, []) if person else [] for pk, person in person_of.items()}


def _complaint_levels_of(subjects: list[Subject]) -> dict[int, Unit]:
    """Subject id → the level its complaints go to (``complaints.complaint_level``), with
    one query for the cadres' authorities and one per distinct deciding level."""
    from kiemdiem.people.models import CadreAuthority

    authority = dict(
        CadreAuthority.objects.filter(
            person_id__in={s.person_id for s in subjects if s.person_id and s.kind != "head"},
            valid_to__isnull=True,
        ).values_list("person_id", "authority_id")
    )
    cache: dict[int, Unit] = {}

    def unit(pk: int) -> Unit:
        if pk not in cache:
            cache[pk] = Unit.objects.select_related("managed_by", "parent").get(pk=pk)
        return cache[pk]

    out = {}
    for s in subjects:
        if s.person_id and s.kind != "head" and s.person_id in authority:
            level = unit(authority[s.person_id])
        else:
            here = unit(s.unit_id)
            level = unit(here.managed_by_id or here.parent_id or here.pk)
        out[s.pk] = level.managed_by or level.parent or level
    return out


def _result_text(decision: Decision, subject: Subject, level: Unit, until, *, personal: bool):
    """``level``: where complaints go."""
    values = {
        "cycle": subject.cycle.name,
        "what": subject_label(subject),
        "tier": tier_label(decision.tier),
        "reason": decision.reason or _("no reason was written"),
        "until": fmt(until),
        "level": level.name,
    }
    url = reverse("decision-result", args=[decision.pk])
    if personal:
        title = _("Your rating in %(cycle)s: %(tier)s") % values
        text = _(
            "The competent level has decided your rating in %(cycle)s (%(what)s): %(tier)s."
            " Reason: %(reason)s. If you disagree, you may file a complaint, with its reasons"
            " and documents, until %(until)s on the page of this notice; it goes to"
            " %(level)s."
        )
    else:
        title = _("The rating of %(what)s in %(cycle)s: %(tier)s") % values
        text = _(
            "The competent level has decided the rating of %(what)s in %(cycle)s: %(tier)s."
            " Reason: %(reason)s. As its head, you may file a complaint, with its reasons and"
            " documents, until %(until)s on the page of this notice; it goes to %(level)s."
        )
    return title, text % values, url


def _tell_managers(by_unit: dict[int, list[Decision]], postman: _Postman, until, run: int):
    """One summary per managed unit and run (``run``: the run's last event id)."""
    units = list(Unit.objects.filter(pk__in=list(by_unit)))
    watchers = managers(units)
    users = User.objects.in_bulk({u for ids in watchers.values() for u in ids})
    for unit in units:
        decisions = by_unit[unit.pk]
        key = f"decision-results:{unit.pk}:{run}"
        cycle = decisions[0].subject.cycle
        for user_id in sorted(watchers[unit.pk]):

            def compose(unit=unit, decisions=decisions, cycle=cycle):
                lines = [
                    f"{subject_label(d.subject)}: {tier_label(d.tier)}"
                    for d in sorted(decisions, key=lambda d: d.subject.pk)
                ]
                values = {
                    "unit": unit.name,
                    "cycle": cycle.name,
                    "count": len(decisions),
                    "until": fmt(until),
                }
                return (
                    _("Results notified in %(unit)s (%(cycle)s)") % values,
                    "\n".join(
                        [
                            _(
                                "The results of %(count)s subjects in %(unit)s (%(cycle)s) were"
                                " notified; complaints may be filed until %(until)s:"
                            )
                            % values,
                            *lines,
                        ]
                    ),
                    reverse("complaint-queue"),
                )

            postman.deliver(users[user_id], key=key, compose=compose)


DECIDE_ROLES = [role for role, actions in ROLE_ACTIONS.items() if Action.DECIDE in actions]


def deciders_at(unit: Unit) -> list[User]:
    """The decision makers of exactly ``unit`` (grants there, not above: bounded)."""
    ids = Grant.objects.filter(unit=unit, role__in=DECIDE_ROLES, user__is_active=True)
    return list(User.objects.filter(pk__in=ids.values("user_id")).order_by("pk"))


def tell(user: User, *, key: str, compose, base_url: str = "") -> None:
    """One notice (in-app and e-mail, in the user's language) outside a scope run."""
    postman = _Postman(base_url or getattr(settings, "KIEMDIEM_BASE_URL", ""), Sent())
    postman.deliver(user, key=key, compose=compose)
