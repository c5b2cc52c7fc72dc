"""Every registered action reads as text on the audit page: labels, names, dd/mm/yyyy dates;
every action the code base writes is registered, and only the audit app writes entries."""

import ast
import datetime
import re
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

import kiemdiem
from kiemdiem.accounts import services as accounts
from kiemdiem.accounts.models import Grant
from kiemdiem.audit.display import describe
from kiemdiem.audit.models import LogEntry
from kiemdiem.audit.registry import ACTIONS, undeclared
from kiemdiem.audit.selectors import log_list
from kiemdiem.common.dates import today
from kiemdiem.cycles import places, subjects
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles.models import LocalPack, Plan, Subject, SubjectKind
from kiemdiem.cycles.services import StageWindow
from kiemdiem.decisions import complaints, finalizing, notices, publications
from kiemdiem.decisions import services as decisions
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, run_import, xlsx_bytes
from kiemdiem.meetings import codes as meeting_codes
from kiemdiem.meetings import services as meetings
from kiemdiem.opinions import reminders as opinion_reminders
from kiemdiem.opinions import services as opinions
from kiemdiem.orgtree import services as tree
from kiemdiem.people import restructure
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation
from kiemdiem.people.restructure import SplitPart
from kiemdiem.register import services as register
from kiemdiem.remediation import services as remediation
from kiemdiem.reports import services as reports
from kiemdiem.reviews import notes, shortcomings
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, D, employ, hold_post, open_annual

pytestmark = pytest.mark.django_db

# Registered so that entries already logged read as text, no longer written by the code
# ("subject.rated": the tier is written by decisions since; "decision.decided" instead).
RETIRED = {"subject.rated"}


LOCAL_PACK = Path(kiemdiem.__file__).parent / "cycles" / "tests" / "packs" / "R2025-P.toml"


def _submitted(subject, tier="HTTNV"):
    review = reviews.review_start(subject=subject, actor=None)
    return reviews.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)


def _one_of_everything(province):
    """At least one entry of each registered action, written by the services themselves."""
    an, binh, cuong, dung = (province.members[k] for k in ("an", "binh", "cuong", "dung"))
    staff_a = province.users["staff_a"]
    # people
    people.person_update(person=an, phone="0912 345 678", birth_date=D(1980, 5, 2), actor=None)
    people.member_update(
        member=binh.membership,
        admitted_on=binh.membership.admitted_on,
        official_on=binh.membership.official_on,
        card_number="0042",
        occupation=binh.membership.occupation,  # another would change Bình's subject kind
        actor=None,
    )
    post = employ(dung, province.agency, title="Văn thư")
    people.affiliation_update(affiliation=post, valid_from=D(2022, 2, 1), actor=None)
    people.affiliation_end(affiliation=post, valid_to=D(2024, 6, 30), actor=None)
    people.authority_assign(
        person=an, authority=province.standing, valid_from=D(2024, 1, 1), actor=None
    )
    # accounts
    member = province.users["member"]
    accounts.user_set_language(user=member, language="en", actor=None)
    accounts.password_changed(user=member, actor=member)
    grant = accounts.grant_add(user=staff_a, role="inspector", unit=province.cell_a1, actor=None)
    accounts.grant_revoke(grant=Grant.objects.get(pk=grant.pk), actor=None)
    token, _secret = accounts.token_create(user=member, actor=member)
    accounts.token_revoke(token=token, actor=member)
    accounts.token_create(user=member, actor=member)
    accounts.sign_out_everywhere(user=member, actor=member)
    # a cycle: plans, subjects, reviews, ratings
    hold_post(dung, province.standing, title="Ủy viên Ban Thường vụ")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    # a province's own rule set, loaded and pinned before anything is rated
    call_command("load_rule_pack", str(LOCAL_PACK), stdout=StringIO())
    cycles.cycle_pin_local_pack(cycle=cycle, local_pack=LocalPack.objects.get(), actor=None)
    window = [StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 1))]
    plan = cycles.plan_issue(cycle=cycle, unit=province.commune_a, stages=window, actor=None)
    cycles.plan_return(plan=plan, comment="Bổ sung lịch họp", actor=None)
    later = [StageWindow("self_review", D(2025, 11, 17), D(2025, 12, 2))]
    cycles.plan_revise(plan=Plan.objects.get(pk=plan.pk), stages=later, guidance="", actor=None)
    of = lambda person, **kw: Subject.objects.get(cycle=cycle, person=person, **kw)  # noqa: E731
    subjects.subject_exclude(
        subject=of(cuong, kind=SubjectKind.PARTY_MEMBER), reason="Đi học dài hạn", actor=None
    )
    subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.MEMBER_OUTSIDE,
        unit=province.cell_b1,
        person=dung,
        reason="Bổ sung",
        actor=None,
    )
    review = _submitted(of(binh, kind=SubjectKind.PARTY_MEMBER), "HTXSNV")
    reviews.review_return(review=review, comment="Nêu rõ sản phẩm", actor=staff_a)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    reviews.review_amend(review=review, reason="Bổ sung sản phẩm", actor=None)
    reviews.suggestion_add(
        subject=of(binh, kind=SubjectKind.PARTY_MEMBER), text="Làm rõ đảng phí", actor=staff_a
    )
    collective = Subject.objects.get(
        cycle=cycle, unit=province.standing, kind=SubjectKind.COLLECTIVE
    )
    report = _submitted(collective)
    seat = reviews.review_submit(
        review=reviews.review_start(subject=of(dung, unit=province.standing), actor=None),
        content={**WRITTEN, "han_che": "Ít phát biểu trong sinh hoạt"},
        proposed_tier="HTTNV",
        actor=None,
    )
    reviews.review_link(review=report, members=[seat], actor=None)
    shortcomings.shortcoming_plan(
        shortcoming=shortcomings.found(seat)[0],
        actor=None,
        remedy_plan="Phát biểu ở mỗi kỳ sinh hoạt",
        owner=dung,
        due_date=D(2026, 3, 31),
    )
    # a leader rated differently in two places: the competent level chooses
    an = province.members["an"]
    other = subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.LEADER,
        unit=province.commune_b,
        person=an,
        reason="Phó Bí thư Đảng ủy phường (kiêm nhiệm)",
        actor=None,
    )
    Subject.objects.filter(pk=other.pk).update(status="rated", tier="HTTNV")
    Subject.objects.filter(cycle=cycle, person=an, kind=SubjectKind.HEAD).update(
        status="rated", tier="HTNV"
    )
    (conflict,) = places.conflicts(cycle, person_id=an.pk)
    cycles.place_choose(
        cycle=cycle,
        person=an,
        track="party",
        tier="HTNV",
        reason="Theo kết luận",
        shown_decision=conflict.decision_token,
        shown_ratings=conflict.fingerprint,
        actor=None,
    )
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    _submitted(cell)
    # The cell's tier reads its members': Bình's amended review is submitted and rated first.
    reviews.review_submit(review=review, actor=None)
    # a proposal, a decision, a re-opening and a decision again
    binh_subject = of(binh, kind=SubjectKind.PARTY_MEMBER)
    decisions.propose(subject=binh_subject, tier="HTXSNV", reason="Nổi bật", actor=staff_a)
    decisions.decide(subject=binh_subject, tier="HTTNV", actor=province.users["decider"])
    decisions.reopen(subject=binh_subject, reason="Quyết định kỷ luật", actor=None)
    decisions.decide(subject=binh_subject, tier="HTTNV", reason="Giữ nguyên", actor=None)
    decisions.decide(subject=cell, tier="HTTNV", reason="Đạt", actor=province.users["decider"])
    cycles.subject_carry_over(subject=collective, reason="Chờ kết luận kiểm tra", actor=None)
    # commune A HTXSNV with no HTTNV beside it among the organizations decided at P (no
    # place): decided over the quota with a reason (decision.overridden), the units below first
    for code in ("A2", "UBA"):
        below = Subject.objects.get(cycle=cycle, unit__code=code, person__isnull=True)
        if code == "A2":  # the agency has no form under this cycle's packs
            _submitted(below)
        decisions.decide(subject=below, tier="HTTNV", actor=None)
    commune = Subject.objects.get(cycle=cycle, unit=province.commune_a, person__isnull=True)
    _submitted(commune)
    finalizing.finalize(
        cycle=cycle, rows={commune.pk: "HTXSNV"}, override_reason="Khen đột xuất", actor=None
    )
    # notified, published and withdrawn, complained about and upheld
    notices.notify_scope(cycle=cycle, unit=province.cell_a1, actor=None)
    shown = publications.publish(
        cycle=cycle,
        unit=province.cell_a1,
        audience="members",
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=7),
        actor=staff_a,
    )
    publications.withdraw(publication=shown, reason="Thiếu tên", actor=staff_a)
    complaint = complaints.file_complaint(
        decision=binh_subject.decision, text="Xin xem lại", actor=province.users["member"]
    )
    complaints.handle_complaint(
        complaint=complaint,
        outcome="upheld",
        reason="Đúng quy định",
        actor=province.users["decider"],
    )
    # a register entry with its scan, edited, a file added, then annulled
    entry = register.entry_record(
        actor=staff_a,
        person=binh,
        kind="discipline",
        track="party",
        discipline_form="KHIEN_TRACH",
        decided_on=D(2025, 9, 1),
        issuing_body="Chi bộ thôn Đông",
        document_number="05-QĐ/CB",
        year=2025,
        summary="Chậm đóng đảng phí",
        files=[SimpleUploadedFile("qd.pdf", b"%PDF-1.4\n")],
    )
    register.entry_update(entry=entry, counted_in_year=2024, duty_related=True, actor=staff_a)
    register.file_attach(
        entry=entry, files=[SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4\n")], actor=staff_a
    )
    register.entry_annul(entry=entry, reason="Quyết định bị hủy", actor=staff_a)
    # remediation: a shortcoming a decision named, its status; the consolidation list
    named = remediation.remedy_item_add(
        subject=binh_subject,
        actor=None,
        source="decision",
        source_ref="decision:1",
        text="Chưa gương mẫu",
    )
    remediation.remedy_item_update(
        shortcoming=named, actor=None, remedy_plan="Sửa ngay", status="in_progress"
    )
    Subject.objects.filter(cycle=cycle, unit=province.cell_a2).update(tier="KHTNV", status="rated")
    (listed,) = remediation.consolidation_build(cycle=cycle, unit=province.cell_a2, actor=None)
    step = remediation.consolidation_action_add(
        consolidation=listed, actor=None, text="Kiện toàn chi ủy"
    )
    remediation.consolidation_action_update(
        action=step, actor=None, text="Kiện toàn chi ủy", status="done"
    )
    # opinions, peer comments and the notes on a form: a 2027 cycle, on a day of its stages
    with mock.patch("django.utils.timezone.localdate", return_value=D(2027, 12, 3)):
        later_cycle = open_annual(province, 2027)
        subjects.subjects_generate(cycle=later_cycle, actor=None)
        binh27 = Subject.objects.get(cycle=later_cycle, person=binh, kind="party_member")
        asked, _new = opinions.request_create(
            subject=binh27, source="superior_committee", deadline=D(2027, 12, 10), actor=None
        )
        opinions.answer(request=asked, actor=None, text="Hoàn thành tốt nhiệm vụ")
        opinions.request_for_cell(
            cycle=later_cycle,
            unit=province.cell_a1,
            source="residence_cell",
            deadline=D(2027, 12, 10),
            actor=None,
        )
        opinions.request_create(
            subject=binh27, source="inspection_commission", deadline=D(2027, 12, 5), actor=None
        )
        opinion_reminders.send()
        opinions.peer_comment_write(
            subject=binh27, actor=province.users["secretary"], text="Nhiệt tình"
        )
        notes.note_write(subject=binh27, kind="cell_comment", text="Chi ủy nhận xét", actor=None)
    # meetings: cell A1's review meeting, a show of hands and a secret ballot
    meeting = meetings.meeting_schedule(
        cycle=cycle,
        unit=province.cell_a1,
        starts_at=timezone.now(),
        place="Hội trường",
        chair=an,
        actor=None,
    )
    meeting = meetings.meeting_open(meeting=meeting, actor=None)
    meetings.check_in(
        meeting=meeting, actor=province.users["member"], code=meeting_codes.room_code(meeting)
    )
    for row in meeting.roll.exclude(person=binh):
        meetings.attendance_record(attendance=row, presence="present", actor=None)
    first, last = meeting.agenda.order_by("position")[0], meeting.agenda.order_by("-position")[0]
    meetings.notes_record(item=first, notes="Ý kiến", actor=None)
    meetings.hands_record(item=first, counts={"HTTNV": 1}, actor=None)
    ballot = meetings.ballot_open(item=last, actor=None)
    meetings.ballot_cast(question=ballot, option="HTNV", actor=province.users["secretary"])
    meetings.ballot_close(question=ballot, actor=None)
    meetings.meeting_close(meeting=meeting, actor=None)
    # reports: commune A's summary report submitted, then withdrawn to correct it
    submitted = reports.report_submit(cycle=cycle, unit=province.commune_a, actor=None)
    reports.report_withdraw(submission=submitted, reason="Sửa số liệu", actor=None)
    # documents: a decision list of commune A started and written (the worker's side run here)
    import tempfile

    from django.test import override_settings

    from kiemdiem.documents import registry as document_registry
    from kiemdiem.documents import services as documents
    from kiemdiem.jobs import services as jobs

    with override_settings(VAR_DIR=tempfile.mkdtemp()):
        job = documents.export_start(
            actor=staff_a,
            exporter=document_registry.get("decision_list"),
            fmt="xlsx",
            data={"cycle": cycle.pk, "unit": "A", "which": "decided"},
        )
        jobs.job_run(job.pk)
    from kiemdiem.insights import services as insights

    insights.signals_refresh(cycle=cycle, actor=None)
    quarter = cycles.cycle_open(
        code="Q2",
        name="Quý II/2026",
        kind="quarterly",
        year=2026,
        quarter=2,
        period_start=D(2026, 4, 1),
        period_end=D(2026, 6, 30),
        root=province.province,
        stages=[],
        actor=None,
    )
    cycles.cycle_close(cycle=quarter, actor=None)
    # an import
    data = xlsx_bytes(PEOPLE_HEADERS, [person_row(cell="B1")])
    job = run_import(province.users["staff_p"], province.province, "people", data)
    assert job.status == "done", job.problems
    # the tree
    tree.unit_update(
        unit=province.cell_b1,
        name="Chi bộ khu phố Một",
        kind=province.cell_b1.kind,
        managed_by=None,
        actor=None,
    )
    tree.unit_move(
        unit=province.cell_a2, new_parent=province.commune_b, effective=D(2025, 7, 1), actor=None
    )
    people.member_transfer(
        person=cuong, to_cell=province.cell_b1, effective=D(2025, 7, 2), actor=None
    )
    restructure.units_merge(
        sources=[province.cell_a2], target=province.cell_b1, effective=D(2025, 7, 3), actor=None
    )
    members = Affiliation.objects.current().filter(unit=province.cell_a1, kind="cell")
    ids = sorted(members.values_list("person_id", flat=True))
    restructure.unit_split(
        source=province.cell_a1,
        parts=[
            SplitPart("A1N", "Chi bộ thôn Đông Bắc", "chi_bo_truc_thuoc", people_ids=ids[:1]),
            SplitPart("A1S", "Chi bộ thôn Đông Nam", "chi_bo_truc_thuoc", people_ids=ids[1:]),
        ],
        effective=D(2025, 7, 4),
        actor=None,
    )
    people.member_status_change(
        member=dung.membership,
        status="exempt",
        effective=D(2025, 8, 1),
        reason="Tuổi cao",
        actor=None,
    )


# Raw values that must never reach a reader: dicts, lists, ISO dates ("2025-07-04"; a rule
# set's name such as "R2025-P" is not one), Python's None/True.
RAW = re.compile(r"tier:|proposed_tier|[{}\[\]]|\b\d{4}-\d{2}-\d{2}\b|None|True")


def test_every_action_reads_as_text_in_vietnamese(client, province):
    _one_of_everything(province)
    logged = set(LogEntry.objects.values_list("action", flat=True))
    assert set(ACTIONS) - RETIRED <= logged, sorted(set(ACTIONS) - RETIRED - logged)
    for entry in LogEntry.objects.all():  # every key written has its label
        assert not undeclared(ACTIONS[entry.action], entry.data), (entry.action, entry.data)
    admin = province.users["admin"]
    client.force_login(admin)
    details = []
    page = 1
    while True:
        html = client.get(reverse("audit-log"), {"page": page}).content.decode()
        details += re.findall(r'<ul class="changes">(.*?)</ul>', html, re.S)
        if f"page={page + 1}" not in html:
            break
        page += 1
    assert len(details) == log_list(admin).count()
    text = "\n".join(details)
    assert not RAW.search(text), [d for d in details if RAW.search(d)][:3]
    assert "_" not in text, [d for d in details if "_" in d][:3]
    assert "Mức tự xếp loại:</span> Hoàn thành xuất sắc nhiệm vụ (HTXSNV)" in text
    assert "Mức xếp loại:</span> — → Hoàn thành tốt nhiệm vụ (HTTNV)" in text
    assert "Các bước:</span> Tự kiểm điểm: 16/11/2025 – 01/12/2025" in text
    assert "Các đơn vị được sáp nhập:</span> Chi bộ thôn Tây" in text
    # Entries filed under no unit (accounts) are not on the page a unit's staff reads; their
    # details read the same way.
    with translation.override("vi"):
        lines = [(str(k), v) for e in describe(LogEntry.objects.all()) for k, v in e.details]
    assert not [line for line in lines if RAW.search(line[0] + line[1])]
    assert not [label for label, _text in lines if "_" in label]  # no field name shown raw
    assert ("Ngôn ngữ", "Tiếng Việt → Tiếng Anh") in lines
    with translation.override("en"):
        lines = [(str(k), v) for e in describe(LogEntry.objects.all()) for k, v in e.details]
    assert not [line for line in lines if RAW.search(line[0] + line[1])]
    assert ("Self-proposed tier", "Completed tasks excellently (HTXSNV)") in lines
    assert ("Language", "Vietnamese → English") in lines


# --- the code base --------------------------------------------------------------------------

# The calls that name an action: the first argument (or ``action=``) is its code.
WRITERS = {"log_action", "log_row", "LogRow"}


def _sources():
    root = Path(kiemdiem.__file__).parent
    for path in sorted(root.rglob("*.py")):
        if "tests" not in path.relative_to(root).parts:
            yield path.relative_to(root.parent), ast.parse(path.read_text(encoding="utf-8"))


def _name(node) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def test_every_action_the_code_writes_is_registered_and_named_by_a_literal():
    used, unnamed = {}, []
    for path, module in _sources():
        for node in ast.walk(module):
            if not isinstance(node, ast.Call) or _name(node.func) not in WRITERS:
                continue
            code = node.args[0] if node.args else None
            code = next((k.value for k in node.keywords if k.arg == "action"), code)
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                used.setdefault(code.value, f"{path}:{node.lineno}")
            elif path.parts[1] != "audit":  # the writers themselves pass a variable on
                unnamed.append(f"{path}:{node.lineno}")
    assert not unnamed, f"name the action by a literal code: {unnamed}"
    unregistered = {code: where for code, where in used.items() if code not in ACTIONS}
    assert not unregistered, unregistered
    unwritten = set(ACTIONS) - RETIRED - set(used)
    assert not unwritten, sorted(unwritten)  # none left unwritten
    assert not RETIRED & set(used), sorted(RETIRED & set(used))  # retired: written no more


def test_only_the_audit_app_writes_entries():
    """Entries go through ``log_action`` / ``log_actions_bulk``, which check the registry and
    mask: nothing else builds a ``LogEntry``, creates one or hands the model to a writer."""

    def names_log_entry(node) -> bool:
        return any(isinstance(n, ast.Name) and n.id == "LogEntry" for n in ast.walk(node))

    writes = {"create", "bulk_create", "get_or_create", "update_or_create", "update"}
    found = []
    for path, module in _sources():
        if path.parts[1] == "audit":
            continue
        for node in ast.walk(module):
            if not isinstance(node, ast.Call):
                continue
            built = isinstance(node.func, ast.Name) and node.func.id == "LogEntry"
            created = _name(node.func) in writes and names_log_entry(node.func)
            handed = any(isinstance(a, ast.Name) and a.id == "LogEntry" for a in node.args)
            if built or created or handed:
                found.append(f"{path}:{node.lineno}")
    assert not found, found
