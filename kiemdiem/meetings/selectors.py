"""Reads for the meeting pages and API, through the door (``restrict``), and the meeting's
vote for the proposals page (``votes_for``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    Question,
    QuestionStatus,
)
from kiemdiem.meetings.services import tier_options
from kiemdiem.opinions import policies as opinion_policies
from kiemdiem.opinions import selectors as opinion_selectors


def meetings(user, unit=None, cycle=None) -> QuerySet:
    rows = restrict(Meeting.objects.all(), user, Action.VIEW)
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    if cycle is not None:
        rows = rows.filter(cycle=cycle)
    return rows.select_related("unit", "cycle", "chair", "secretary").distinct()


def meeting_get(user, pk: int, action: Action = Action.VIEW) -> Meeting:
    return get_or_404(
        Meeting.objects.select_related("unit", "cycle", "chair", "secretary").distinct(),
        user,
        action,
        pk=pk,
    )


def roll(meeting: Meeting) -> list[Attendance]:
    rows = list(meeting.roll.select_related("person"))
    rows.sort(key=lambda r: (r.person.sort_key, r.pk))
    return rows


def opinions_for(user, subjects: list) -> dict[int, list]:
    """The opinions asked about each of ``subjects`` and their answers (``opinions.selectors``),
    for the subjects whose review ``user`` may see — the same right as the opinions file; the
    others' opinions are left out (``None``), as they are from the proposal rows."""
    asked = opinion_selectors.summaries(user, subjects)
    visible = opinion_policies.answers_visible_ids(user, subjects)
    return {s.pk: asked.get(s.pk, []) if s.pk in visible else None for s in subjects}


@dataclass
class ItemRow:
    item: AgendaItem
    self_proposed: str
    engine_tier: str
    opinions: list | None  # None: not for this reader
    questions: list[Question] = field(default_factory=list)
    open_ballot: Question | None = None


def agenda(meeting: Meeting, user=None) -> list[ItemRow]:
    """The agenda's rows; the opinions on each subject as far as ``user`` may see them
    (``user=None``: the system, everything)."""
    items = list(
        meeting.agenda.select_related("subject__person", "subject__unit", "subject__review")
        .prefetch_related("questions__counts")
        .order_by("position")
    )
    opinions = opinions_for(user, [item.subject for item in items])
    rows = []
    for item in items:
        review = getattr(item.subject, "review", None)
        result = (review.engine_result or {}) if review else {}
        questions = list(item.questions.all())
        item.options = tier_options(item.subject)
        rows.append(
            ItemRow(
                item=item,
                self_proposed=review.proposed_tier if review else "",
                engine_tier=result.get("tier") or "",
                opinions=opinions[item.subject.pk],
                questions=questions,
                open_ballot=next((q for q in questions if q.status == QuestionStatus.OPEN), None),
            )
        )
    return rows


def question_get(user, pk: int) -> Question:
    return get_or_404(
        Question.objects.select_related("item__meeting__unit", "item__subject__person"),
        user,
        Action.VIEW,
        pk=pk,
    )


def counts_of(question: Question) -> list[tuple[str, int]]:
    """The counts in the order of the options — shown only once counted (a secret ballot's
    running counts are never shown: they would tell each voter's choice to whoever watches
    them change)."""
    if question.status != QuestionStatus.CLOSED:
        return []
    counts = {c.option: c.count for c in question.counts.all()}
    return [(o, counts.get(o, 0)) for o in question.options]


def votes_for(subject_ids) -> dict[int, Question]:
    """The latest counted vote of each subject (the proposals page's "meeting's vote")."""
    rows = (
        Question.objects.filter(
            item__subject_id__in=list(subject_ids), status=QuestionStatus.CLOSED
        )
        .select_related("item")
        .prefetch_related("counts")
        .order_by("item__subject_id", "-pk")
    )
    found: dict[int, Question] = {}
    for q in rows:
        found.setdefault(q.item.subject_id, q)
    return found


def vote_label(question: Question | None) -> str | None:
    """ "HTTNV 9/12 (secret ballot)" — or "no majority 5/12"."""
    if question is None:
        return None
    method = question.get_method_display().lower()
    if question.result:
        counts = {c.option: c.count for c in question.counts.all()}
        return f"{question.result} {counts.get(question.result, 0)}/{question.voters} ({method})"
    return f"— {question.cast}/{question.voters} ({method})"


def voted_tiers(cycle_id: int, subject_ids=None) -> dict[int, str]:
    """The tier the meeting voted for each subject of the cycle — the result of the latest
    counted vote on it (a vote where no option carried gives none) — for ``cycles.votes``
    (the signals of formalism compare it with the self-proposed and decided tiers). One
    query for the whole cycle."""
    rows = Question.objects.filter(item__meeting__cycle_id=cycle_id, status=QuestionStatus.CLOSED)
    if subject_ids is not None:
        rows = rows.filter(item__subject_id__in=list(subject_ids))
    found: dict[int, str] = {}
    for subject_id, result in rows.order_by("item__subject_id", "-pk").values_list(
        "item__subject_id", "result"
    ):
        if subject_id not in found:
            found[subject_id] = result
    return {sid: tier for sid, tier in found.items() if tier}
