"""What still blocks closing a cycle, from the decisions' side (registered with
``cycles.hooks.register_close_check`` in ``DecisionsConfig.ready()``; cycles cannot import
decisions, docs/architecture.md §15):

* a rating **re-opened** (a correction, a complaint taken up, a register entry for its year)
  and not decided again — its tier stands, but the competent level has yet to decide it;
* a **complaint** filed about a decision of the cycle and still waiting to be decided.

Each is named (the first ten, by unit), so the level closing knows what to finish first.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kiemdiem.decisions.models import Complaint, ComplaintStatus, Decision, DecisionState

NAMED = 10


def _label(subject) -> str:
    who = f"{subject.person.full_name} — " if subject.person_id else ""
    return f"{who}{subject.get_kind_display()}, {subject.unit.name}"


def _named(subjects: list, count: int) -> str:
    return "; ".join(_label(s) for s in subjects) + (" …" if count > NAMED else "")


def close_blockers(cycle) -> list[str]:
    """Sentences naming what blocks closing ``cycle``; empty when nothing does."""
    found = []
    reopened = Decision.objects.filter(subject__cycle=cycle, state=DecisionState.CONTESTED)
    count = reopened.count()
    if count:
        shown = [
            d.subject
            for d in reopened.select_related("subject__person", "subject__unit").order_by(
                "subject__unit__path", "subject__kind", "pk"
            )[:NAMED]
        ]
        found.append(
            _(
                "%(count)s re-opened ratings are not decided again yet (decide them again, "
                "with the reason): %(names)s."
            )
            % {"count": count, "names": _named(shown, count)}
        )
    waiting = Complaint.objects.filter(
        decision__subject__cycle=cycle, status=ComplaintStatus.FILED
    )
    count = waiting.count()
    if count:
        shown = [
            c.decision.subject
            for c in waiting.select_related(
                "decision__subject__person", "decision__subject__unit"
            ).order_by("filed_at", "pk")[:NAMED]
        ]
        found.append(
            _("%(count)s complaints are still waiting to be decided: %(names)s.")
            % {"count": count, "names": _named(shown, count)}
        )
    return found
