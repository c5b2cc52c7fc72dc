"""Who may do what with decisions. Services enforce it; views and the API ask it.

* **Propose** a tier (the advisory body): staff who may change the unit where the subject is
  reviewed (the chi ủy for a cell, the organization section above it), or the deciding level
  itself. Nobody proposes for themself.
* **Decide** (and decide again, finalize a screen, override a quota or cap with a reason): the
  competent level — ``cycles.policies.may_rate`` (``Unit.managed_by``, ``CadreAuthority``, the
  agency head on the state track). Nobody decides for themself.

``user=None`` is the system (demo, commands): it may do everything.
"""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, has_any, restrict, scope_prefixes, under
from kiemdiem.cycles import policies as cycle_policies
from kiemdiem.cycles.models import Subject, SubjectStatus
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import may, may_change_unit


class DecisionPolicy:
    def __init__(self, user, subject: Subject):
        self.user = user
        self.subject = subject

    @cached_property
    def _is_self(self) -> bool:
        person_id = getattr(self.user, "person_id", None)
        return bool(person_id) and person_id == self.subject.person_id

    @cached_property
    def may_decide(self) -> bool:
        return cycle_policies.may_rate(self.user, self.subject)

    @cached_property
    def may_propose(self) -> bool:
        if self.user is None:
            return True
        if self._is_self:
            return False
        return may_change_unit(self.user, self.subject.unit) or self.may_decide


def state_tier_ids(user, state_subjects: list[Subject], advised_persons: set[int]) -> set[int]:
    """Which of ``state_subjects`` (state-track ratings of people on a proposals page) the page
    may show to ``user``:

    * those the permission door lets ``user`` see (``restrict``: a grant over the agency);
    * for the advisory body of the same person's party rating (``advised_persons``: the people
      ``user`` may propose for — the chi ủy, the organization section, the deciding level),
      the **decided** state tier only: regulations.md §6 step 5 has the advisory body collect
      "the state CBCCVC rating" before it proposes (§12.6: it precedes and caps the party
      tier). A pending state rating, its review and its reasons stay the agency's.
    """
    if user is None:
        return {s.pk for s in state_subjects}
    ids = [s.pk for s in state_subjects]
    seen = set(
        restrict(Subject.objects.filter(pk__in=ids), user, Action.VIEW).values_list(
            "pk", flat=True
        )
    )
    return seen | {
        s.pk
        for s in state_subjects
        if s.person_id in advised_persons and s.status == SubjectStatus.RATED and s.tier
    }


def proposable_ids(user, subjects: list[Subject], unit: Unit) -> set[int]:
    """``DecisionPolicy.may_propose`` for many subjects in two queries: the staff of the unit
    (``change`` on it covers the units under it) or the deciding level; never oneself."""
    if user is None:
        return {s.pk for s in subjects}
    staff = may_change_unit(user, unit)
    deciding = set(
        cycle_policies.subjects_to_rate(user)
        .filter(pk__in=[s.pk for s in subjects])
        .values_list("pk", flat=True)
    )
    own = getattr(user, "person_id", None)
    return {
        s.pk for s in subjects if not (own and s.person_id == own) and (staff or s.pk in deciding)
    }


def _under(field: str, prefixes) -> Q:
    """Rows whose ``field`` (a unit path) lies in the subtrees ``prefixes`` (ALL: any)."""
    return Q() if prefixes == ALL else under(field, prefixes)


def complaints_to_handle_q(user) -> Q:
    """The complaints ``user``'s level decides: a ``decide`` right over the level that handles
    them; never their own, nor against a decision they made."""
    if user is None:
        return Q()
    q = _under("handled_at_unit__path", scope_prefixes(user, Action.DECIDE))
    q &= ~Q(decision__decided_by=user)  # not against a decision of their own
    person_id = getattr(user, "person_id", None)
    return q & ~Q(decision__subject__person_id=person_id) if person_id else q


def publications_managed_q(user) -> Q:
    """The publications ``user`` may withdraw: those of units under their ``change`` or
    ``decide`` rights (the staff and the deciding level)."""
    if user is None:
        return Q()
    change, decide = scope_prefixes(user, Action.CHANGE), scope_prefixes(user, Action.DECIDE)
    if ALL in (change, decide):
        return Q()
    return _under("unit__path", set(change) | set(decide))


def may_export_decisions(user) -> bool:
    """The lists of tiers and the notices (``decisions/exporters.py``): a role that reads some
    subtree; what they hold is read through the door (a member's own grant gives nothing)."""
    return user is not None and has_any(user, Action.VIEW)


def may_decide_somewhere(user) -> bool:
    """A decision maker somewhere (the menu's complaints queue, a unit's results page)."""
    return user is not None and has_any(user, Action.DECIDE)


def may_publish_somewhere(user) -> bool:
    """Anything at all to publish: asked before the body of a publication is read."""
    return user is None or has_any(user, Action.CHANGE) or has_any(user, Action.DECIDE)


def may_decide_in(user, cycle) -> bool:
    """Anything at all to decide in ``cycle`` (a decide grant over some of its subjects, or an
    agency head's staff): asked before the body of a many-subject decision is read."""
    if user is None:
        return True
    return cycle_policies.subjects_to_rate(user).filter(cycle=cycle).exists()


def check(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not do this."))


# --- Notification, publication, complaints (docs/notices-publication-complaints.md) -------


def may_notify(user, subject: Subject) -> bool:
    """Send the result to the subject and the bodies managing it: whoever decides it."""
    return DecisionPolicy(user, subject).may_decide


def _may_act_on(user, unit) -> bool:
    """The deciding level for a unit's list: staff with ``change`` on it, or its deciders."""
    return may_change_unit(user, unit) or may(user, Action.DECIDE, unit)


def may_publish(user, unit, audience_unit=None) -> bool:
    """Publish ``unit``'s decided list — and show it to ``audience_unit``, which must be the
    publisher's too (nobody publishes into a subtree they do not act on)."""
    if user is None:
        return True
    return _may_act_on(user, unit) and (audience_unit is None or _may_act_on(user, audience_unit))


def may_withdraw(user, publication) -> bool:
    return may_publish(user, publication.unit)


def _heads_person_ids(unit) -> set[int]:
    from kiemdiem.people.models import Affiliation

    return set(
        Affiliation.objects.current().heads().filter(unit=unit).values_list("person_id", flat=True)
    )


def is_complainant(user, subject: Subject) -> bool:
    """The subject in person; for a unit's or a collective's subject, the unit's head now."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    if subject.person_id:
        return person_id == subject.person_id
    return person_id in _heads_person_ids(subject.unit)


def may_file_complaint(user, subject: Subject) -> bool:
    """Only the subject (or, for a unit, its head) complains about their own rating."""
    if user is None:
        return True
    return is_complainant(user, subject)


def may_handle_complaint(user, complaint) -> bool:
    """The level that decides complaints (``Complaint.handled_at_unit``): its ``decide`` right.
    Nobody decides their own complaint, nor one against a decision they made themself."""
    if user is None:
        return True
    if is_complainant(user, complaint.decision.subject):
        return False
    if complaint.decision.decided_by_id == getattr(user, "pk", None):
        return False
    return may(user, Action.DECIDE, complaint.handled_at_unit)


def may_view_complaint(user, complaint) -> bool:
    """The complaint and its files: the one who filed it, the level that handles it, and the
    level that decided the rating."""
    if user is None:
        return True
    subject = complaint.decision.subject
    return (
        is_complainant(user, subject)
        or may_handle_complaint(user, complaint)
        or DecisionPolicy(user, subject).may_decide
    )
