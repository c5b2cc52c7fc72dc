"""Every route of the site and of the API has an entry in a permission matrix.

``test_every_route_is_in_a_matrix`` walks the URL resolver (Django's admin is one entry: its own
door, staff users only) and fails for a route that no matrix names: this module's ``ROUTES``,
the older page matrix (``test_views_matrix.PAGES``) and the API's matrices
(``kiemdiem/api/tests``). A new page or endpoint therefore comes with its row.

``ROUTES`` asks each page as anonymous, a user with no grant, a grant on a sibling subtree and
a grant on an ancestor — and, where it answers differently, the grant on the object's own
subtree. The objects sit in commune A's subtree: a review cycle opened at A, Bình's submitted
self-review (cell A1), an import job in A1. The grant that matters is staff for most pages,
administrator for the access pages and decision maker for the rating: ``sibling`` is that role
on commune B, ``ancestor`` that role on the province. A user's own things (notices, background
jobs) belong to the province's staff user here, so ``ancestor`` is the owner and every other
user a stranger. A refused request changes nothing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject
from kiemdiem.imports import services as imports
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, xlsx_bytes
from kiemdiem.jobs.models import Job, JobStatus
from kiemdiem.notifications.services import notify
from kiemdiem.people.models import Affiliation
from kiemdiem.register import services as register
from kiemdiem.register.models import RegisterEntry
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, annual_stages
from kiemdiem.web.tests.test_views_matrix import PAGES

D = datetime.date
WHO = ("anon", "nogrant", "sibling", "ancestor")
# The users standing for ``sibling`` and ``ancestor``, by the role the route is about.
ROLES = {
    "staff": ("staff_b", "staff_p"),
    "admin": ("admin_b", "admin"),
    "decider": ("decider_b", "decider"),
}


@dataclass
class World:
    province: Any
    cycle: Any
    binh: Any  # Bình's subject (cell A1), her review submitted
    job: Any  # an import job in A1, checked, with errors
    background: Any  # a background job of staff_p, done, with a result file
    notice: Any  # a notice left for staff_p


@pytest.fixture
def world(province, settings, tmp_path) -> World:
    settings.VAR_DIR = tmp_path
    users = province.users
    for name, role in [("admin_b", "admin"), ("decider_b", "decider")]:
        users[name] = accounts.user_create(username=name, password="pass12345!", actor=None)
        accounts.grant_add(user=users[name], role=role, unit=province.commune_b, actor=None)
    cycle = cycles.cycle_open(
        code="KDA2025",
        name="Kiểm điểm xã An Bình 2025",
        kind="annual",
        year=2025,
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        root=province.commune_a,
        stages=annual_stages(2025),
        actor=None,
    )
    subjects.subjects_generate(cycle=cycle, actor=None)
    cycles.plan_issue(
        cycle=cycle,
        unit=province.cell_a1,
        stages=[cycles.StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
        actor=None,
    )
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    review = reviews.review_start(subject=binh, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    data = xlsx_bytes(PEOPLE_HEADERS, [person_row(birth="31/02/1985")])
    job = imports.job_create(
        user=None, unit=province.cell_a1, kind="people", filename="a.xlsx", chunks=[data]
    )
    imports.import_validate(job)
    background = Job.objects.create(
        kind="test.result", owner=users["staff_p"], status=JobStatus.DONE, result_name="r.txt"
    )
    background.folder.mkdir(parents=True, exist_ok=True)
    background.result_path.write_text("kết quả", encoding="utf-8")
    notice = notify(users["staff_p"], key="matrix", text="Xin chào", url="/")
    return World(province, cycle, binh, job, background, notice)


@dataclass
class Route:
    name: str
    expect: tuple[int, int, int, int]  # anon, nogrant, sibling, ancestor
    kwargs: Any = None  # world → URL kwargs
    method: str = "get"
    data: Any = None  # world → POST data, or the GET query
    role: str = "staff"
    own: int | None = None  # the own-subtree grant (staff_a …), where it is asked
    note: str = ""
    extra: dict = field(default_factory=dict)  # other users → status
    public: bool = False  # open to anonymous visitors (no sign-in asked)

    @property
    def id(self) -> str:
        return f"{self.name}:{self.method}"


LOGIN = 302  # login_required: to the sign-in page
IN_A = (LOGIN, 404, 404, 200)  # an object in A's subtree: invisible outside it
WRITE_IN_A = (LOGIN, 404, 404, 302)  # a write there: done, and back to the page
SIGNED_IN = (LOGIN, 200, 200, 200)  # any signed-in user; the lists pass the door
OWNED = (LOGIN, 404, 404, 200)  # the owner's (staff_p's) own thing


def _subject(w):
    return {"subject_pk": w.binh.pk}


def _noticed(w):
    """Bình decided and notified, the list of cell A1 published to commune A's subtree, and
    her complaint with one file (decisions/notice_views.py), made on first use."""
    if not hasattr(w, "noticed"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from kiemdiem.common.dates import today
        from kiemdiem.decisions import complaints, notices, publications
        from kiemdiem.decisions import services as decisions

        decision = decisions.decide(subject=w.binh, tier="HTTNV", reason="Tốt", actor=None)
        notices.notify_scope(cycle=w.cycle, unit=w.province.cell_a1, actor=None)
        publication = publications.publish(
            cycle=w.cycle,
            unit=w.province.cell_a1,
            audience="subtree",
            audience_unit=w.province.commune_a,
            starts_on=today(),
            ends_on=today() + datetime.timedelta(days=5),
            actor=None,
        )
        pdf = SimpleUploadedFile("don.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        decision.refresh_from_db()
        complaint = complaints.file_complaint(
            decision=decision, text="Xin xem lại", files=[pdf], actor=None
        )
        w.noticed = (decision, publication, complaint)
    return w.noticed


def _cycle_unit(unit_name):
    return lambda w: {"pk": w.cycle.pk, "unit_pk": getattr(w.province, unit_name).pk}


def _register_entry(w):
    entry = RegisterEntry.objects.filter(person=w.province.members["binh"]).first()
    if entry is None:
        entry = register.entry_record(
            actor=None,
            person=w.province.members["binh"],
            kind="discipline",
            track="party",
            discipline_form="KHIEN_TRACH",
            decided_on=D(2025, 9, 1),
            issuing_body="Chi bộ thôn Đông",
            year=2025,
            files=[SimpleUploadedFile("qd.pdf", b"%PDF-1.4\n")],
        )
    return {"pk": entry.pk}


def _register_file(w):
    entry = RegisterEntry.objects.get(pk=_register_entry(w)["pk"])
    return {"pk": entry.files.get().pk}


def _opinion_request(w):
    """The superior committee (commune A) asked about Bình, made once (the 2025 stage is over:
    written as the service would have written it then)."""
    from kiemdiem.opinions.models import OpinionRequest

    return OpinionRequest.objects.get_or_create(
        subject=w.binh,
        source="superior_committee",
        asked_unit=w.province.commune_a,
        defaults={"deadline": D(2025, 12, 10)},
    )[0]


def _report_of(unit_name):
    return lambda w: {"cycle_pk": w.cycle.pk, "unit_pk": getattr(w.province, unit_name).pk}


def _submitted_report(w):
    """Commune A's report of the cycle, submitted (made once, on first ask)."""
    from kiemdiem.reports import services as reports
    from kiemdiem.reports.models import ReportSubmission

    if not ReportSubmission.objects.filter(cycle=w.cycle, unit=w.province.commune_a).exists():
        reports.report_submit(cycle=w.cycle, unit=w.province.commune_a, actor=None)
    return _report_of("commune_a")(w)


def _unit_a(w):
    return {"pk": w.province.commune_a.pk}


def _remedy(w):
    """A shortcoming a decision named for Bình (made once, on first ask)."""
    from kiemdiem.remediation import services as remediation
    from kiemdiem.reviews.models import Shortcoming

    row = Shortcoming.objects.filter(source="decision", source_subject=w.binh).first()
    row = row or remediation.remedy_item_add(
        subject=w.binh, actor=None, source="decision", source_ref="decision:1", text="Chậm"
    )
    return {"pk": row.pk}


def _consolidation(w):
    from kiemdiem.remediation.models import Consolidation

    row, _ = Consolidation.objects.get_or_create(
        cycle=w.cycle, unit=w.province.cell_a1, defaults={"reason": "khtnv"}
    )
    return row


def _action(w):
    return _consolidation(w).actions.get_or_create(text="Kiện toàn chi ủy")[0]


def _meeting(w):
    """Cell A1's review meeting in session, An and Bình checked in, a secret ballot open on
    the last subject of the agenda (made once, on first ask)."""
    if not hasattr(w, "meeting"):
        from django.utils import timezone

        from kiemdiem.meetings import services as meetings

        meeting = meetings.meeting_schedule(
            cycle=w.cycle,
            unit=w.province.cell_a1,
            starts_at=timezone.now(),
            place="Hội trường thôn",
            chair=w.province.members["an"],
            actor=None,
        )
        meeting = meetings.meeting_open(meeting=meeting, actor=None)
        for row in meeting.roll.all():
            meetings.attendance_record(attendance=row, presence="present", actor=None)
        item = meeting.agenda.order_by("position").last()
        w.meeting = (meeting, item, meetings.ballot_open(item=item, actor=None))
    return w.meeting


ROUTES = [
    # signing in and one's own account
    Route("login", (200, 302, 302, 302), public=True, note="a signed-in user is sent on"),
    Route("logout", (302, 302, 302, 302), method="post", public=True),
    Route(
        "set-language",
        (302, 302, 302, 302),
        method="post",
        data=lambda w: {"language": "en"},
        public=True,
    ),
    Route("account", SIGNED_IN),
    Route("password-change", SIGNED_IN),
    Route("account-tokens", SIGNED_IN),
    Route("sign-out-everywhere", (LOGIN, 302, 302, 302), method="post"),
    Route("home", SIGNED_IN),
    # access: administrators of a subtree
    Route("user-list", (LOGIN, 403, 200, 200), role="admin", note="admin_b lists B's users"),
    Route(
        "user-detail",
        (LOGIN, 403, 404, 200),
        kwargs=lambda w: {"pk": w.province.users["staff_a"].pk},
        role="admin",
    ),
    Route(
        "user-create",
        (LOGIN, 403, 404, 200),
        kwargs=lambda w: {"person_pk": w.province.members["cuong"].pk},
        role="admin",
        note="a login for Cường, member of cell A2",
    ),
    # the tree and people: lists for everyone, scoped
    Route("tree", SIGNED_IN),
    Route("person-list", SIGNED_IN),
    Route(
        "affiliation-end",
        IN_A,
        kwargs=lambda w: {
            "pk": Affiliation.objects.get(person=w.province.members["an"], kind="position").pk
        },
        own=200,
        extra={"inspector": 404},
    ),
    # review cycles, opened at A
    Route("cycle-list", SIGNED_IN),
    Route("cycle-detail", IN_A, kwargs=lambda w: {"pk": w.cycle.pk}, own=200),
    Route(
        "cycle-subjects-generate",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": w.cycle.pk},
        method="post",
        own=302,
        extra={"secretary": 404},
    ),
    Route("cycle-unit", IN_A, kwargs=_cycle_unit("cell_a1"), own=200),
    Route("plan-issue", IN_A, kwargs=_cycle_unit("cell_a2"), own=200, extra={"inspector": 404}),
    Route(
        "plan-return",
        WRITE_IN_A,
        kwargs=_cycle_unit("cell_a1"),
        method="post",
        data=lambda w: {"comment": "Thiếu lịch họp"},
        own=302,
        extra={"secretary": 403},
        note="A's staff send A1's plan back; A1's secretary sees it but may not",
    ),
    Route(
        "cycle-open",
        IN_A,
        kwargs=lambda w: {"unit_pk": w.province.commune_a.pk},
        own=200,
        extra={"inspector": 404},
    ),
    Route(
        "cycle-pack-rules",
        IN_A,
        kwargs=lambda w: {"pk": w.cycle.pk, "pin_pk": w.cycle.packs.get(track="party").pk},
        own=200,
        extra={"member": 200},
        note="the rules of a pinned rule set: whoever may view the cycle",
    ),
    Route(
        "cycle-pack-pin",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": w.cycle.pk},
        method="post",
        data=lambda w: {"local_pack": ""},
        own=302,
        note="no local pack chosen: a message, nothing pinned",
    ),
    Route("cycle-places", IN_A, kwargs=lambda w: {"pk": w.cycle.pk}, own=200),
    Route(
        "cycle-place-choose",
        (LOGIN, 404, 404, 404),
        kwargs=lambda w: {
            "pk": w.cycle.pk,
            "person_pk": w.province.members["an"].pk,
            "track": "party",
        },
        method="post",
        data=lambda w: {"tier": "HTTNV", "reason": "x"},
        role="decider",
        note="An is rated in no two places here: nothing to choose (cycles/tests/test_places)",
    ),
    Route("cycle-board", IN_A, kwargs=_cycle_unit("commune_a"), own=200),
    Route("cycle-board-subjects", IN_A, kwargs=_cycle_unit("commune_a"), own=200),
    # audit log: view_audit somewhere; the list passes the door
    Route("audit-log", (LOGIN, 403, 200, 200), extra={"secretary": 403}),
    # imports and exports
    Route("imports", SIGNED_IN),
    Route("import-template", SIGNED_IN, kwargs=lambda w: {"kind": "people"}),
    Route(
        "import-export",
        (LOGIN, 400, 400, 200),
        data=lambda w: {"export-kind": "people", "export-unit": "A1", "export-format": "csv"},
        own=200,
        extra={"member": 400},
    ),
    Route("import-job", IN_A, kwargs=lambda w: {"pk": w.job.pk}, own=200),
    Route(
        "import-confirm",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": w.job.pk},
        method="post",
        extra={"inspector": 404},
        note="the job has errors: refused with a message",
    ),
    Route("import-report", IN_A, kwargs=lambda w: {"pk": w.job.pk}, own=200),
    # self-reviews: Bình's, submitted
    Route("review-mine", SIGNED_IN),
    Route("review-edit", IN_A, kwargs=_subject, own=200, extra={"member": 200}),
    Route("review-print", IN_A, kwargs=_subject, extra={"member": 200}),
    Route("review-start", WRITE_IN_A, kwargs=_subject, method="post", extra={"inspector": 404}),
    Route(
        "review-save",
        WRITE_IN_A,
        kwargs=_subject,
        method="post",
        data=lambda w: {"proposed_tier": "HTTNV"},
        extra={"inspector": 404},
    ),
    Route(
        "review-amend",
        WRITE_IN_A,
        kwargs=_subject,
        method="post",
        data=lambda w: {"reason": "Bổ sung"},
        extra={"inspector": 404, "member": 302},
    ),
    Route(
        "review-return",
        WRITE_IN_A,
        kwargs=_subject,
        method="post",
        data=lambda w: {"comment": "Nêu rõ sản phẩm"},
        own=302,
        extra={"member": 404, "inspector": 404},
        note="not by its writer",
    ),
    Route("review-link", WRITE_IN_A, kwargs=_subject, method="post", extra={"inspector": 404}),
    Route(
        "suggestion-add",
        WRITE_IN_A,
        kwargs=_subject,
        method="post",
        data=lambda w: {"text": "Làm rõ việc chậm nộp đảng phí"},
        extra={"member": 404, "inspector": 404},
    ),
    # decisions: Bình's (cell A1), decided by the decision maker over A1
    Route("decision-subject", IN_A, kwargs=_subject, own=200, extra={"member": 200}),
    Route(
        "decision-decide",
        WRITE_IN_A,
        kwargs=_subject,
        method="post",
        data=lambda w: {"tier": "HTTNV"},
        role="decider",
        extra={"staff_p": 404, "member": 404},
        note="the decision maker over A1; staff do not decide, nobody for themself",
    ),
    Route(
        "decision-reopen",
        WRITE_IN_A,
        kwargs=_subject,
        method="post",
        data=lambda w: {"reason": "Sửa sai"},
        role="decider",
        extra={"staff_p": 404, "member": 404},
        note="not decided yet: refused with a message, back to the page",
    ),
    Route(
        "decision-carry-over",
        WRITE_IN_A,
        kwargs=_subject,
        method="post",
        data=lambda w: {"reason": "Chờ kết luận kiểm tra"},
        role="decider",
        extra={"staff_p": 404, "member": 404},
    ),
    Route(
        "decision-propose",
        WRITE_IN_A,
        kwargs=_subject,
        method="post",
        data=lambda w: {"tier": "HTTNV", "reason": "Đạt"},
        own=302,
        extra={"member": 404, "inspector": 404},
        note="the advisory body (staff), never the subject herself",
    ),
    Route(
        "decision-person-tiers",
        IN_A,
        kwargs=lambda w: {"person_pk": w.province.members["binh"].pk},
        own=200,
    ),
    Route(
        "decision-proposals",
        IN_A,
        kwargs=lambda w: {"cycle_pk": w.cycle.pk},
        data=lambda w: {"unit": w.province.cell_a1.pk},
        own=200,
    ),
    Route(
        "decision-proposal-row",
        WRITE_IN_A,
        kwargs=lambda w: {
            "cycle_pk": w.cycle.pk,
            "unit_pk": w.province.cell_a1.pk,
            "subject_pk": w.binh.pk,
        },
        method="post",
        data=lambda w: {"tier": "HTTNV"},
        own=302,
        extra={"member": 404, "inspector": 404},
    ),
    Route(
        "decision-screen",
        IN_A,
        kwargs=lambda w: {"cycle_pk": w.cycle.pk},
        data=lambda w: {"unit": w.province.commune_a.pk, "group": "members"},
        role="decider",
        extra={"staff_p": 404, "member": 404},
        note="the members of A for their decision maker; nobody else decides there",
    ),
    # the register of discipline: Bình's entry (cell A1), with its scan
    Route("register-list", (LOGIN, 404, 200, 200), extra={"member": 404}, note="grants only"),
    Route("register-create", (LOGIN, 404, 200, 200), extra={"inspector": 404}),
    Route("register-entry", IN_A, kwargs=_register_entry, own=200, extra={"member": 200}),
    Route(
        "register-edit",
        IN_A,
        kwargs=_register_entry,
        own=200,
        extra={"member": 404, "inspector": 404},
    ),
    Route(
        "register-annul",
        WRITE_IN_A,
        kwargs=_register_entry,
        method="post",
        data=lambda w: {"reason": "Nhập nhầm"},
        own=302,
        extra={"member": 404, "inspector": 404},
    ),
    Route(
        "register-attach",
        WRITE_IN_A,
        kwargs=_register_entry,
        method="post",
        own=302,
        extra={"member": 404},
        note="no file: a message, nothing attached",
    ),
    Route(
        "register-file",
        IN_A,
        kwargs=_register_file,
        own=200,
        extra={"member": 200, "inspector": 200, "secretary": 200},
    ),
    # notification, publication, complaints (decisions/notice_views.py)
    Route(
        "decision-results",
        IN_A,
        kwargs=_cycle_unit("cell_a1"),
        own=200,
        extra={"member": 403, "decider": 200},
        note="staff and deciders of the deciding level; a member sees the cycle, not this",
    ),
    Route(
        "decision-notify",
        WRITE_IN_A,
        kwargs=_cycle_unit("cell_a1"),
        method="post",
        role="decider",
        extra={"staff_p": 403, "member": 403},
        note="nothing to notify yet: a message; staff and members do not decide",
    ),
    Route(
        "publication-withdraw",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": _noticed(w)[1].pk},
        method="post",
        data=lambda w: {"reason": "Nhầm danh sách"},
        own=302,
        extra={"member": 404, "inspector": 404},
    ),
    Route(
        "published-list",
        SIGNED_IN,
        data=lambda w: _noticed(w) and {},
        extra={"member": 200},
        note="Bình has one list shown to her",
    ),
    Route(
        "published-detail",
        IN_A,
        kwargs=lambda w: {"pk": _noticed(w)[1].pk},
        own=200,
        extra={"member": 200},
        note="its audience (A's subtree) and whoever may withdraw it",
    ),
    Route(
        "decision-result",
        IN_A,
        kwargs=lambda w: {"pk": _noticed(w)[0].pk},
        role="decider",
        extra={"member": 200, "staff_p": 404},
        note="the subject and whoever decides it",
    ),
    Route("complaint-queue", SIGNED_IN),
    Route(
        "complaint-detail",
        IN_A,
        kwargs=lambda w: {"pk": _noticed(w)[2].pk},
        role="decider",
        extra={"member": 200, "staff_p": 404},
    ),
    Route(
        "complaint-file",
        IN_A,
        kwargs=lambda w: {"pk": _noticed(w)[2].pk, "file_pk": _noticed(w)[2].files.get().pk},
        role="decider",
        extra={"member": 200, "staff_p": 404},
    ),
    # remediation: Bình's remedy item, cell A1 on the consolidation list, the lists of A
    Route("remedy-items", IN_A, kwargs=_unit_a, own=200),
    Route("remedy-item-add", IN_A, kwargs=_unit_a, own=200, extra={"inspector": 404}),
    Route(
        "remedy-item-edit",
        IN_A,
        kwargs=_remedy,
        own=200,
        extra={"member": 200, "inspector": 404},
        note="Bình plans her own; the inspector reads, does not write",
    ),
    # insights: the signals of A's cycle (stored rows), the comparison of cell secretaries
    Route(
        "insights-signals",
        (LOGIN, 403, 404, 200),
        data=lambda w: {"cycle": w.cycle.pk},
        own=200,
        extra={"member": 403, "inspector": 200},
        note="a grant that reads a subtree; the cycle named must be visible",
    ),
    Route(
        "insights-signals-refresh",
        WRITE_IN_A,
        method="post",
        data=lambda w: {"cycle": w.cycle.pk},
        own=302,
        extra={"inspector": 404},
        note="queues a computation: the staff of the unit that opened the cycle",
    ),
    Route(
        "insights-comparison",
        (LOGIN, 403, 404, 200),
        data=lambda w: {"cycle": w.cycle.pk, "kind": "head.chi_bo_truc_thuoc"},
        own=200,
        extra={"member": 403, "inspector": 200},
    ),
    Route(
        "insights-comparison-export",
        (LOGIN, 403, 404, 200),
        data=lambda w: {"cycle": w.cycle.pk, "kind": "head.chi_bo_truc_thuoc"},
        own=200,
        extra={"member": 403, "inspector": 200},
    ),
    Route("tier-lists", IN_A, kwargs=_unit_a, own=200),
    Route("tier-lists-export", IN_A, kwargs=_unit_a, own=200),
    Route("consolidation-list", IN_A, kwargs=_unit_a, own=200),
    Route(
        "consolidation-build",
        WRITE_IN_A,
        kwargs=_unit_a,
        method="post",
        data=lambda w: {"cycle": w.cycle.pk},
        own=302,
        extra={"inspector": 404},
        note="the cycle is not decided yet: a message, nothing built",
    ),
    Route(
        "consolidation-action-add",
        IN_A,
        kwargs=lambda w: {"pk": _consolidation(w).pk},
        own=200,
        extra={"inspector": 404},
    ),
    Route(
        "consolidation-action-edit",
        IN_A,
        kwargs=lambda w: {"pk": _action(w).pk},
        own=200,
        extra={"inspector": 404},
    ),
    Route(
        "person-tiers",
        IN_A,
        kwargs=lambda w: {"pk": w.province.members["binh"].pk},
        own=200,
        extra={"member": 200},
    ),
    # opinions: Bình's subject (cell A1), the superior committee (commune A) asked about her
    Route(
        "subject-opinions",
        IN_A,
        kwargs=lambda w: {"pk": w.binh.pk},
        own=200,
        extra={"member": 200},
        note="whoever sees her review; Bình her own file",
    ),
    Route(
        "opinion-request-add",
        (LOGIN, 404, 404, 400),
        kwargs=lambda w: {"pk": w.binh.pk},
        method="post",
        data=lambda w: {"source": "superior_committee", "deadline": "10/12/2025"},
        own=400,
        extra={"member": 404},
        note="the 2025 deadline has passed: refused, nothing written",
    ),
    Route(
        "review-note-write",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": w.binh.pk, "kind": "cell_comment"},
        method="post",
        data=lambda w: {"revision": 0, "text": "Chi ủy nhận xét."},
        own=302,
        extra={"member": 404, "inspector": 404},
    ),
    Route(
        "opinion-cell-requests",
        IN_A,
        kwargs=lambda w: {"cycle_pk": w.cycle.pk, "unit_pk": w.province.cell_a1.pk},
        own=200,
        extra={"member": 404},
    ),
    Route("opinion-inbox", SIGNED_IN),
    Route(
        "opinion-answer",
        IN_A,
        kwargs=lambda w: {"pk": _opinion_request(w).pk},
        own=200,
        extra={"member": 200},
        note="those asked, and whoever sees her review (Bình too)",
    ),
    Route("peer-comments", SIGNED_IN),
    Route(
        "peer-comment",
        (LOGIN, 404, 404, 404),
        kwargs=lambda w: {"pk": w.binh.pk},
        extra={"secretary": 200, "member": 404},
        note="the other members of her cell only (An); never herself",
    ),
    # meetings: cell A1's meeting in session with a ballot open (An chairs; Bình votes)
    Route("meetings", IN_A, kwargs=_unit_a, own=200),
    Route(
        "meetings",
        (LOGIN, 404, 404, 200),
        kwargs=_unit_a,
        method="post",
        data=lambda w: {"cycle": w.cycle.pk, "place": ""},
        own=200,
        note="no place given: the form again with the message, nothing scheduled",
        extra={"inspector": 404},
    ),
    Route(
        "meeting", IN_A, kwargs=lambda w: {"pk": _meeting(w)[0].pk}, own=200, extra={"member": 200}
    ),
    Route(
        "meeting-open",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[0].pk},
        method="post",
        own=302,
        extra={"member": 404, "inspector": 404},
        note="already open: a message, nothing changed",
    ),
    Route(
        "meeting-close",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[0].pk},
        method="post",
        own=302,
        extra={"member": 404, "inspector": 404},
        note="a ballot is open: a message, nothing closed",
    ),
    Route(
        "meeting-roll",
        IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[0].pk},
        own=200,
        extra={"member": 404, "inspector": 404, "secretary": 200},
    ),
    Route(
        "meeting-code",
        IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[0].pk},
        own=200,
        extra={"member": 404, "inspector": 404, "secretary": 200},
    ),
    Route(
        "meeting-check-in",
        (LOGIN, 404, 404, 404),
        kwargs=lambda w: {"pk": _meeting(w)[0].pk},
        own=404,
        extra={"member": 200, "secretary": 200},
        note="only those on the roll check in",
    ),
    Route(
        "meeting-minutes",
        IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[0].pk},
        own=200,
        extra={"member": 200},
    ),
    Route(
        "meeting-count-minutes",
        IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[0].pk},
        own=200,
        extra={"member": 200},
    ),
    Route(
        "meeting-item",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[1].pk},
        method="post",
        data=lambda w: {"do": "notes", "notes": "Ý kiến"},
        own=302,
        extra={"member": 404, "inspector": 404},
    ),
    Route(
        "meeting-vote",
        (LOGIN, 404, 404, 404),
        kwargs=lambda w: {"pk": _meeting(w)[2].pk},
        own=404,
        extra={"member": 200, "secretary": 200},
        note="only those on the roll see the ballot",
    ),
    Route(
        "meeting-vote-tablet",
        IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[2].pk},
        own=200,
        extra={"member": 404, "inspector": 404},
    ),
    Route(
        "meeting-vote-close",
        WRITE_IN_A,
        kwargs=lambda w: {"pk": _meeting(w)[2].pk},
        method="post",
        own=302,
        extra={"member": 404, "inspector": 404, "secretary": 302},
        note="An chairs: he counts",
    ),
    # reports: commune A's results in A's cycle, submitted to the province
    Route(
        "report-index",
        (LOGIN, 200, 200, 302),
        note="the chooser; one level and a cycle to read: straight to its report",
    ),
    Route("report", IN_A, kwargs=_report_of("commune_a"), own=200, extra={"member": 404}),
    Route("report-export", IN_A, kwargs=_report_of("commune_a"), own=200),
    Route(
        "report-document",
        WRITE_IN_A,
        kwargs=_report_of("commune_a"),
        method="post",
        data=lambda w: {"format": "docx"},
        own=302,
        extra={"member": 404, "inspector": 302},
        note="the report with its charts as the reader's export job; then the job's page",
    ),
    Route(
        "report-submit",
        WRITE_IN_A,
        kwargs=_report_of("commune_a"),
        method="post",
        own=302,
        extra={"inspector": 404, "decider": 404},
        note="a grant to change the unit; readers only read",
    ),
    Route(
        "report-withdraw",
        WRITE_IN_A,
        kwargs=_submitted_report,
        method="post",
        data=lambda w: {"reason": "Sửa số liệu"},
        own=302,
        extra={"inspector": 404},
    ),
    # documents: the exporters a user may run; a run is a job of the requester
    Route("document-list", (LOGIN, 403, 200, 200), note="no grant: no exporter to offer"),
    Route(
        "document-run",
        (LOGIN, 404, 200, 200),
        kwargs=lambda w: {"identifier": "self_reviews"},
        note="the form; what it may reach is checked on sending",
    ),
    Route(
        "document-run",
        (LOGIN, 404, 400, 302),
        kwargs=lambda w: {"identifier": "self_reviews"},
        method="post",
        data=lambda w: {"cycle": w.cycle.pk, "unit": "A1", "format": "docx"},
        own=302,
        note="commune B's staff cannot see A's cycle or A1: the form says so, nothing queued",
    ),
    # a user's own notices and background jobs (staff_p's here)
    Route("notification-list", SIGNED_IN),
    Route(
        "notification-read",
        (LOGIN, 404, 404, 302),
        kwargs=lambda w: {"pk": w.notice.pk},
        method="post",
    ),
    Route("notification-read-all", (LOGIN, 302, 302, 302), method="post"),
    Route("job-list", SIGNED_IN),
    Route("job-detail", OWNED, kwargs=lambda w: {"pk": w.background.pk}),
    Route("job-result", OWNED, kwargs=lambda w: {"pk": w.background.pk}),
    Route(
        "job-retry",
        (LOGIN, 404, 404, 302),
        kwargs=lambda w: {"pk": w.background.pk},
        method="post",
        note="a finished job is not run again: a message, nothing queued",
    ),
]


def _cases():
    for route in ROUTES:
        sibling, ancestor = ROLES[route.role]
        users = dict(zip(WHO, (None, "nogrant", sibling, ancestor), strict=True))
        expected = dict(zip(WHO, route.expect, strict=True))
        if route.own is not None:
            users["own"], expected["own"] = "staff_a", route.own
        for name, status in route.extra.items():
            users[name], expected[name] = name, status
        for who in users:
            yield pytest.param(route, users[who], expected[who], id=f"{route.id}-{who}")


@pytest.mark.parametrize(("route", "user", "expected"), list(_cases()))
def test_route_permission_matrix(client, world, route, user, expected):
    if user is not None:
        client.force_login(world.province.users[user])
    url = reverse(route.name, kwargs=route.kwargs(world) if route.kwargs else None)
    data = route.data(world) if route.data else {}
    audit = LogEntry.objects.count()
    if route.method == "post":
        response = client.post(url, data)
    else:
        response = client.get(url + (f"?{urlencode(data)}" if data else ""))
    assert response.status_code == expected, (route.name, user, response.status_code)
    if expected in (403, 404) or user is None:
        assert LogEntry.objects.count() == audit  # refused: nothing written
    if user is None and expected == LOGIN and not route.public:
        assert response["Location"].startswith(reverse("login"))


def test_django_admin_is_for_its_staff_only(client, world):
    """/admin/ is Django's own door (``is_staff``); one entry stands for all its pages."""
    for user, expected in [(None, 302), ("nogrant", 302), ("staff_p", 302), ("admin", 302)]:
        client.logout()
        if user:
            client.force_login(world.province.users[user])
        assert client.get("/admin/accounts/grant/").status_code == expected
    root = accounts.user_create(
        username="root", password="pass12345!", is_superuser=True, actor=None
    )
    client.force_login(root)
    assert client.get("/admin/accounts/grant/").status_code == 200


# --- every route has its row ---------------------------------------------------------------


def _routes(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern.name, pattern


def _api_matrix_names() -> set[str]:
    """The routes the API matrices ask (their URLs resolved with made-up ids)."""
    from kiemdiem.api.tests import test_cycle_permissions, test_permissions, test_route_matrix

    ids = {key: 1 for key in ("B", "B1", "B2", "A1", "dung", "ha", "dung_cell", "C", "P", "planB")}
    ids.update(dung_person=1)
    urls = list(test_permissions.READS)
    urls += [w[1] for w in test_permissions.WRITES] + list(test_permissions.LISTS)
    urls += [r[0] for r in test_cycle_permissions.READS]
    urls += [w[1] for w in test_cycle_permissions.WRITES]
    names = {resolve(url.format(**ids)).url_name for url in urls}
    return names | {route.name for route in test_route_matrix.ROUTES}


def test_every_route_is_in_a_matrix():
    covered = {route.name for route in ROUTES} | {page[0] for page in PAGES}
    covered |= _api_matrix_names()
    missing = []
    for namespace, name, pattern in _routes(get_resolver().url_patterns):
        if namespace == "admin":
            continue  # test_django_admin_is_for_its_staff_only
        if name not in covered:
            missing.append(f"{name or '(unnamed)'}: {pattern.pattern}")
    assert missing == [], "routes with no row in a permission matrix:\n" + "\n".join(missing)
