"""The meeting's pages: a unit's meetings (and scheduling one), the meeting page (agenda,
quorum, votes), the roll, the room's code and QR, a member's check-in and ballot (phone
first), the shared-device ballot, and the two minutes (printable)."""

from __future__ import annotations

import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import CycleStatus, ReviewCycle
from kiemdiem.meetings import codes, policies, selectors, services
from kiemdiem.meetings.models import (
    AgendaItem,
    Attendance,
    MeetingStatus,
    QuestionStatus,
    VoteMethod,
    Voter,
)
from kiemdiem.orgtree.selectors import unit_get


def _say(request, error) -> None:
    if isinstance(error, ValidationError):
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(error) or _("You may not do this in this meeting."))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_http_methods(["GET", "POST"])
def meetings(request, pk):
    unit = unit_get(request.user, pk)
    may_schedule = policies.may_schedule(request.user, unit)
    cycles = list(ReviewCycle.objects.filter(status=CycleStatus.OPEN).order_by("-year", "pk"))
    cycles = [c for c in cycles if unit.path.startswith(c.root.path)]
    members = [r for r in services._members_on(unit, timezone.localdate())]
    if request.method == "POST":
        if not may_schedule:
            raise Http404
        cycle = next((c for c in cycles if c.pk == _int(request.POST.get("cycle"))), None)
        people = {p.pk: p for p, _o, _e in members}
        starts_at = parse_datetime(request.POST.get("starts_at", "") or "")
        if starts_at is not None and timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
        try:
            if cycle is None:
                raise ValidationError({"cycle": _("Choose a review cycle.")})
            meeting = services.meeting_schedule(
                cycle=cycle,
                unit=unit,
                starts_at=starts_at,
                place=request.POST.get("place", ""),
                chair=people.get(_int(request.POST.get("chair"))),
                secretary=people.get(_int(request.POST.get("secretary"))),
                actor=request.user,
            )
        except (ValidationError, PermissionDenied) as error:
            _say(request, error)
        else:
            messages.success(request, _("Meeting scheduled."))
            return redirect("meeting", meeting.pk)
    context = {
        "unit": unit,
        "rows": selectors.meetings(request.user, unit).order_by("-starts_at"),
        "may_schedule": may_schedule,
        "cycles": cycles,
        "members": [p for p, _o, _e in members],
        "post": request.POST,
    }
    return render(request, "meetings/list.html", context)


def _meeting_context(request, meeting):
    q = services.quorum(meeting)
    mine = policies.on_roll(request.user, meeting)
    agenda = selectors.agenda(meeting, request.user)
    voted = set()
    if mine is not None:
        voted = set(
            Voter.objects.filter(person=mine.person, question__item__meeting=meeting).values_list(
                "question_id", flat=True
            )
        )
    for row in agenda:
        for question in row.questions:
            question.shown_counts = selectors.counts_of(question)
    return {
        "meeting": meeting,
        "quorum": q,
        "agenda": agenda,
        "mine": mine,
        "voted": voted,
        "may_run": policies.may_run(request.user, meeting),
        "may_count": policies.may_count(request.user, meeting),
    }


@login_required
def meeting(request, pk):
    meeting = selectors.meeting_get(request.user, pk)
    return render(request, "meetings/meeting.html", _meeting_context(request, meeting))


@login_required
@require_POST
def meeting_state(request, pk, to):
    meeting = selectors.meeting_get(request.user, pk)
    if not policies.may_run(request.user, meeting):
        raise Http404
    try:
        if to == "open":
            services.meeting_open(
                meeting=meeting, actor=request.user, revision=_int(request.POST.get("revision"))
            )
        else:
            services.meeting_close(
                meeting=meeting,
                actor=request.user,
                summary=request.POST.get("summary", ""),
                revision=_int(request.POST.get("revision")),
            )
    except (ValidationError, PermissionDenied) as error:
        _say(request, error)
    return redirect("meeting", meeting.pk)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_roll(request, pk):
    meeting = selectors.meeting_get(request.user, pk)
    if not policies.may_run(request.user, meeting):
        raise Http404
    if request.method == "POST":
        row = Attendance.objects.filter(meeting=meeting, pk=_int(request.POST.get("row"))).first()
        if row is None:
            raise Http404
        try:
            services.attendance_record(
                attendance=row,
                presence=request.POST.get("presence", ""),
                reason=request.POST.get("reason", ""),
                actor=request.user,
            )
        except (ValidationError, PermissionDenied) as error:
            _say(request, error)
        return redirect("meeting-roll", meeting.pk)
    return render(
        request,
        "meetings/roll.html",
        {"meeting": meeting, "rows": selectors.roll(meeting), "quorum": services.quorum(meeting)},
    )


@never_cache
@login_required
def meeting_code(request, pk):
    """The room's screen: the current check-in code and its QR (server-rendered SVG)."""
    meeting = selectors.meeting_get(request.user, pk)
    if not policies.may_run(request.user, meeting):
        raise Http404
    code = qr = ""
    if meeting.status == MeetingStatus.OPEN:
        code = codes.room_code(meeting)
        url = (
            request.build_absolute_uri(reverse("meeting-check-in", args=[meeting.pk]))
            + f"?code={code}"
        )
        qr = segno.make(url, error="m").svg_inline(
            scale=6, dark="#000", light="#fff", omitsize=True
        )
    return render(
        request,
        "meetings/code.html",
        {
            "meeting": meeting,
            "code": code,
            "qr": qr,
            "period": codes.period(),
            "quorum": services.quorum(meeting),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, pk):
    meeting = selectors.meeting_get(request.user, pk)
    mine = policies.on_roll(request.user, meeting)
    if mine is None:
        raise Http404
    if request.method == "POST":
        try:
            services.check_in(
                meeting=meeting, actor=request.user, code=request.POST.get("code", "")
            )
        except (ValidationError, PermissionDenied) as error:
            _say(request, error)
            return redirect("meeting-check-in", meeting.pk)
        # The page it returns to says so in its badge: no second message beside it.
        return redirect("meeting-check-in", meeting.pk)
    mine.refresh_from_db()
    context = {
        "meeting": meeting,
        "mine": mine,
        "code": request.GET.get("code", "")[:6],
        "personal_code": codes.personal_code(meeting, mine.person) if mine.with_vote else "",
        "open_ballots": [
            q
            for row in selectors.agenda(meeting, request.user)
            for q in row.questions
            if q.status == QuestionStatus.OPEN and q.method == VoteMethod.SECRET
        ],
        "voted": set(
            Voter.objects.filter(person=mine.person, question__item__meeting=meeting).values_list(
                "question_id", flat=True
            )
        ),
    }
    return render(request, "meetings/check_in.html", context)


@login_required
@require_POST
def item_action(request, pk):
    item = (
        restrict(AgendaItem.objects.select_related("meeting"), request.user, Action.VIEW)
        .filter(pk=pk)
        .first()
    )
    if item is None or not policies.may_run(request.user, item.meeting):
        raise Http404
    what = request.POST.get("do", "")
    try:
        if what == "notes":
            services.notes_record(
                item=item, notes=request.POST.get("notes", ""), actor=request.user
            )
        elif what == "hands":
            counts = {k[6:]: v for k, v in request.POST.items() if k.startswith("count_")}
            services.hands_record(
                item=item,
                counts=counts,
                actor=request.user,
                revision=_int(request.POST.get("revision")),
            )
        elif what == "ballot":
            services.ballot_open(item=item, actor=request.user)
        else:
            raise ValidationError({"do": _("Unknown action.")})
    except (ValidationError, PermissionDenied) as error:
        _say(request, error)
    return redirect(reverse("meeting", args=[item.meeting_id]) + f"#item-{item.pk}")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def vote(request, pk):
    """A member's own ballot, on their phone. The choice travels in the POST body only and is
    never logged nor put in a message (docs/meetings.md)."""
    question = selectors.question_get(request.user, pk)
    meeting = question.item.meeting
    mine = policies.on_roll(request.user, meeting)
    if mine is None:
        raise Http404
    if request.method == "POST":
        try:
            services.ballot_cast(
                question=question, option=request.POST.get("option", ""), actor=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            _say(request, error)
            return redirect("meeting-vote", question.pk)
        messages.success(request, _("Your vote is recorded. Thank you."))
        return redirect("meeting-check-in", meeting.pk)
    context = {
        "question": question,
        "meeting": meeting,
        "mine": mine,
        "voted": Voter.objects.filter(question=question, person=mine.person).exists(),
    }
    return render(request, "meetings/vote.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def vote_tablet(request, pk):
    """The secretary's shared device: choose the member; the member chooses and confirms with
    their own personal code."""
    question = selectors.question_get(request.user, pk)
    meeting = question.item.meeting
    if not policies.may_run(request.user, meeting):
        raise Http404
    voted = set(Voter.objects.filter(question=question).values_list("person_id", flat=True))
    waiting = [r for r in selectors.roll(meeting) if r.with_vote and r.person_id not in voted]
    voter = next(
        (
            r.person
            for r in waiting
            if r.person_id == _int(request.POST.get("voter") or request.GET.get("voter"))
        ),
        None,
    )
    if request.method == "POST":
        try:
            if voter is None:
                raise ValidationError({"voter": _("Choose the member who votes.")})
            services.ballot_cast(
                question=question,
                option=request.POST.get("option", ""),
                actor=request.user,
                voter=voter,
                personal_code=request.POST.get("personal_code", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            _say(request, error)
            return redirect(
                reverse("meeting-vote-tablet", args=[question.pk])
                + (f"?voter={voter.pk}" if voter else "")
            )
        messages.success(request, _("The vote is recorded. Pass the device on."))
        return redirect("meeting-vote-tablet", question.pk)
    return render(
        request,
        "meetings/tablet.html",
        {"question": question, "meeting": meeting, "waiting": waiting, "voter": voter},
    )


@login_required
@require_POST
def vote_close(request, pk):
    question = selectors.question_get(request.user, pk)
    meeting = question.item.meeting
    if not policies.may_count(request.user, meeting):
        raise Http404
    try:
        services.ballot_close(
            question=question, actor=request.user, counted_by=request.POST.get("counted_by", "")
        )
    except (ValidationError, PermissionDenied) as error:
        _say(request, error)
    return redirect(reverse("meeting", args=[meeting.pk]) + f"#item-{question.item_id}")


@login_required
def minutes(request, pk, kind):
    meeting = selectors.meeting_get(request.user, pk)
    context = _meeting_context(request, meeting)
    context["roll"] = selectors.roll(meeting)
    context["today"] = datetime.date.today()
    template = "meetings/minutes.html" if kind == "meeting" else "meetings/count_minutes.html"
    return render(request, template, context)
