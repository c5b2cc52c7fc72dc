"""Reads about opinions and peer comments: a subject's file, a person's inbox, the proposal
row's summary, the peer comments under the threshold rule. Every read is bounded (a fixed
number of queries whatever the number of rows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from kiemdiem.common.dates import today
from kiemdiem.cycles.models import Subject
from kiemdiem.opinions import policies, services
from kiemdiem.opinions.models import (
    DutyRating,
    OpinionAnswer,
    OpinionRequest,
    PeerComment,
    PeerCommenter,
    ResidenceDuty,
    Source,
)
from kiemdiem.people.models import Person


@dataclass
class RequestView:
    request: OpinionRequest
    answer: OpinionAnswer | None  # the newest version
    history: list[OpinionAnswer] = field(default_factory=list)  # older versions, newest first

    @property
    def overdue(self) -> bool:
        return self.answer is None and self.request.deadline < today()

    @property
    def duty_summary(self) -> str:
        """How many duties at each rating ("Thực hiện tốt: 3 · Có thực hiện: 1")."""
        duties = (self.answer.duties or {}) if self.answer else {}
        counts = [
            (label, sum(1 for r in duties.values() if r == code))
            for code, label in DutyRating.choices
        ]
        return " · ".join(f"{label}: {n}" for label, n in counts if n)

    @property
    def duty_rows(self) -> list[tuple[str, str]]:
        duties = (self.answer.duties or {}) if self.answer else {}
        return [
            (ResidenceDuty(code).label, DutyRating(duties[code]).label)
            for code in ResidenceDuty.values
            if duties.get(code) in DutyRating.values
        ]


def _views(requests) -> list[RequestView]:
    rows = []
    for r in requests:
        answers = sorted(r.answers.all(), key=lambda a: a.version, reverse=True)
        rows.append(RequestView(r, answers[0] if answers else None, answers[1:]))
    return rows


def _with_answers(qs: QuerySet) -> QuerySet:
    return qs.select_related(
        "subject__person",
        "subject__unit",
        "subject__cycle",
        "asked_unit",
        "asked_person",
        "requested_by",
    ).prefetch_related(
        Prefetch("answers", queryset=OpinionAnswer.objects.select_related("answered_by"))
    )


def subject_file(user, subject: Subject) -> list[RequestView]:
    """The requests about ``subject`` and their answers — for those who may see its review;
    the one answering a request sees that request only."""
    requests = OpinionRequest.objects.filter(subject=subject)
    if not policies.may_view_answers(user, subject):
        requests = requests.filter(policies.answerable_q(user))
    return _views(_with_answers(requests).order_by("source", "deadline", "pk"))


def inbox(user, *, answered: bool | None = None) -> list[RequestView]:
    """The requests ``user`` answers, soonest deadline first."""
    requests = _with_answers(policies.answerable(user)).order_by("deadline", "pk")
    rows = _views(requests)
    if answered is not None:
        rows = [r for r in rows if (r.answer is not None) == answered]
    return rows


def request_get(user, pk: int) -> OpinionRequest | None:
    """A request ``user`` may see: they answer it, or they may see the subject's review."""
    request = _with_answers(OpinionRequest.objects.filter(pk=pk)).first()
    if request is None:
        return None
    if policies.may_answer(user, request) or policies.may_view_answers(user, request.subject):
        return request
    return None


def request_view(request: OpinionRequest) -> RequestView:
    return _views([request])[0]


def summaries(user, subjects: list[Subject]) -> dict[int, list[RequestView]]:
    """The answered and pending requests of many subjects (the proposal rows), two queries."""
    by_subject: dict[int, list[RequestView]] = defaultdict(list)
    requests = OpinionRequest.objects.filter(subject_id__in=[s.pk for s in subjects])
    for view in _views(_with_answers(requests).order_by("subject_id", "source", "pk")):
        by_subject[view.request.subject_id].append(view)
    return by_subject


def agency_state_tier(views: list[RequestView]) -> str:
    for view in views:
        if view.request.source == Source.EMPLOYING_AGENCY and view.answer:
            return view.answer.state_tier
    return ""


def review_facts(subject: Subject) -> list[tuple[str, str]]:
    """For the self-review page (``reviews.hooks``): the employing agency's state tier."""
    from django.utils.translation import gettext as _

    answer = (
        OpinionAnswer.objects.filter(
            request__subject=subject, request__source=Source.EMPLOYING_AGENCY
        )
        .exclude(state_tier="")
        .order_by("-version")
        .first()
    )
    if answer is None:
        return []
    return [(_("State tier given by the employing agency"), answer.state_tier)]


# --- peer comments ----------------------------------------------------------------------------


@dataclass
class PeerComments:
    threshold: int
    count: int  # how many people have commented
    comments: list[str]  # the texts, without names; empty under the threshold
    shown: bool


def peer_comments(user, subject: Subject) -> PeerComments | None:
    """The comments on ``subject`` for the subject and the meeting: none under the threshold,
    never a name. ``None``: the user may not read them."""
    if not policies.may_read_comments(user, subject):
        return None
    n = services.threshold(subject)
    count = PeerCommenter.objects.filter(subject=subject).count()
    shown = count >= n
    texts = (
        list(
            PeerComment.objects.filter(subject=subject)
            .order_by("text")
            .values_list("text", flat=True)
        )
        if shown
        else []
    )
    return PeerComments(threshold=n, count=count, comments=texts, shown=shown)


def own_comment(user, subject: Subject) -> PeerComment | None:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return PeerComment.objects.filter(
        subject=subject, author_tag=services.author_tag(subject.pk, person_id)
    ).first()


def not_commented(user, subject: Subject) -> list[Person] | None:
    """The members who may comment on ``subject`` and have not: for the secretary (``None``
    for anyone else). Never who wrote what."""
    if not policies.may_see_missing(user, subject):
        return None
    done = PeerCommenter.objects.filter(subject=subject).values("person_id")
    return list(
        Person.objects.filter(pk__in=policies.peers_of(subject))
        .exclude(pk__in=done)
        .order_by("sort_key", "pk")
    )


def peer_subjects(user, cycle=None) -> QuerySet:
    """The subjects ``user`` may comment on: the others reviewed in their cells and
    collectives, in open cycles."""
    from kiemdiem.cycles.models import PERSON_SUBJECT_KINDS, CycleStatus
    from kiemdiem.people.models import Affiliation, AffiliationKind

    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Subject.objects.none()
    units = (
        Affiliation.objects.current()
        .filter(person_id=person_id, kind__in=[AffiliationKind.CELL, AffiliationKind.POSITION])
        .values("unit_id")
    )
    qs = (
        Subject.objects.filter(
            unit_id__in=units, kind__in=PERSON_SUBJECT_KINDS, cycle__status=CycleStatus.OPEN
        )
        .exclude(person_id=person_id)
        .select_related("person", "unit", "cycle")
        .order_by("cycle_id", "unit__path", "person__sort_key", "pk")
    )
    return qs.filter(cycle=cycle) if cycle is not None else qs
