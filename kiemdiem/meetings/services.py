"""The meeting's writes: schedule, open, close; the roll; notes; votes.

Each service checks ``meetings.policies`` itself, validates (``ValidationError`` naming the
field), audits and runs in one transaction. Lock order: the meeting row, then a question row.

**The secret ballot** (docs/meetings.md, "Secret ballot: threat model"): ``ballot_cast``
locks the question, checks the voter (on the roll, checked in, an official member not exempt,
not yet voted), adds one to the chosen option's ``OptionCount`` and inserts a ``Voter`` row
(question, person) — no id, no time, no choice. ``ballot_close`` then, in its own
transaction, rewrites every ``OptionCount`` and ``Voter`` row of the question (the voters
re-inserted in person order): the live rows' physical order and transaction ids (PostgreSQL's
``xmin``, SQLite's rowid) are the close's, not the votes'.
"""

from __future__ import annotations

import datetime
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kiemdiem import tally
from kiemdiem.audit.services import log_action
from kiemdiem.common.dates import valid_on as person_valid_on
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles.models import (
    CycleStatus,
    ReviewCycle,
    Subject,
    SubjectKind,
    TierChoice,
)
from kiemdiem.meetings import codes, policies
from kiemdiem.meetings.models import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingStatus,
    OptionCount,
    Presence,
    Question,
    QuestionStatus,
    VoteMethod,
    Voter,
)
from kiemdiem.people.models import (
    Affiliation,
    AffiliationKind,
    MemberStatusKind,
    PartyMember,
    Person,
)

MAX_TEXT = 10_000
LEADER_KINDS = frozenset(
    {
        SubjectKind.HEAD,
        SubjectKind.LEADER,
        SubjectKind.CIVIL_SERVANT_LEADER,
        SubjectKind.PUBLIC_EMPLOYEE_MANAGER,
    }
)
ALL_TIERS = tuple(TierChoice.values)  # best first


def quorum_share() -> Fraction:
    return Fraction(str(getattr(settings, "MEETINGS_QUORUM_SHARE", "2/3")))


def vote_share() -> Fraction:
    return Fraction(str(getattr(settings, "MEETINGS_VOTE_SHARE", "1/2")))


def agenda_rank(subject: Subject) -> tuple:
    """The required order (regulations §3.7.3, §6 "collective → members", "unit → its head"):
    the unit or collective first, then its leaders (the head first), then the members."""
    if subject.person_id is None:
        group = 0
    elif subject.kind == SubjectKind.HEAD:
        group = 1
    elif subject.kind in LEADER_KINDS:
        group = 2
    else:
        group = 3
    person = subject.person
    return (group, person.sort_key if person is not None else "", subject.kind, subject.pk)


def tier_options(subject: Subject) -> list[str]:
    """The tiers the subject's pinned pack allows, best first (all four without a pack)."""
    try:
        from kiemdiem.reviews.engine import engine_kind, pinned_pack

        pack = pinned_pack(subject)
        name = engine_kind(subject, pack) if pack is not None else None
        if pack is not None and name is not None:
            tiers = {t.name for t, _rules in pack.kinds[name].tiers}
            # The lowest tier is always open (a pack gives it when no other tier holds).
            chosen = [t for t in ALL_TIERS if t in tiers or t == TierChoice.KHTNV]
            if chosen:
                return chosen
    except Exception:  # noqa: BLE001  (a broken pin leaves the four tiers; the rating flags it)
        pass
    return list(ALL_TIERS)


def _members_on(unit, day: datetime.date) -> list[tuple[Person, bool, bool]]:
    """(person, official, exempt) of everyone active in ``unit`` on ``day``: the members of a
    cell (cell affiliation), the members of a collective (posts)."""
    kinds = [AffiliationKind.CELL] if unit.is_cell else [AffiliationKind.POSITION]
    people = {
        a.person_id: a.person
        for a in Affiliation.objects.filter(unit=unit, kind__in=kinds)
        .filter(person_valid_on(day))
        .select_related("person")
    }
    memberships = {
        m.person_id: m
        for m in PartyMember.objects.filter(person_id__in=people).prefetch_related("statuses")
    }
    rows = []
    for pk, person in sorted(people.items(), key=lambda kv: (kv[1].sort_key, kv[0])):
        member = memberships.get(pk)
        if member is None:
            rows.append((person, False, False))
            continue
        status = next(
            (
                s
                for s in sorted(member.statuses.all(), key=lambda s: s.valid_from, reverse=True)
                if s.valid_from <= day and (s.valid_to is None or s.valid_to > day)
            ),
            None,
        )
        exempt = status is not None and status.status != MemberStatusKind.ACTIVE
        rows.append((person, not member.is_probationary(day), exempt))
    return rows


def _bump(meeting: Meeting, revision: int | None) -> None:
    if revision is not None and int(revision) != meeting.revision:
        raise ValidationError(
            {
                "revision": _(
                    "This meeting changed since the page was shown. Reload it and try again."
                )
            }
        )
    meeting.revision += 1


def _locked(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("unit", "cycle").get(pk=meeting.pk)


def _must_be_open(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.OPEN:
        raise ValidationError({"meeting": _("The meeting is not in session.")})


def _text(value: str, field: str, limit: int = MAX_TEXT) -> str:
    value = nfc_text(value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return value


# --- the meeting --------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(
    *,
    cycle: ReviewCycle,
    unit,
    starts_at: datetime.datetime,
    place: str,
    actor,
    chair: Person | None = None,
    secretary: Person | None = None,
) -> Meeting:
    """Schedule the review meeting of ``unit`` in ``cycle``: its agenda (the cycle's subjects
    reviewed in the unit, in the required order) and its roll (the unit's members on the day,
    official and probationary, exempt marked)."""
    policies.check(policies.may_schedule(actor, unit))
    errors = {}
    if cycle.status != CycleStatus.OPEN:
        errors["cycle"] = _("The review cycle is closed.")
    if not unit.path.startswith(cycle.root.path):
        errors["unit"] = _("This organization is not in the cycle's scope.")
    place = _text(place, "place", 255)
    if not place:
        errors["place"] = _("Say where the meeting is held.")
    if starts_at is None:
        errors["starts_at"] = _("Give the date and time.")
    elif not (cycle.period_start.year - 1 <= starts_at.year <= cycle.period_end.year + 1):
        errors["starts_at"] = _("The meeting must fall near the cycle's period.")
    if "starts_at" in errors:
        raise ValidationError(errors)
    day = timezone.localtime(starts_at).date() if timezone.is_aware(starts_at) else starts_at.date()
    roll = _members_on(unit, day)
    on_roll = {person.pk for person, _o, _e in roll}
    for field, person in (("chair", chair), ("secretary", secretary)):
        if person is not None and person.pk not in on_roll:
            errors[field] = _("%(name)s is not a member of this organization.") % {"name": person}
    subjects = sorted(
        Subject.objects.filter(cycle=cycle, unit=unit).select_related("person"), key=agenda_rank
    )
    if not subjects:
        errors["unit"] = _("The cycle has no subject reviewed in this organization.")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        cycle=cycle,
        unit=unit,
        starts_at=starts_at,
        place=place,
        chair=chair,
        secretary=secretary,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, subject=s, position=i) for i, s in enumerate(subjects, 1)
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, person=p, official=official, exempt=exempt)
        for p, official, exempt in roll
    )
    log_action(
        "meetings.meeting_scheduled",
        actor=actor,
        target=meeting,
        unit=unit,
        data={
            "cycle": cycle.code,
            "unit": unit.name,
            "starts_at": timezone.localtime(starts_at).isoformat()
            if timezone.is_aware(starts_at)
            else starts_at.isoformat(),
            "place": place,
            "chair": str(chair or ""),
            "secretary": str(secretary or ""),
            "agenda": len(subjects),
            "roll": len(roll),
        },
    )
    return meeting


@transaction.atomic
def meeting_open(*, meeting: Meeting, actor, revision: int | None = None) -> Meeting:
    policies.check(policies.may_run(actor, meeting))
    meeting = _locked(meeting)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError({"meeting": _("Only a planned meeting can be opened.")})
    _bump(meeting, revision)
    meeting.status = MeetingStatus.OPEN
    meeting.opened_at = timezone.now()
    meeting.save(update_fields=["status", "opened_at", "revision"])
    log_action(
        "meetings.meeting_opened",
        actor=actor,
        target=meeting,
        unit=meeting.unit,
        data={"unit": meeting.unit.name},
    )
    return meeting


@transaction.atomic
def meeting_close(
    *, meeting: Meeting, actor, summary: str = "", revision: int | None = None
) -> Meeting:
    """Close the meeting: every secret ballot must be counted first; whoever has not checked
    in is recorded absent (without a reason unless one was given)."""
    policies.check(policies.may_run(actor, meeting))
    meeting = _locked(meeting)
    _must_be_open(meeting)
    _bump(meeting, revision)
    if Question.objects.filter(item__meeting=meeting, status=QuestionStatus.OPEN).exists():
        raise ValidationError({"meeting": _("A secret ballot is still open: count it first.")})
    meeting.roll.filter(presence=Presence.EXPECTED).update(presence=Presence.ABSENT)
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = timezone.now()
    meeting.summary = _text(summary, "summary")
    meeting.save(update_fields=["status", "closed_at", "summary", "revision"])
    q = quorum(meeting)
    log_action(
        "meetings.meeting_closed",
        actor=actor,
        target=meeting,
        unit=meeting.unit,
        data={"unit": meeting.unit.name, "present": q.present_official, "quorum": q.needed},
    )
    return meeting


class Quorum:
    """The meeting's quorum: official members not exempt, how many of them present, how many
    are needed (``tally.quorum_needed``)."""

    def __init__(self, meeting: Meeting):
        rows = list(meeting.roll.all())
        self.official = sum(1 for r in rows if r.official and not r.exempt)
        self.present_official = sum(1 for r in rows if r.with_vote)
        self.present = sum(1 for r in rows if r.presence == Presence.PRESENT)
        self.probationary = sum(1 for r in rows if not r.official)
        self.exempt = sum(1 for r in rows if r.exempt)
        self.absent = sum(1 for r in rows if r.presence == Presence.ABSENT)
        self.needed = tally.quorum_needed(self.official, quorum_share())
        self.reached = tally.has_quorum(self.present_official, self.official, quorum_share())


def quorum(meeting: Meeting) -> Quorum:
    return Quorum(meeting)


# --- the roll -----------------------------------------------------------------------------


def _record(row: Attendance, actor, *, presence: str, reason: str, own: bool) -> Attendance:
    row.presence = presence
    row.reason = reason
    row.checked_in_at = timezone.now() if presence == Presence.PRESENT else None
    row.save(update_fields=["presence", "reason", "checked_in_at"])
    log_action(
        "meetings.attendance_recorded",
        actor=actor,
        target=row.meeting,
        unit=row.meeting.unit,
        data={"person": str(row.person), "presence": presence, "reason": reason, "self": own},
    )
    return row


@transaction.atomic
def attendance_record(
    *, attendance: Attendance, presence: str, actor, reason: str = ""
) -> Attendance:
    """The secretary marks a member present, or absent with a reason (while in session)."""
    meeting = _locked(attendance.meeting)
    policies.check(policies.may_run(actor, meeting))
    _must_be_open(meeting)
    if presence not in (Presence.PRESENT, Presence.ABSENT):
        raise ValidationError({"presence": _("Choose present or absent.")})
    reason = _text(reason, "reason", 255)
    if presence == Presence.PRESENT:
        reason = ""
    row = Attendance.objects.select_for_update().select_related("person").get(pk=attendance.pk)
    row.meeting = meeting
    return _record(row, actor, presence=presence, reason=reason, own=False)


@transaction.atomic
def check_in(*, meeting: Meeting, actor, code: str) -> Attendance:
    """A member checks themself in with the code shown in the room (rate-limited)."""
    if not codes.tries_left("room", actor, meeting):
        raise ValidationError({"code": _("Too many wrong codes. Ask the meeting secretary.")})
    meeting = _locked(meeting)
    row = policies.on_roll(actor, meeting)
    policies.check(row is not None, _("You are not on the roll of this meeting."))
    _must_be_open(meeting)
    if not codes.room_code_ok(meeting, code):
        raise ValidationError(
            {"code": _("This code is wrong or has expired: read the one shown now.")}
        )
    codes.forget_tries("room", actor, meeting)
    row = Attendance.objects.select_for_update().select_related("person").get(pk=row.pk)
    row.meeting = meeting
    if row.presence == Presence.PRESENT:
        return row
    return _record(row, actor, presence=Presence.PRESENT, reason="", own=True)


@transaction.atomic
def notes_record(*, item: AgendaItem, notes: str, actor) -> AgendaItem:
    meeting = _locked(item.meeting)
    policies.check(policies.may_run(actor, meeting))
    _must_be_open(meeting)
    item = AgendaItem.objects.select_related("subject__person").get(pk=item.pk)
    item.notes = _text(notes, "notes")
    item.save(update_fields=["notes"])
    log_action(
        "meetings.notes_recorded",
        actor=actor,
        target=meeting,
        unit=meeting.unit,
        data={"subject": str(item.subject), "notes": item.notes},
    )
    return item


# --- votes --------------------------------------------------------------------------------


def _voters(meeting: Meeting) -> int:
    return sum(1 for r in meeting.roll.all() if r.with_vote)


def _subject_label(item: AgendaItem) -> str:
    s = item.subject
    return str(s.person) if s.person_id else s.unit.name


@transaction.atomic
def hands_record(*, item: AgendaItem, counts: dict, actor, revision: int | None = None) -> Question:
    """The secretary records a show of hands: the counts per option, no more in all than
    the official members present (``tally.check_counts``)."""
    meeting = _locked(item.meeting)
    policies.check(policies.may_run(actor, meeting))
    _must_be_open(meeting)
    _bump(meeting, revision)
    item = AgendaItem.objects.select_related("subject__person", "subject__unit").get(pk=item.pk)
    options = tuple(tier_options(item.subject))
    clean: dict[str, int] = {}
    for option, value in (counts or {}).items():
        try:
            clean[str(option)] = int(value) if str(value).strip() != "" else 0
        except (TypeError, ValueError):
            raise ValidationError({str(option): _("Give a whole number.")}) from None
    voters = _voters(meeting)
    try:
        result = tally.outcome(clean, options, voters, vote_share())
    except tally.TallyError as error:
        field = error.field or "counts"
        message = (
            _("More votes than official members present (%(n)s).") % {"n": voters}
            if not error.field
            else _("Give a whole number of at least 0 for an option of this vote.")
        )
        raise ValidationError({field: message}) from None
    if Question.objects.filter(item=item, status=QuestionStatus.OPEN).exists():
        raise ValidationError({"counts": _("A secret ballot on this subject is open.")})
    question = Question.objects.create(
        item=item,
        method=VoteMethod.HANDS,
        options=list(options),
        status=QuestionStatus.CLOSED,
        voters=voters,
        cast=result.cast,
        needed=result.needed,
        result=result.winner or "",
    )
    OptionCount.objects.bulk_create(
        OptionCount(question=question, option=o, count=result.counts[o]) for o in options
    )
    meeting.save(update_fields=["revision"])
    log_action(
        "meetings.hands_recorded",
        actor=actor,
        target=meeting,
        unit=meeting.unit,
        data={
            "subject": _subject_label(item),
            "method": VoteMethod.HANDS,
            "counts": result.counts,
            "voters": voters,
            "cast": result.cast,
            "needed": result.needed,
            "result": result.winner or "",
        },
    )
    return question


@transaction.atomic
def ballot_open(*, item: AgendaItem, actor) -> Question:
    """Open a secret ballot on an agenda item: one count row per option, all at 0."""
    meeting = _locked(item.meeting)
    policies.check(policies.may_run(actor, meeting))
    _must_be_open(meeting)
    item = AgendaItem.objects.select_related("subject__person", "subject__unit").get(pk=item.pk)
    if Question.objects.filter(item=item, status=QuestionStatus.OPEN).exists():
        raise ValidationError({"item": _("A secret ballot on this subject is already open.")})
    if not tally.has_quorum(
        quorum(meeting).present_official, quorum(meeting).official, quorum_share()
    ):
        raise ValidationError({"item": _("The meeting has no quorum: it cannot vote.")})
    options = tier_options(item.subject)
    question = Question.objects.create(item=item, method=VoteMethod.SECRET, options=options)
    OptionCount.objects.bulk_create(OptionCount(question=question, option=o) for o in options)
    log_action(
        "meetings.ballot_opened",
        actor=actor,
        target=meeting,
        unit=meeting.unit,
        data={"subject": _subject_label(item), "options": options},
    )
    return question


def ballot_cast(
    *, question: Question, option: str, actor, voter: Person | None = None, personal_code: str = ""
) -> None:
    """One secret vote. ``voter`` is the member voting: the actor's own person on their
    phone, or, on the secretary's shared device, the member who confirms with their own
    personal code. Adds one to ``option``'s count and records that ``voter`` has voted —
    nothing links the two (module docstring). A cast vote is final."""
    own = policies.person_of(actor)
    if voter is None:
        voter = own
    policies.check(voter is not None, _("Only a member on the roll votes."))
    with transaction.atomic():
        question = (
            Question.objects.select_for_update(of=("self",))
            .select_related("item__meeting__unit", "item__subject__person", "item__subject__unit")
            .get(pk=question.pk)
        )
        meeting = question.item.meeting
        if actor is not None and (own is None or own.pk != voter.pk):
            # The shared device: the one running the meeting, and the member's own code.
            # (``actor=None`` is the system — the demo's and the benchmark's writers.)
            policies.check(policies.may_run(actor, meeting))
            if not codes.tries_left("personal", actor, meeting):
                raise ValidationError(
                    {"personal_code": _("Too many wrong codes. Wait a few minutes.")}
                )
            if not codes.personal_code_ok(meeting, voter, personal_code):
                raise ValidationError({"personal_code": _("This personal code is wrong.")})
        row = meeting.roll.filter(person=voter).first()
        policies.check(row is not None, _("You are not on the roll of this meeting."))
        if meeting.status != MeetingStatus.OPEN or question.status != QuestionStatus.OPEN:
            raise ValidationError({"question": _("This vote is closed.")})
        if question.method != VoteMethod.SECRET:
            raise ValidationError({"question": _("This vote is not a secret ballot.")})
        if row.presence != Presence.PRESENT:
            raise ValidationError({"question": _("Check in first: only members present vote.")})
        if not row.official or row.exempt:
            raise ValidationError(
                {
                    "question": _(
                        "Only official members vote; probationary members attend without a vote."
                    )
                }
            )
        if option not in question.options:
            raise ValidationError({"option": _("Choose one of the options on the ballot.")})
        if Voter.objects.filter(question=question, person=voter).exists():
            raise ValidationError({"question": _("You have already voted on this question.")})
        try:
            with transaction.atomic():
                Voter.objects.create(question=question, person=voter)
        except IntegrityError:
            raise ValidationError(
                {"question": _("You have already voted on this question.")}
            ) from None
        OptionCount.objects.filter(question=question, option=option).update(count=F("count") + 1)
        log_action(
            "meetings.ballot_cast",
            actor=actor,
            target=meeting,
            unit=meeting.unit,
            data={"subject": _subject_label(question.item), "voter": str(voter)},
        )


@transaction.atomic
def ballot_close(*, question: Question, actor, counted_by: str = "") -> Question:
    """Count a secret ballot: counts, turnout and the result against the threshold. Rewrites
    the question's count and voter rows in this transaction (module docstring)."""
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("item__meeting__unit", "item__subject__person")
        .get(pk=question.pk)
    )
    meeting = question.item.meeting
    policies.check(policies.may_count(actor, meeting))
    if question.status != QuestionStatus.OPEN or question.method != VoteMethod.SECRET:
        raise ValidationError({"question": _("This ballot is already counted.")})
    counts = {c.option: c.count for c in OptionCount.objects.filter(question=question)}
    voters = _voters(meeting)
    cast = sum(counts.values())
    voted = sorted(Voter.objects.filter(question=question).values_list("person_id", flat=True))
    if cast != len(voted):  # cannot happen: a vote is one count and one voter, in one transaction
        raise ValidationError({"question": _("The counts and the voters do not match.")})
    result = tally.outcome(counts, tuple(question.options), max(voters, cast), vote_share())
    # Rewrite: the live rows now carry this transaction's id and the person order.
    OptionCount.objects.filter(question=question).delete()
    OptionCount.objects.bulk_create(
        OptionCount(question=question, option=option, count=count)
        for option, count in sorted(counts.items())
    )
    Voter.objects.filter(question=question).delete()
    Voter.objects.bulk_create(Voter(question=question, person_id=pk) for pk in voted)
    question.status = QuestionStatus.CLOSED
    question.voters = result.voters
    question.cast = result.cast
    question.needed = result.needed
    question.result = result.winner or ""
    question.counted_by = _text(counted_by, "counted_by", 255)
    question.save()
    log_action(
        "meetings.ballot_closed",
        actor=actor,
        target=meeting,
        unit=meeting.unit,
        data={
            "subject": _subject_label(question.item),
            "method": VoteMethod.SECRET,
            "counts": result.counts,
            "voters": result.voters,
            "cast": result.cast,
            "needed": result.needed,
            "result": result.winner or "",
            "counted_by": question.counted_by,
        },
    )
    return question
