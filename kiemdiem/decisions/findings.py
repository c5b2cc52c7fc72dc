"""A register entry found after the year was decided re-opens that year's ratings
(regulations.md §3.7 step 6: "if a rated collective/individual is later found to have
concealed violations, the rating is reconsidered"; §16 "one violation counts once").

``entry_recorded`` is registered with ``kiemdiem.register.hooks.on_entry_recorded`` in
``DecisionsConfig.ready()`` and runs in the recording transaction. For the entry's person
(or, for an entry about a unit, the unit's own subjects: the organization, its leadership
collective), every subject holding a decided tier in a cycle of the entry's year — the
annual cycle and the quarterly ones of that year — is re-opened by the system
(``services.reopen``, ``actor=None``, source ``register``) with a reason naming the entry, and
the users who decided it, or else the deciding level's deciders, are told.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import User
from kiemdiem.cycles.models import CycleKind, Subject
from kiemdiem.decisions import notices, services
from kiemdiem.decisions.models import HOLDS_TIER

REOPENED_KINDS = (CycleKind.ANNUAL, CycleKind.QUARTERLY)


def affected(entry):
    """The decided subjects the entry concerns."""
    person_id = getattr(entry, "person_id", None)
    unit_id = getattr(entry, "unit_id", None)
    # The years the entry counts for: its own, and the rated year that counted it (the
    # register's rule, register.selectors.adverse_facts).
    years = {getattr(entry, "year", None), getattr(entry, "counted_in_year", None)} - {None}
    if not years or not (person_id or unit_id):
        return Subject.objects.none()
    subjects = Subject.objects.filter(
        cycle__year__in=years, cycle__kind__in=REOPENED_KINDS, decision__state__in=HOLDS_TIER
    )
    if person_id:
        subjects = subjects.filter(person_id=person_id)
    else:
        subjects = subjects.filter(unit_id=unit_id, person__isnull=True)
    return subjects.select_related("cycle", "unit", "person", "decision").order_by("pk")


def deciders(subject: Subject) -> list[User]:
    """Who is told: whoever decided it, else the deciding level's decision makers."""
    decided_by = subject.decision.decided_by
    if decided_by is not None and decided_by.is_active:
        return [decided_by]
    return notices.deciders_at(notices.deciding_unit(subject))


def entry_recorded(entry) -> list[int]:
    """Re-open what the entry concerns; returns the ids of the subjects re-opened."""
    reopened = []
    for subject in affected(entry):
        what = str(entry)[:1000]  # the reason's limit holds whatever the entry's text
        reason = _("The register changed after the decision (%(year)s): %(entry)s") % {
            "year": subject.cycle.year,
            "entry": what,
        }
        decision = services.reopen(subject=subject, reason=reason, actor=None, source="register")
        reopened.append(subject.pk)
        for user in deciders(subject):

            def compose(subject=subject, what=what, decision=decision):
                values = {
                    "what": notices.subject_label(subject),
                    "cycle": subject.cycle.name,
                    "entry": what,
                }
                return (
                    _("A decided rating is re-opened: %(what)s") % values,
                    _(
                        "The rating of %(what)s in %(cycle)s is re-opened because a register"
                        " entry for its year was recorded: %(entry)s. The tier stays in force"
                        " until it is decided again, with a reason."
                    )
                    % values,
                    reverse("decision-result", args=[decision.pk]),
                )

            notices.tell(
                user,
                key=f"decision-reopened:{decision.pk}:{decision.revision}",
                compose=compose,
            )
    return reopened
