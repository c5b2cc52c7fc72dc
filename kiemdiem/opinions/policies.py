"""Who may do what with opinions and peer comments. Services enforce it; views and the API ask
it (docs/opinions.md).

* **Request** an opinion on a subject: staff or the cell secretary with ``change`` on the
  subject's unit. Nobody requests opinions on themself.
* **Answer** a request: for a unit asked (residence cell, superior committee, inspection
  commission, employing agency, previous cell), whoever may ``change`` that unit (its secretary
  or staff); for a named person, that person. Nobody answers about themself.
* **See** the answers: whoever may see the subject's self-review (``ReviewPolicy.may_view``:
  the subject, the staff and the deciding levels over them), and the one who answers a request
  their own answer — not the whole residence cell.
* **Peer comments**: a current member of the subject's cell (a seat in the collective for a
  collective's member) comments on the others, never on themself, during the opinions/meeting
  window. The subject and whoever may see the review read the comments — without names, and
  only once the threshold is reached. Whoever may ``change`` the subject's unit (the secretary)
  sees who has not commented yet; nobody ever sees who wrote what.

``user=None`` is the system (demo, commands): it may do everything.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import ALL, has_any, restrict, scope_prefixes, under
from kiemdiem.cycles.models import PERSON_SUBJECT_KINDS, Subject
from kiemdiem.opinions.models import OpinionRequest
from kiemdiem.orgtree.policies import may_change_unit
from kiemdiem.people.models import Affiliation, AffiliationKind
from kiemdiem.reviews.policies import ReviewPolicy


def _person_id(user) -> int | None:
    return getattr(user, "person_id", None)


def _is_self(user, subject: Subject) -> bool:
    person_id = _person_id(user)
    return bool(person_id) and person_id == subject.person_id


def may_request(user, subject: Subject) -> bool:
    if user is None:
        return True
    return may_change_unit(user, subject.unit) and not _is_self(user, subject)


def may_request_in(user, unit) -> bool:
    """Ask for the whole cell in one go: ``change`` on the cell."""
    return user is None or may_change_unit(user, unit)


def may_answer(user, request: OpinionRequest) -> bool:
    if user is None:
        return True
    if _is_self(user, request.subject):
        return False
    if request.asked_person_id:
        return _person_id(user) == request.asked_person_id
    return may_change_unit(user, request.asked_unit)


def may_view_answers(user, subject: Subject) -> bool:
    return user is None or ReviewPolicy(user, subject).may_view


def answers_visible_ids(user, subjects: list[Subject]) -> set[int]:
    """Of ``subjects``, those whose answers ``user`` may see — ``may_view_answers`` for many
    at once (the review's own rule: the subject through the door), in one query."""
    ids = [s.pk for s in subjects]
    if user is None:
        return set(ids)
    visible = restrict(Subject.objects.filter(pk__in=ids), user, Action.VIEW)
    return set(visible.values_list("pk", flat=True))


def answerable_q(user) -> Q:
    """The requests ``user`` answers (their inbox), as one condition."""
    if user is None:
        return Q()
    prefixes = scope_prefixes(user, Action.CHANGE)
    q = Q(asked_unit__isnull=False) if prefixes == ALL else under("asked_unit__path", prefixes)
    person_id = _person_id(user)
    if person_id:
        q = (q | Q(asked_person_id=person_id)) & ~Q(subject__person_id=person_id)
    return q


def answerable(user) -> QuerySet:
    return OpinionRequest.objects.filter(answerable_q(user))


# --- peer comments ---------------------------------------------------------------------------


def peers_of(subject: Subject) -> QuerySet:
    """The people who may comment on ``subject``: the current members of its cell (the seats
    of its collective), the subject excepted."""
    kinds = [AffiliationKind.CELL, AffiliationKind.POSITION]
    return (
        Affiliation.objects.current()
        .filter(unit_id=subject.unit_id, kind__in=kinds)
        .exclude(person_id=subject.person_id)
        .values_list("person_id", flat=True)
        .distinct()
    )


def may_comment(user, subject: Subject) -> bool:
    """The rule without the window (``services.peer_window`` says when)."""
    person_id = _person_id(user)
    if not person_id or subject.person_id is None or subject.kind not in PERSON_SUBJECT_KINDS:
        return False
    if person_id == subject.person_id:
        return False
    return peers_of(subject).filter(person_id=person_id).exists()


def may_read_comments(user, subject: Subject) -> bool:
    """The subject and the meeting (whoever may see the review); the threshold is the
    selector's."""
    return user is None or _is_self(user, subject) or ReviewPolicy(user, subject).may_view


def may_see_missing(user, subject: Subject) -> bool:
    """Who has not commented yet: the secretary and staff of the subject's unit."""
    return user is None or may_change_unit(user, subject.unit)


def may_write_notes_somewhere(user) -> bool:
    """Any comment or conclusion to write at all (``change`` or ``decide`` somewhere): asked
    before the body of a note is read."""
    return user is None or has_any(user, Action.CHANGE) or has_any(user, Action.DECIDE)


def check(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not do this."))
