"""Who may do what with review cycles, plans and subjects. Services enforce it; views and the
API ask it.

* A cycle is opened at a unit by whoever may ``change`` that unit. The cycle-wide acts that
  follow — listing the subjects from the registry, closing the cycle — are the opening level's:
  ``change`` on the cycle's root.
* A level issues and revises its own plan (``change`` on the plan's unit); the level above sends
  it back (``change`` on the unit of the plan it fits into).
* Subjects are added by hand, or taken out of the rating, where they are reviewed (``change`` on
  the subject's unit).
* The rating is decided by the competent level (``may_rate``), and nobody rates themselves.
* A person rated differently in several places: the level that decides every one of the
  places chooses the final tier (``may_choose_place``, §16.9 C4).
* A local rule pack is pinned by the staff of the province or unit that issued it
  (``may_pin_local_pack``).

``user=None`` is the system itself (the demo builder, management commands, fixtures): it may do
everything. Every user-facing path passes the requesting user.
"""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, restrict, scope_prefixes, under
from kiemdiem.cycles.models import Plan, ReviewCycle, Subject, SubjectKind
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import covers, may_change_unit
from kiemdiem.people.models import CadreAuthority


def may_open_cycle(user, root: Unit) -> bool:
    return may_change_unit(user, root)


class CyclePolicy:
    def __init__(self, user, cycle: ReviewCycle):
        self.user = user
        self.cycle = cycle

    @cached_property
    def may_view(self) -> bool:
        """The cycle concerns the user: opened above or inside their subtrees (for a member,
        above the units they belong to) — the door's rule for cycles."""
        if self.user is None:
            return True
        cycles = ReviewCycle.objects.filter(pk=self.cycle.pk)
        return restrict(cycles, self.user, Action.VIEW).exists()

    @cached_property
    def may_manage(self) -> bool:
        """The cycle-wide acts: list the subjects from the registry, close the cycle."""
        return may_change_unit(self.user, self.cycle.root)

    @property
    def may_generate_subjects(self) -> bool:
        return self.may_manage

    @property
    def may_close(self) -> bool:
        return self.may_manage


def may_issue_plan(user, unit: Unit) -> bool:
    """Issue (or revise) ``unit``'s own plan."""
    return may_change_unit(user, unit)


class PlanPolicy:
    def __init__(self, user, plan: Plan):
        self.user = user
        self.plan = plan

    @cached_property
    def may_revise(self) -> bool:
        return may_issue_plan(self.user, self.plan.unit)

    @cached_property
    def may_return(self) -> bool:
        """Send the plan back: the level of the plan it fits into. The opening level's plan has
        none above it."""
        parent = self.plan.parent
        return parent is not None and may_change_unit(self.user, parent.unit)


def may_change_subjects(user, unit: Unit) -> bool:
    """Add a subject reviewed in ``unit`` by hand, or take one out of the rating."""
    return may_change_unit(user, unit)


def _under(field: str, prefixes) -> Q:
    """Rows whose ``field`` (a unit path) lies in the subtrees ``prefixes`` (ALL: any unit)."""
    if prefixes == ALL:
        return Q(**{f"{field}__isnull": False})
    return under(field, prefixes)


def _decided_in(prefixes) -> Q:
    """Subjects whose deciding level lies in the subtrees ``prefixes``:

    * a unit, a collective and a head: the unit's deciding level (``Unit.managed_by``, else the
      parent) — never the unit itself;
    * a cadre with a current cadre-management authority: that authority;
    * any other person: the unit where they are reviewed.
    """
    unit_level = Q(person__isnull=True) | Q(kind=SubjectKind.HEAD)
    by_unit = (Q(unit__managed_by__isnull=False) & _under("unit__managed_by__path", prefixes)) | (
        Q(unit__managed_by__isnull=True) & _under("unit__parent__path", prefixes)
    )
    authority = CadreAuthority.objects.filter(
        person_id=OuterRef("person_id"), valid_to__isnull=True
    )
    by_person = Exists(authority.filter(_under("authority__path", prefixes))) | (
        ~Exists(authority) & _under("unit__path", prefixes)
    )
    return (unit_level & by_unit) | (~unit_level & by_person)


def subjects_to_rate(user) -> QuerySet:
    """Every subject ``user`` may rate, in any cycle and state: where their ``decide`` right
    covers the subject's deciding level, and — on the state track — the staff of the agencies
    they head (``Subject.agency_staff_q``). Nobody rates themselves."""
    if user is None:
        return Subject.objects.all()
    prefixes = scope_prefixes(user, Action.DECIDE)
    q = _decided_in(prefixes) if prefixes else Q(pk__in=[])
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Subject.objects.filter(q)
    return Subject.objects.filter(q | Subject.agency_staff_q(person_id)).exclude(
        person_id=person_id
    )


def rates_anyone(user) -> bool:
    """False only when ``subjects_to_rate(user)`` holds nothing: no ``decide`` right anywhere
    and no unit the user heads (the agency-head rule). One cheap question before the decider's
    queue builds its heavy one (most users of a start page decide nothing)."""
    if user is None or scope_prefixes(user, Action.DECIDE):
        return True
    person_id = getattr(user, "person_id", None)
    return bool(person_id) and Subject._headed_units(person_id).exists()


def may_rate(user, subject: Subject) -> bool:
    """``subjects_to_rate`` for one subject."""
    if user is None:
        return True
    return subjects_to_rate(user).filter(pk=subject.pk).exists()


def may_choose_place(user, subjects) -> bool:
    """Choose the final tier of a person rated in several places (§16.9 C4): the competent
    level is the one whose ``decide`` right covers the deciding level of *every* place — one
    who may rate each of them (``subjects_to_rate``); the person never chooses for themself.
    A level that decides only one of the places is refused."""
    ids = {s.pk for s in subjects}
    if user is None:
        return True
    if not ids:
        return False
    return subjects_to_rate(user).filter(pk__in=ids).count() == len(ids)


def may_pin_local_pack(user, cycle: ReviewCycle, issuer: Unit) -> bool:
    """Pin a local rule pack to ``cycle``: the staff of the issuing province or unit
    (``change`` on it) — and only for a cycle they can see."""
    return may_change_unit(user, issuer) and CyclePolicy(user, cycle).may_view


def rated_as_agency_head(user) -> QuerySet:
    """The state-track subjects ``user`` rates as the head of their agency (their own page
    lists them)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Subject.objects.none()
    return Subject.objects.filter(Subject.agency_staff_q(person_id))


def board_units(user, cycle: ReviewCycle) -> list[Unit]:
    """Where ``user``'s progress boards of ``cycle`` start: the cycle's root when they see all
    of it, otherwise the top units of their subtrees inside it."""
    prefixes = scope_prefixes(user, Action.VIEW)
    root = cycle.root
    if covers(prefixes, root.path):
        return [root]
    inside = [p for p in prefixes if p.startswith(root.path)]
    return list(Unit.objects.filter(path__in=inside).order_by("path"))


def may_read_whole(user, unit: Unit) -> bool:
    """A grant to view that covers ``unit``'s whole subtree (at or above it): the progress
    board of such a reader is answered from the subject summaries (``cycles.board``)."""
    return user is not None and covers(scope_prefixes(user, Action.VIEW), unit.path)


def refuse(message: str | None = None):
    raise PermissionDenied(message or _("You may not do this in this cycle."))


def check(allowed: bool, message: str | None = None) -> None:
    """Refuse (PermissionDenied, nothing changed) unless ``allowed``."""
    if not allowed:
        refuse(message)
