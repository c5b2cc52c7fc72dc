"""Who may do what with a subject's self-review. Services enforce it; views and the API ask it.

* **The writer** writes it: the person reviewed, or — for a unit's or a collective's report —
  the unit's head (``is_writer``; ``writers`` and ``subjects_written_by`` are the same rule as
  queries). Staff and secretaries with ``change`` on the subject's unit may write it too, on the
  writer's behalf. Whoever may write it starts, saves, submits, amends and links it.
* **Sending back** and **suggesting content** are for those with ``change`` on the subject's
  unit who are not its writer: nobody sends back their own review. A suggestion is raised in
  the name of the nearest unit, at or above the subject's, where the actor may change things
  (``suggesting_level``).
* **Rating** is the competent level's (``cycles.policies.may_rate``: nobody rates themselves,
  the agency head rates the staff's state-track self-assessments).
* **Reading** goes through the door: whoever sees the subject sees its review.
* **Rule codes** (rule ids, expressions, the pack's hash) in the "Why" explanation are for the
  organization's staff, administrators and inspectors, who check results against the rule
  packs; members and secretaries read the explanation in words only (``shows_rule_codes``).

``ReviewPolicy`` answers two kinds of questions:

* rights (``may_*``), whatever state the review is in: what the services enforce
  (``PermissionDenied``, nothing changed);
* what the page offers now (``offers_*``): the right, and the state in which the act can happen
  (the cycle open, the review submitted, the subject not rated yet). A service refuses a wrong
  state with a ``ValidationError`` that says why.

``user=None`` is the system itself (the demo builder, management commands, fixtures): it may do
everything. Every user-facing path passes the requesting user.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action, Role
from kiemdiem.accounts.permissions import ALL, has_any, restrict, roles_of, scope_prefixes
from kiemdiem.cycles.models import CycleStatus, Subject, SubjectStatus
from kiemdiem.cycles.policies import may_rate
from kiemdiem.orgtree.models import Unit
from kiemdiem.orgtree.policies import may_change_unit
from kiemdiem.people.models import Affiliation


def headed_units(person_id: int) -> QuerySet:
    """The ids of the units ``person_id`` heads now (as values for ``__in``)."""
    return Affiliation.objects.current().heads().filter(person_id=person_id).values("unit_id")


def _writer_q(person_id: int) -> Q:
    return Q(person_id=person_id) | Q(person__isnull=True, unit_id__in=headed_units(person_id))


def is_writer(user, subject: Subject) -> bool:
    """The person reviewed, or the head who writes a unit's (or a collective's) report."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return False
    if subject.person_id:
        return subject.person_id == person_id
    return headed_units(person_id).filter(unit_id=subject.unit_id).exists()


def subjects_written_by(user) -> QuerySet:
    """The subjects whose review ``user`` writes themself (``is_writer`` as one query)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Subject.objects.none()
    return Subject.objects.filter(_writer_q(person_id))


def writers(subject: Subject) -> QuerySet:
    """The active users who write ``subject``'s review (``is_writer`` the other way round)."""
    users = get_user_model().objects.filter(is_active=True)
    if subject.person_id:
        return users.filter(person_id=subject.person_id)
    heads = Affiliation.objects.current().heads().filter(unit_id=subject.unit_id)
    return users.filter(person_id__in=heads.values("person_id"))


def suggesting_level(user, subject: Subject) -> Unit | None:
    """The unit a suggestion by ``user`` is raised in the name of: the nearest unit, at or above
    the subject's, where they may change things (the cycle's root for the whole tree and the
    system); ``None`` where they may not."""
    if user is None:
        return subject.cycle.root
    prefixes = scope_prefixes(user, Action.CHANGE)
    if prefixes == ALL:
        return subject.cycle.root
    covering = [p for p in prefixes if subject.unit.path.startswith(p)]
    if not covering:
        return None
    return Unit.objects.get(path=max(covering, key=len))


RULE_CODE_ROLES = (Role.ADMIN, Role.STAFF, Role.INSPECTOR)


def shows_rule_codes(user) -> bool:
    """Whether the explanation shows rule codes: a display choice, not a right (the codes are
    in the published rule packs)."""
    if user is None or user.is_superuser:
        return True
    return not roles_of(user).isdisjoint(RULE_CODE_ROLES)


class ReviewPolicy:
    """What ``user`` may do with ``subject``'s self-review (``review``, when the page has it
    already: the ``offers_*`` answers read its state)."""

    def __init__(self, user, subject: Subject, review=None):
        self.user = user
        self.subject = subject
        self.review = review

    # --- rights -----------------------------------------------------------------------

    @cached_property
    def is_writer(self) -> bool:
        return is_writer(self.user, self.subject)

    @cached_property
    def may_view(self) -> bool:
        if self.user is None:
            return True
        subjects = Subject.objects.filter(pk=self.subject.pk)
        return restrict(subjects, self.user, Action.VIEW).exists()

    @cached_property
    def may_change(self) -> bool:
        """``change`` on the subject's unit: staff and secretaries of that subtree."""
        return may_change_unit(self.user, self.subject.unit)

    @cached_property
    def may_write(self) -> bool:
        """Start, save, submit, amend and link: the writer, or staff on the writer's behalf."""
        return self.user is None or self.is_writer or self.may_change

    @property
    def may_submit(self) -> bool:
        return self.may_write

    @property
    def may_amend(self) -> bool:
        return self.may_write

    @property
    def may_link(self) -> bool:
        return self.may_write

    @cached_property
    def may_return(self) -> bool:
        """Send a submitted review back to its writer: not the writer themself."""
        return self.user is None or (self.may_change and not self.is_writer)

    @cached_property
    def may_suggest(self) -> bool:
        return self.user is None or (
            not self.is_writer and suggesting_level(self.user, self.subject) is not None
        )

    @cached_property
    def may_rate(self) -> bool:
        return may_rate(self.user, self.subject)

    @cached_property
    def shows_rule_codes(self) -> bool:
        return shows_rule_codes(self.user)

    # --- what the page offers now -------------------------------------------------------

    @property
    def _open(self) -> bool:
        return self.subject.cycle.status == CycleStatus.OPEN

    @property
    def _pending(self) -> bool:
        return self.subject.status == SubjectStatus.PENDING

    @property
    def offers_start(self) -> bool:
        return self.review is None and self._pending and self._open and self.may_write

    @property
    def offers_edit(self) -> bool:
        """The draft is open for writing (saved as it is typed)."""
        review = self.review
        return (
            review is not None
            and not review.locked
            and not self.subject.tier
            and self._open
            and self.may_write
        )

    @property
    def offers_amend(self) -> bool:
        review = self.review
        return review is not None and review.locked and not self.subject.tier and self.may_amend

    @property
    def offers_return(self) -> bool:
        review = self.review
        return review is not None and review.locked and not self.subject.tier and self.may_return

    @property
    def offers_suggest(self) -> bool:
        return self._pending and self._open and self.may_suggest

    @property
    def offers_rate(self) -> bool:
        return self._pending and self.may_rate


def refuse(message: str | None = None):
    raise PermissionDenied(message or _("You may not do this with this review."))


def check(allowed: bool, message: str | None = None) -> None:
    """Refuse (PermissionDenied, nothing changed) unless ``allowed``."""
    if not allowed:
        refuse(message)


def shortcoming_subject(row) -> Subject | None:
    """The subject whose review or rating the row belongs to: the review it was found in, the
    subject a meeting or a decision named it for, or the review it was added to."""
    if row.source_review_id:
        return row.source_review.subject
    if row.source_subject_id:
        return row.source_subject
    if row.reported_in_id:
        return row.reported_in.subject
    return None


def may_export_reviews(user) -> bool:
    """Self-reviews as official documents (``reviews/exporters.py``): a role that reads some
    subtree, or a member (their own reviews); which reviews is the door's ``restrict``."""
    if user is None:
        return False
    return has_any(user, Action.VIEW) or bool(getattr(user, "person_id", None))


def may_plan(actor, row) -> bool:
    """Who sets a row's plan, owner, due date and status: whoever may write the review of the
    subject it belongs to (the person, the head for a unit's report, staff of the unit)."""
    subject = shortcoming_subject(row)
    return subject is not None and ReviewPolicy(actor, subject).may_write


def may_write_note(user, subject: Subject, kind: str) -> bool:
    """The blocks of the form left to others (``ReviewNote``): the chi ủy's comment by the
    cell committee or secretary (``change`` on the subject's unit), the conclusion by the level
    that decides for the subject (``cycles.policies.may_rate``). Never on oneself."""
    from kiemdiem.reviews.models import NoteKind

    if user is None:
        return True
    person_id = getattr(user, "person_id", None)
    if person_id and person_id == subject.person_id:
        return False
    if kind == NoteKind.CELL_COMMENT:
        return may_change_unit(user, subject.unit)
    if kind == NoteKind.CONCLUSION:
        return may_rate(user, subject)
    return False
