"""The second half of the demo's year: what follows the ratings, through the real services.

Last year's closed cycle (before it closes): a discipline decision in the register (recorded
before the decisions; the member amends the review, so the rule set reads it), one or two HTXSNV decided over a pool's quota
with an override reason (``decisions.finalizing.finalize``; chosen in ``DemoCycles.rate``),
the results of the member login's commune notified, the member's cell's list published to its
members for a period that covers today, the member's complaint filed within its window and
upheld a level up, shortcomings a decision named for two people (carried into this year's
reviews), and the list of organizations to consolidate.

This year's open cycle: an inspection conclusion in the register, and proposals by the chi ủy
of a few cells (the secretary login's cell among them) waiting for the decider.

Everything is deterministic: the choices come from ``random.Random`` seeded from the demo's
seed and from the rows' order, and the same in the fast and the service paths.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from kiemdiem.accounts.models import User
from kiemdiem.cycles.models import ReviewCycle, Subject, SubjectKind, SubjectStatus, Track
from kiemdiem.decisions import complaints, notices, publications
from kiemdiem.decisions import services as decisions
from kiemdiem.decisions.finalizing import finalize
from kiemdiem.decisions.models import Audience, Complaint, ComplaintStatus, Decision
from kiemdiem.decisions.policies import DecisionPolicy
from kiemdiem.orgtree.models import Unit
from kiemdiem.register import services as register
from kiemdiem.register.models import DisciplineForm, EntryKind, EntryTrack
from kiemdiem.remediation import services as remediation
from kiemdiem.reviews.models import ShortcomingSource

D = datetime.date
DAY = datetime.timedelta(days=1)

OVERRIDE_REASON = (
    "Đồng chí hoàn thành xuất sắc nhiệm vụ được giao, có thành tích nổi bật trong năm (được "
    "khen thưởng đột xuất); cấp ủy thống nhất xếp loại vượt tỷ lệ, báo cáo cấp trên."
)
DISCIPLINE_AMENDMENT = "Bổ sung sau khi có quyết định kỷ luật khiển trách của chi bộ."
OVERRIDES = 2  # HTXSNV decided over a pool's quota, last year
COMPLAINT_TEXT = (
    "Tôi đề nghị xem xét lại mức xếp loại vì trong năm tôi đã hoàn thành tốt các nhiệm vụ "
    "được chi bộ phân công và tích cực tham gia công tác ở khu dân cư."
)
UPHELD_REASON = (
    "Đã xem xét hồ sơ và ý kiến của chi bộ: mức xếp loại đúng quy định, giữ nguyên kết quả."
)
REMEDY_TEXTS = [
    (
        "Chưa thực hiện đầy đủ chế độ sinh hoạt chi bộ định kỳ.",
        "Tham gia đầy đủ sinh hoạt chi bộ hằng tháng; báo cáo chi ủy mỗi quý.",
    ),
    (
        "Chậm hoàn thành một số nhiệm vụ được phân công.",
        "Lập kế hoạch công việc theo tháng, chi ủy theo dõi và nhắc việc.",
    ),
]
MEMBER_KINDS = (SubjectKind.PARTY_MEMBER, SubjectKind.MEMBER_OUTSIDE)
PROPOSAL_REASON = "Chi ủy đề xuất căn cứ bản tự kiểm điểm và kết quả thực hiện nhiệm vụ."


# --- last year ----------------------------------------------------------------------------


def record_discipline(year: int, candidates: list[Subject], rng: random.Random) -> Subject | None:
    """A member of a cell reprimanded in ``year``, recorded before the year's decisions (the
    caller has the member amend the review, so the rule set reads it from the register)."""
    members = [
        s for s in candidates if s.person_id and s.track == Track.PARTY and s.kind in MEMBER_KINDS
    ]
    if not members:
        return None
    subject = rng.choice(members)
    register.entry_record(
        actor=None,
        kind=EntryKind.DISCIPLINE,
        track=EntryTrack.PARTY,
        person=subject.person,
        discipline_form=DisciplineForm.KHIEN_TRACH,
        decided_on=D(year, 9, 12),
        issuing_body=subject.unit.name,
        document_number=f"{rng.randint(10, 60)}-QĐ/CB",
        year=year,
        summary="Vi phạm quy định về những điều đảng viên không được làm (sinh con thứ ba).",
    )
    return subject


def decide_over_quota(cycle: ReviewCycle, subjects: list[Subject], reason: str) -> None:
    """HTXSNV over the pool's quota, with the override's reason written (the screen's
    "decide anyway")."""
    finalize(
        cycle=cycle,
        rows={s.pk: "HTXSNV" for s in subjects},
        reason=reason,
        override_reason=OVERRIDE_REASON,
        actor=None,
    )


def notify_publish_complain(cycle: ReviewCycle, member: User | None, today: datetime.date):
    """The member login's commune told its results, its cell's list published to the cell's
    members, and the member's complaint filed within the window and upheld a level up."""
    if member is None or member.person_id is None:
        return
    subject = (
        Subject.objects.filter(cycle=cycle, person_id=member.person_id, track=Track.PARTY)
        .select_related("unit")
        .first()
    )
    if subject is None or subject.status != SubjectStatus.RATED:
        return
    cell = subject.unit
    commune = cell.parent if cell.parent_id else cell
    told = min(today, D(cycle.year + 1, 1, 16))
    notices.notify_scope(cycle=cycle, unit=commune, actor=None, day=told)
    starts = min(today, D(cycle.year + 1, 1, 20))
    ends = min(starts + (publications.MAX_DAYS - 1) * DAY, max(today + 30 * DAY, starts))
    publications.publish(
        cycle=cycle,
        unit=cell,
        audience=Audience.MEMBERS,
        starts_on=starts,
        ends_on=ends,
        title=f"Kết quả xếp loại chất lượng đảng viên năm {cycle.year} — {cell.name}",
        actor=None,
    )
    decision = Decision.objects.get(subject=subject)
    complaint = complaints.file_complaint(
        decision=decision,
        text=COMPLAINT_TEXT,
        actor=member,
        day=min(today, told + 5 * DAY),  # within the window the notice gave
    )
    complaints.handle_complaint(
        complaint=complaint, outcome=ComplaintStatus.UPHELD, reason=UPHELD_REASON, actor=None
    )
    # The services stamp the moment they run; the complaint was filed five days after the
    # notice and decided a week later (a direct update of the two timestamps, as the demo's
    # backdating does for the reviews).
    filed = min(today, told + 5 * DAY)
    Complaint.objects.filter(pk=complaint.pk).update(
        filed_at=_at(filed, 9), handled_at=_at(min(today, filed + 7 * DAY), 15)
    )


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return min(moment, timezone.now())


def name_shortcomings(cycle: ReviewCycle, rng: random.Random) -> None:
    """Two members rated at the lower tiers get shortcomings named by their decision, with a
    remedy plan (they come back in this year's reviews to be remedied)."""
    low = list(
        Subject.objects.filter(
            cycle=cycle,
            track=Track.PARTY,
            kind__in=MEMBER_KINDS,
            tier__in=("HTNV", "KHTNV"),
        )
        .select_related("person", "unit", "cycle")
        .order_by("unit__path", "pk")
    )
    for subject, (text, plan) in zip(rng.sample(low, min(2, len(low))), REMEDY_TEXTS, strict=False):
        decision = Decision.objects.get(subject=subject)
        remediation.remedy_item_add(
            subject=subject,
            actor=None,
            source=ShortcomingSource.DECISION,
            source_ref=f"decision:{decision.pk}",
            text=text,
            remedy_plan=plan,
            due_date=D(cycle.year + 1, 6, 30),
        )


def build_consolidation(cycle: ReviewCycle, root: Unit) -> None:
    """The organizations to consolidate after last year (rated KHTNV, or weak cells)."""
    remediation.consolidation_build(cycle=cycle, unit=root, actor=None)


# --- this year ----------------------------------------------------------------------------


def record_conclusion(year: int, today: datetime.date, units: list[Unit], rng: random.Random):
    """An inspection conclusion this year on one commune's party committee."""
    if not units:
        return
    unit = rng.choice(units)
    register.entry_record(
        actor=None,
        kind=EntryKind.INSPECTION,
        track=EntryTrack.PARTY,
        unit=unit,
        decided_on=max(D(year, 1, 1), today - 20 * DAY),
        issuing_body="Ủy ban Kiểm tra Tỉnh ủy",
        document_number=f"{rng.randint(100, 300)}-KL/UBKTTU",
        year=year,
        summary=(
            "Kết luận kiểm tra việc thực hiện quy chế làm việc: cơ bản thực hiện đúng; còn "
            "chậm ban hành một số văn bản chỉ đạo, cần khắc phục."
        ),
    )


def propose(wanted: list[tuple[Subject, str]], secretary: User | None, cell: Unit | None):
    """The chi ủy's proposed tiers: the secretary login for its own cell (not for the
    secretary's own rating: nobody proposes for themselves), the system for the others (as the
    organization staff record a cell's minutes)."""
    for subject, tier in wanted:
        mine = cell is not None and subject.unit_id == cell.pk
        actor = secretary if mine and DecisionPolicy(secretary, subject).may_propose else None
        decisions.propose(subject=subject, tier=tier, reason=PROPOSAL_REASON, actor=actor)


def hold_meetings(cycle: ReviewCycle, member_person_id: int | None, today: datetime.date, rng):
    """The review meetings of the member login's cell this year: one held two days ago (its
    members voted by secret ballot on up to three members' tiers: the proposals page shows
    the meeting's vote), and one in session now (most members checked in, a ballot open on
    another member) where the member login can check in with the room code and vote."""
    from kiemdiem.meetings import services as meetings
    from kiemdiem.meetings.models import Presence
    from kiemdiem.people.models import Affiliation

    if member_person_id is None:
        return
    cell_row = Affiliation.objects.filter(
        person_id=member_person_id, kind="cell", valid_to__isnull=True
    ).first()
    if cell_row is None:
        return
    cell = cell_row.unit
    roll = [
        a.person
        for a in Affiliation.objects.filter(unit=cell, kind="cell", valid_to__isnull=True)
        .select_related("person")
        .order_by("person__sort_key", "pk")
    ]
    if len(roll) < 3 or not Subject.objects.filter(cycle=cycle, unit=cell).exists():
        return
    head = (
        Affiliation.objects.filter(unit=cell, kind="position", role="head", valid_to__isnull=True)
        .values_list("person_id", flat=True)
        .first()
    )
    chair = next((p for p in roll if p.pk == head), roll[0])  # the cell's secretary chairs
    secretary = next(p for p in roll if p.pk not in (chair.pk, member_person_id))

    def at(day, hour):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    held = meetings.meeting_schedule(
        cycle=cycle,
        unit=cell,
        starts_at=at(today - 2 * DAY, 8),
        place=f"Hội trường {cell.name}",
        chair=chair,
        secretary=secretary,
        actor=None,
    )
    held = meetings.meeting_open(meeting=held, actor=None)
    rows = list(held.roll.select_related("person").order_by("pk"))
    absent = rows[-1] if len(rows) > 4 else None
    for row in rows:
        if row is absent:
            meetings.attendance_record(
                attendance=row, presence=Presence.ABSENT, reason="Đi công tác", actor=None
            )
        else:
            meetings.attendance_record(attendance=row, presence=Presence.PRESENT, actor=None)
    items = [
        i
        for i in held.agenda.select_related("subject").order_by("position")
        if i.subject.person_id and i.subject.person_id != member_person_id
    ]
    voters = [r.person for r in held.roll.all() if r.with_vote]
    for item in items[:3]:
        meetings.notes_record(
            item=item,
            notes="Các ý kiến thống nhất với bản tự kiểm điểm; đề nghị phát huy ưu điểm.",
            actor=None,
        )
        ballot = meetings.ballot_open(item=item, actor=None)
        lean = rng.choice(ballot.options[:2])
        for person in voters:
            option = lean if rng.random() < 0.75 else rng.choice(ballot.options)
            meetings.ballot_cast(question=ballot, option=option, actor=None, voter=person)
        meetings.ballot_close(question=ballot, actor=None, counted_by="Tổ kiểm phiếu của chi bộ")
    meetings.meeting_close(
        meeting=held,
        actor=None,
        summary="Chi bộ thống nhất đề nghị mức xếp loại như kết quả biểu quyết.",
    )
    # The meeting in session now: everyone but the member login (and one more) checked in.
    now = meetings.meeting_schedule(
        cycle=cycle,
        unit=cell,
        starts_at=timezone.now().replace(minute=0, second=0, microsecond=0),
        place=f"Hội trường {cell.name}",
        chair=chair,
        secretary=secretary,
        actor=None,
    )
    now = meetings.meeting_open(meeting=now, actor=None)
    rows = [r for r in now.roll.order_by("pk") if r.person_id != member_person_id]
    for row in rows[: max(len(rows) - 1, 0)]:
        meetings.attendance_record(attendance=row, presence=Presence.PRESENT, actor=None)
    quorum = meetings.quorum(now)
    later = [
        i
        for i in now.agenda.select_related("subject").order_by("position")
        if i.subject.person_id and i.subject.person_id != member_person_id
    ]
    if quorum.reached and later:
        meetings.ballot_open(item=later[-1], actor=None)
