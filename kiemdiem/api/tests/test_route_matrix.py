"""The API routes the older matrices (``test_permissions``, ``test_cycle_permissions``) do not
ask, asked the same way: anonymous, no grant, a sibling-subtree grant (A's staff), an ancestor
grant (the province's staff) and the own-subtree grant (B's staff), with the objects in commune
B's subtree. A user's own things (their tokens, their background jobs) belong to B's staff here:
everyone else is a stranger to them. ``kiemdiem/web/tests/test_route_matrix.py`` checks that
every route is in one of these matrices.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from knox.models import AuthToken

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles.models import Subject
from kiemdiem.jobs import registry
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.register import services as register
from kiemdiem.register.models import RegisterEntry
from kiemdiem.reviews import services as reviews

WHO = ("anon", "nogrant", "staff_a", "staff_p", "staff_b")


@dataclass
class Route:
    name: str
    url: Any  # (cycle, province, owner) → path
    expect: tuple[int, int, int, int, int]  # anon, nogrant, sibling, ancestor, own
    method: str = "get"
    body: Any = None  # a JSON body, or (cycle, province) → one
    extra: dict = field(default_factory=dict)
    note: str = ""


def _b1_report(cycle, province):
    """Cell B1's own report (no head: written by the staff over B1), started."""
    subject = Subject.objects.get(cycle=cycle, unit=province.cell_b1, person__isnull=True)
    reviews.review_start(subject=subject, actor=None)
    return subject


def _dung_htxsnv(cycle, province):
    """The finalize body naming Dung's member subject in B1 (read when the request is sent)."""
    from kiemdiem.decisions.models import Decision

    subject = Subject.objects.get(cycle=cycle, kind="party_member", unit=province.cell_b1)
    decision = Decision.objects.filter(subject=subject).first()
    revision = decision.revision if decision else 0
    return {"rows": [{"subject": subject.pk, "tier": "HTXSNV", "revision": revision}]}


def _b_submitted(cycle, province):
    """Commune B's report submitted (once, written as it stands: the body is made after the
    audit entries are counted), and the body that withdraws it."""
    from django.utils import timezone

    from kiemdiem.reports.models import ReportSubmission

    ReportSubmission.objects.get_or_create(
        cycle=cycle,
        unit=province.commune_b,
        defaults={"status": "submitted", "submitted_at": timezone.now()},
    )
    return {"unit": province.commune_b.pk, "reason": "Sửa số liệu"}


def _nothing(context) -> None:
    return None


KIND = "test.route_matrix"
if KIND not in registry.KINDS:
    registry.register(KIND, "Route matrix", _nothing)


def _background(owner):
    """A failed background job of ``owner``'s, of a kind that may be run again."""
    return Job.objects.create(kind=KIND, owner=owner, status=JobStatus.FAILED)


def _finished(owner):
    """A finished job of ``owner``'s with its result file (an export's, say)."""
    job = Job.objects.create(
        kind=KIND, owner=owner, status=JobStatus.DONE, result_name="ket-qua.csv"
    )
    job.folder.mkdir(parents=True, exist_ok=True)
    job.result_path.write_bytes(b"TT,Ho va ten\n")
    return job


def _dung_decided(cycle, province):
    """Dũng (cell B1) decided and notified, cell B1's list published to its members, and his
    complaint filed (decisions/): made on first use, once per test."""
    import datetime

    from kiemdiem.common.dates import today
    from kiemdiem.decisions import complaints, notices, publications
    from kiemdiem.decisions import services as decisions
    from kiemdiem.testing import WRITTEN

    if hasattr(cycle, "_noticed"):
        return cycle._noticed
    subject = Subject.objects.get(cycle=cycle, person=province.members["dung"])
    review = reviews.review_start(subject=subject, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    decision = decisions.decide(subject=subject, tier="HTTNV", reason="Tốt", actor=None)
    notices.notify_scope(cycle=cycle, unit=province.cell_b1, actor=None)
    publication = publications.publish(
        cycle=cycle,
        unit=province.cell_b1,
        audience="members",
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=5),
        actor=None,
    )
    decision.refresh_from_db()
    complaint = complaints.file_complaint(decision=decision, text="Xin xem lại", actor=None)
    cycle._noticed = (decision, publication, complaint)
    return cycle._noticed


def _publish_body(cycle, province):
    import datetime

    from kiemdiem.common.dates import today

    _dung_decided(cycle, province)
    return {
        "cycle": cycle.pk,
        "unit": province.cell_b1.pk,
        "audience": "members",
        "starts_on": today().isoformat(),
        "ends_on": (today() + datetime.timedelta(days=3)).isoformat(),
    }


def _dung(cycle, province):
    return Subject.objects.get(cycle=cycle, person=province.members["dung"], kind="party_member")


def _remedy(cycle, province):
    """A shortcoming a decision named for Dũng (cell B1)."""
    from kiemdiem.remediation import services as remediation

    return remediation.remedy_item_add(
        subject=_dung(cycle, province), actor=None, source="decision", source_ref="d:1", text="x"
    )


def _consolidation(cycle, province):
    from kiemdiem.remediation.models import Consolidation

    return Consolidation.objects.get_or_create(
        cycle=cycle, unit=province.cell_b1, defaults={"reason": "khtnv"}
    )[0]


def _action(cycle, province):
    return _consolidation(cycle, province).actions.create(text="Kiện toàn chi ủy")


def _b1_meeting(cycle, province):
    """Cell B1's review meeting in session, Dũng checked in, a secret ballot open on the last
    subject of the agenda (made on first ask)."""
    from django.utils import timezone

    from kiemdiem.meetings import services as meetings
    from kiemdiem.meetings.models import Meeting

    meeting = Meeting.objects.filter(unit=province.cell_b1).first()
    if meeting is None:
        meeting = meetings.meeting_schedule(
            cycle=cycle,
            unit=province.cell_b1,
            starts_at=timezone.now(),
            place="Nhà văn hóa",
            actor=None,
        )
        meeting = meetings.meeting_open(meeting=meeting, actor=None)
        for row in meeting.roll.all():
            meetings.attendance_record(attendance=row, presence="present", actor=None)
        meetings.ballot_open(item=meeting.agenda.order_by("position").last(), actor=None)
    item = meeting.agenda.order_by("position").last()
    return meeting, item, item.questions.get()


def _meeting_url(tail=""):
    return lambda c, p, o: f"/api/meetings/{_b1_meeting(c, p)[0].pk}/{tail}"


ROUTES = [
    Route("api-schema", lambda c, p, o: "/api/schema/", (401, 200, 200, 200, 200)),
    Route("api-docs", lambda c, p, o: "/api/docs/", (401, 200, 200, 200, 200)),
    Route(
        "api-token",
        lambda c, p, o: "/api/auth/token/",
        (400, 400, 400, 400, 400),
        method="post",
        body={"username": "staff_b", "password": "wrong"},
    ),
    Route("api-tokens", lambda c, p, o: "/api/auth/tokens/", (401, 200, 200, 200, 200)),
    Route(
        "api-token-detail",
        lambda c, p, o: f"/api/auth/tokens/{AuthToken.objects.filter(user=o).first().token_key}/",
        (401, 404, 404, 404, 204),
        method="delete",
    ),
    Route("api-me", lambda c, p, o: "/api/me/", (401, 200, 200, 200, 200)),
    Route("api-audit-list", lambda c, p, o: "/api/audit/", (401, 200, 200, 200, 200)),
    Route(
        "api-cycle-list",
        lambda c, p, o: "/api/cycles/",
        (401, 200, 200, 200, 200),
        extra={"member": 200},
    ),
    Route(
        "api-subject-link-reviews",
        lambda c, p, o: f"/api/subjects/{_b1_report(c, p).pk}/review/link/",
        (401, 404, 404, 200, 200),
        method="post",
        body={"reviews": []},
        extra={"inspector": 403, "decider": 403},
    ),
    Route(
        "api-cycle-proposals",
        lambda c, p, o: f"/api/cycles/{c.pk}/proposals/?unit={p.cell_b1.pk}",
        (401, 404, 404, 200, 200),
        extra={"member": 404, "decider": 200},
    ),
    Route(
        "api-decision-screen",
        lambda c, p, o: f"/api/cycles/{c.pk}/decision-screen/?unit={p.commune_b.pk}",
        (401, 404, 404, 404, 404),
        extra={"decider": 200, "member": 404},
    ),
    Route(
        "api-decision-screen-finalize",
        lambda c, p, o: f"/api/cycles/{c.pk}/decision-screen/finalize/",
        (401, 404, 403, 403, 403),
        method="post",
        body=_dung_htxsnv,
        extra={"decider": 400},  # her review is not submitted: refused, nothing written
    ),
    # opinions (Dung's subject in cell B1; the superior committee is commune B)
    Route(
        "api-opinion-request-list",
        lambda c, p, o: f"/api/opinion-requests/?subject={_dung(c, p).pk}",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-opinion-request-list",
        lambda c, p, o: "/api/opinion-requests/",
        (401, 200, 200, 200, 200),
        note="without a subject: what is asked of the caller",
    ),
    Route(
        "api-opinion-request-detail",
        lambda c, p, o: f"/api/opinion-requests/{_b1_request(c, p).pk}/",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-opinion-request-list",
        lambda c, p, o: "/api/opinion-requests/",
        (401, 403, 400, 200, 200),
        method="post",
        body=lambda c, p: {
            "subject": _b1_request(c, p).subject_id,
            "source": "superior_committee",
            "deadline": "2025-12-10",
        },
        note="asked already: the request made (200), no second one",
    ),
    Route(
        "api-opinion-request-cell",
        lambda c, p, o: "/api/opinion-requests/cell/",
        (401, 403, 400, 400, 400),
        method="post",
        body=lambda c, p: {
            "cycle": c.pk,
            "unit": p.cell_b1.pk,
            "source": "superior_committee",
            "deadline": "2025-12-10",
        },
        note="the deadline has passed: refused, nothing written",
    ),
    Route(
        "api-opinion-request-answer",
        lambda c, p, o: f"/api/opinion-requests/{_b1_request(c, p).pk}/answer/",
        (401, 404, 404, 200, 200),
        method="post",
        body={"text": "Đồng chí hoàn thành tốt nhiệm vụ.", "revision": 0},
        extra={"inspector": 403},
    ),
    Route(
        "api-peer-comment-list",
        lambda c, p, o: f"/api/peer-comments/?subject={_dung(c, p).pk}",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-peer-comment-list",
        lambda c, p, o: "/api/peer-comments/",
        (401, 403, 403, 403, 403),
        method="post",
        body=lambda c, p: {"subject": _dung(c, p).pk, "text": "Tốt"},
        note="only members of the cell comment (none of these users is one)",
    ),
    Route(
        "api-peer-comment-missing",
        lambda c, p, o: f"/api/peer-comments/missing/?subject={_dung(c, p).pk}",
        (401, 404, 404, 200, 200),
        extra={"inspector": 403},
    ),
    Route(
        "api-review-note-list",
        lambda c, p, o: f"/api/review-notes/?subject={_dung(c, p).pk}",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-review-note-list",
        lambda c, p, o: "/api/review-notes/",
        (401, 403, 400, 201, 201),
        method="post",
        body=lambda c, p: {
            "subject": _dung(c, p).pk,
            "kind": "cell_comment",
            "text": "Chi ủy nhận xét.",
            "revision": 0,
        },
        extra={"decider": 403, "inspector": 403},
    ),
    # meetings (cell B1's, in session, a ballot open)
    Route(
        "api-meeting-list",
        lambda c, p, o: f"/api/meetings/?unit={p.commune_b.pk}",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-meeting-list",
        lambda c, p, o: "/api/meetings/",
        (401, 403, 400, 201, 201),
        method="post",
        body=lambda c, p: {
            "cycle": c.pk,
            "unit": p.cell_b1.pk,
            "starts_at": "2025-12-10T08:00:00+07:00",
            "place": "Hội trường",
        },
        extra={"inspector": 403, "member": 403},
    ),
    Route("api-meeting-detail", _meeting_url(), (401, 404, 404, 200, 200)),
    Route(
        "api-meeting-open",
        _meeting_url("open/"),
        (401, 404, 404, 400, 400),
        method="post",
        body={},
        note="already open",
    ),
    Route(
        "api-meeting-close",
        _meeting_url("close/"),
        (401, 404, 404, 400, 400),
        method="post",
        body={},
        note="a ballot is open",
    ),
    Route(
        "api-meeting-check-in",
        _meeting_url("check-in/"),
        (401, 404, 404, 403, 403),
        method="post",
        body={"code": "000000"},
        note="only those on the roll check in",
    ),
    Route(
        "api-meeting-attendance",
        _meeting_url("attendance/"),
        (401, 404, 404, 200, 200),
        method="post",
        body=lambda c, p: {"row": _b1_meeting(c, p)[0].roll.first().pk, "presence": "present"},
        extra={"inspector": 403},
    ),
    Route(
        "api-agenda-detail",
        lambda c, p, o: f"/api/agenda/{_b1_meeting(c, p)[1].pk}/",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-agenda-notes",
        lambda c, p, o: f"/api/agenda/{_b1_meeting(c, p)[1].pk}/notes/",
        (401, 404, 404, 200, 200),
        method="post",
        body={"notes": "Ý kiến"},
        extra={"inspector": 403},
    ),
    Route(
        "api-agenda-hands",
        lambda c, p, o: f"/api/agenda/{_b1_meeting(c, p)[1].pk}/hands/",
        (401, 404, 404, 400, 400),
        method="post",
        body={"counts": {"HTNV": 1}},
        note="a secret ballot on it is open",
    ),
    Route(
        "api-agenda-ballot",
        lambda c, p, o: f"/api/agenda/{_b1_meeting(c, p)[1].pk}/ballot/",
        (401, 404, 404, 400, 400),
        method="post",
        note="already open",
    ),
    Route(
        "api-vote-detail",
        lambda c, p, o: f"/api/votes/{_b1_meeting(c, p)[2].pk}/",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-vote-cast",
        lambda c, p, o: f"/api/votes/{_b1_meeting(c, p)[2].pk}/cast/",
        (401, 404, 404, 403, 403),
        method="post",
        body={"option": "HTNV"},
        note="staff are not on the roll; the shared device needs a member",
        extra={"inspector": 403},
    ),
    Route(
        "api-vote-close",
        lambda c, p, o: f"/api/votes/{_b1_meeting(c, p)[2].pk}/close/",
        (401, 404, 404, 200, 200),
        method="post",
        body={},
        extra={"inspector": 403},
    ),
    # reports: commune B's results, submitted to the province
    Route(
        "api-report",
        lambda c, p, o: f"/api/cycles/{c.pk}/report/?unit={p.commune_b.pk}",
        (401, 404, 404, 200, 200),
        extra={"member": 404, "inspector": 200},
    ),
    Route(
        "api-report-submit",
        lambda c, p, o: f"/api/cycles/{c.pk}/report/submit/",
        (401, 404, 404, 200, 200),
        method="post",
        body=lambda c, p: {"unit": p.commune_b.pk},
        extra={"inspector": 403, "member": 403},
        note="the unit is in the body: those who may change nothing are refused before it",
    ),
    Route(
        "api-report-withdraw",
        lambda c, p, o: f"/api/cycles/{c.pk}/report/withdraw/",
        (401, 404, 404, 200, 200),
        method="post",
        body=_b_submitted,
        extra={"inspector": 403, "member": 403},
    ),
    # remediation (objects in cell B1)
    Route(
        "api-remedy-list",
        lambda c, p, o: f"/api/remedies/?unit={p.commune_b.pk}",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-remedy-detail",
        lambda c, p, o: f"/api/remedies/{_remedy(c, p).pk}/",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-remedy-detail",
        lambda c, p, o: f"/api/remedies/{_remedy(c, p).pk}/",
        (401, 404, 404, 200, 200),
        method="patch",
        body={"remedy_plan": "Sinh hoạt đều"},
        extra={"inspector": 403},
    ),
    Route(
        "api-remedy-list",
        lambda c, p, o: "/api/remedies/",
        (401, 403, 400, 201, 201),
        method="post",
        body=lambda c, p: {
            "subject": _dung(c, p).pk,
            "source": "meeting",
            "source_ref": "BB 3",
            "text": "Chậm nộp đảng phí",
        },
        extra={"inspector": 403},
    ),
    Route(
        "api-consolidation-list",
        lambda c, p, o: f"/api/consolidations/?unit={p.commune_b.pk}",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-consolidation-detail",
        lambda c, p, o: f"/api/consolidations/{_consolidation(c, p).pk}/",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-consolidation-build",
        lambda c, p, o: "/api/consolidations/build/",
        (401, 403, 400, 400, 400),
        method="post",
        body=lambda c, p: {"cycle": c.pk, "unit": p.commune_b.pk},
        extra={"inspector": 403},
    ),
    Route(
        "api-consolidation-add-action",
        lambda c, p, o: f"/api/consolidations/{_consolidation(c, p).pk}/actions/",
        (401, 404, 404, 201, 201),
        method="post",
        body={"text": "Kiện toàn chi ủy"},
        extra={"inspector": 403},
    ),
    Route(
        "api-consolidation-action-detail",
        lambda c, p, o: f"/api/consolidation-actions/{_action(c, p).pk}/",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-consolidation-action-detail",
        lambda c, p, o: f"/api/consolidation-actions/{_action(c, p).pk}/",
        (401, 404, 404, 200, 200),
        method="put",
        body={"text": "Kiện toàn chi ủy", "status": "done"},
        extra={"inspector": 403},
    ),
    Route(
        "api-list-list",
        lambda c, p, o: f"/api/lists/?unit={p.commune_b.pk}&list=khtnv&year=2025",
        (401, 404, 404, 200, 200),
    ),
    Route(
        "api-tier-history-detail",
        lambda c, p, o: f"/api/tier-history/{p.members['dung'].pk}/",
        (401, 404, 404, 200, 200),
    ),
    # documents: the exporters I may run; starting one (a job of mine)
    Route("api-document-list", lambda c, p, o: "/api/documents/", (401, 200, 200, 200, 200)),
    Route(
        "api-document-detail",
        lambda c, p, o: "/api/documents/decision_list/",
        (401, 404, 200, 200, 200),
        note="no grant: no exporter is theirs",
    ),
    Route(
        "api-document-start",
        lambda c, p, o: "/api/documents/decision_list/start/",
        (401, 404, 400, 201, 201),
        method="post",
        body=lambda c, p: {"format": "xlsx", "params": {"cycle": str(c.pk), "unit": "B"}},
        note="A's staff cannot name unit B: the field says so, nothing queued",
    ),
    # insights (api/insights.py): B's holders and signals in the province's cycle; my to-dos
    Route(
        "api-insights-comparison-list",
        lambda c, p, o: (
            f"/api/insights/comparison/?cycle={c.pk}&kind=head.chi_bo_truc_thuoc"
            f"&unit={p.commune_b.pk}"
        ),
        (401, 404, 404, 200, 200),
        extra={"member": 404, "inspector": 200},
    ),
    Route(
        "api-insights-signal-list",
        lambda c, p, o: f"/api/insights/signals/?cycle={c.pk}&unit={p.commune_b.pk}",
        (401, 404, 404, 200, 200),
        extra={"inspector": 200},
    ),
    Route(
        "api-insights-todo-list",
        lambda c, p, o: "/api/insights/todos/",
        (401, 200, 200, 200, 200),
        extra={"member": 200},
    ),
    Route("api-job-list", lambda c, p, o: "/api/jobs/", (401, 200, 200, 200, 200)),
    Route(
        "api-job-detail",
        lambda c, p, o: f"/api/jobs/{_background(o).pk}/",
        (401, 404, 404, 404, 200),
    ),
    Route(
        "api-job-result",
        lambda c, p, o: f"/api/jobs/{_finished(o).pk}/result/",
        (401, 404, 404, 404, 200),
        note="the result is its owner's alone, however high the grant",
    ),
    Route(
        "api-job-retry",
        lambda c, p, o: f"/api/jobs/{_background(o).pk}/retry/",
        (401, 404, 404, 404, 200),
        method="post",
    ),
    # the register: an entry about Dung (cell B1), with its scan
    Route(
        "api-register-entry-list",
        lambda c, p, o: "/api/register-entries/",
        (401, 200, 200, 200, 200),
    ),
    Route(
        "api-register-entry-detail",
        lambda c, p, o: f"/api/register-entries/{_b1_entry(p).pk}/",
        (401, 404, 404, 200, 200),
        extra={"member": 404, "inspector": 200},
    ),
    Route(
        "api-register-entry-annul",
        lambda c, p, o: f"/api/register-entries/{_b1_entry(p).pk}/annul/",
        (401, 404, 404, 200, 200),
        method="post",
        body={"reason": "Nhập nhầm"},
        extra={"member": 404, "inspector": 403},
    ),
    Route(
        "api-register-entry-files",
        lambda c, p, o: f"/api/register-entries/{_b1_entry(p).pk}/files/",
        (401, 404, 404, 415, 415),
        method="post",
        body={"file": "x"},
        extra={"inspector": 403},  # a JSON body: the upload is multipart (test_register.py)
    ),
    Route(
        "api-register-entry-file",
        lambda c, p, o: (
            f"/api/register-entries/{_b1_entry(p).pk}/files/{_b1_entry(p).files.get().pk}/"
        ),
        (401, 404, 404, 200, 200),
        extra={"member": 404, "inspector": 200},
    ),
    # publications and complaints (api/publications.py, api/complaints.py)
    Route(
        "api-publication-list",
        lambda c, p, o: "/api/publications/",
        (401, 200, 200, 200, 200),
        extra={"member": 200},
    ),
    Route(
        "api-publication-list",
        lambda c, p, o: "/api/publications/",
        (401, 403, 400, 201, 201),
        method="post",
        body=None,  # set per case: _publish_body
        extra={"decider": 201, "inspector": 403},
    ),
    Route(
        "api-publication-detail",
        lambda c, p, o: f"/api/publications/{_dung_decided(c, p)[1].pk}/",
        (401, 404, 404, 200, 200),
        extra={"member": 404},
    ),
    Route(
        "api-publication-rows",
        lambda c, p, o: f"/api/publications/{_dung_decided(c, p)[1].pk}/rows/?search=dung",
        (401, 404, 404, 200, 200),
        extra={"member": 404},
    ),
    Route(
        "api-publication-withdraw",
        lambda c, p, o: f"/api/publications/{_dung_decided(c, p)[1].pk}/withdraw/",
        (401, 404, 404, 200, 200),
        method="post",
        body={"reason": "Nhầm danh sách"},
    ),
    Route(
        "api-complaint-list",
        lambda c, p, o: "/api/complaints/",
        (401, 200, 200, 200, 200),
        extra={"decider": 200},
    ),
    Route(
        "api-complaint-list",
        lambda c, p, o: "/api/complaints/",
        (401, 400, 400, 400, 400),
        method="post",
        body={"decision": 0, "text": "x"},
        extra={"member": 400},
        note="a decision id that names nothing is refused by shape; filing: test_api_notices",
    ),
    Route(
        "api-complaint-detail",
        lambda c, p, o: f"/api/complaints/{_dung_decided(c, p)[2].pk}/",
        (401, 404, 404, 404, 404),
        extra={"decider": 200},
    ),
    Route(
        "api-complaint-handle",
        lambda c, p, o: f"/api/complaints/{_dung_decided(c, p)[2].pk}/handle/",
        (401, 404, 404, 404, 404),
        method="post",
        body=lambda c, p: {
            "outcome": "upheld",
            "reason": "Đúng quy định",
            "revision": _dung_decided(c, p)[0]
            .__class__.objects.get(pk=_dung_decided(c, p)[0].pk)
            .revision,
        },
        extra={"decider": 200},
    ),
]


def _b1_entry(province):
    """A discipline decision about Dung (cell B1), with its scan."""
    entry = RegisterEntry.objects.filter(person=province.members["dung"]).first()
    if entry is None:
        entry = register.entry_record(
            actor=None,
            person=province.members["dung"],
            kind="discipline",
            track="party",
            discipline_form="KHIEN_TRACH",
            decided_on=datetime.date(2025, 9, 1),
            issuing_body="Chi bộ khu phố 1",
            year=2025,
            files=[SimpleUploadedFile("qd.pdf", b"%PDF-1.4\n")],
        )
    return entry


def _b1_request(cycle, province):
    """The superior committee (commune B) asked about Dung (cell B1), made once. The 2025
    cycle's stages are over, so it is written as the service would have written it then."""
    from kiemdiem.opinions.models import OpinionRequest

    subject = _dung(cycle, province)
    row, _created = OpinionRequest.objects.get_or_create(
        subject=subject,
        source="superior_committee",
        asked_unit=province.commune_b,
        defaults={"deadline": datetime.date(2025, 12, 10)},
    )
    return row


def _cases():
    for route in ROUTES:
        expected = dict(zip(WHO, route.expect, strict=True)) | route.extra
        for who, status in expected.items():
            yield pytest.param(route, who, status, id=f"{route.name}-{who}")


@pytest.mark.parametrize(("route", "who", "expected"), list(_cases()))
def test_route_permission_matrix(
    client_for, province, cycle, route, who, expected, settings, tmp_path
):
    settings.VAR_DIR = tmp_path  # where a job's result file is written
    owner = province.users["staff_b"]
    AuthToken.objects.create(user=owner)  # a token of the owner's own, beside the client's
    url = route.url(cycle, province, owner)
    client = client_for(None if who == "anon" else who)
    body = (
        _publish_body(cycle, province)
        if route.body is None and route.method == "post"
        else route.body
    )
    audit = LogEntry.objects.count()
    body = body(cycle, province) if callable(body) else body
    response = getattr(client, route.method)(url, body, format="json")
    assert response.status_code == expected, (route.name, who, response.content[:300])
    if expected >= 400:
        assert LogEntry.objects.count() == audit
