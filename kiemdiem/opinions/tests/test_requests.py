"""Requests and answers: where a request goes, what is refused, versions, who sees answers,
and the reminders the worker sends."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from kiemdiem.audit.models import LogEntry
from kiemdiem.notifications.models import Notification
from kiemdiem.opinions import reminders, selectors, services
from kiemdiem.opinions.models import OpinionAnswer, OpinionRequest
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation
from kiemdiem.testing import employ

D = datetime.date
DUTIES = {
    "exemplary_conduct": "good",
    "civic_duties": "good",
    "attends_meetings": "fulfilled",
    "keeps_contact": "not_fulfilled",
}


BY = D(2026, 12, 10)


def ask(scene, name, source, *, actor="staff_b", deadline=BY, **kw):
    return services.request_create(
        subject=scene.subjects[name],
        source=source,
        deadline=deadline,
        actor=scene.users[actor],
        **kw,
    )


def test_the_residence_cell_is_asked_and_its_secretary_answers_the_qd213_duties(scene, province):
    request, created = ask(scene, "dung", "residence_cell")
    assert created and request.asked_unit == province.cell_a1  # Dung lives in A1's area
    made = services.answer(
        request=request, actor=scene.users["secretary"], duties=DUTIES, text="Gương mẫu."
    )
    assert made.version == 1 and made.duties == DUTIES
    rows = selectors.subject_file(scene.users["staff_b"], scene.subjects["dung"])
    assert [(r.request.pk, r.answer.text) for r in rows] == [(request.pk, "Gương mẫu.")]
    assert len(rows[0].duty_rows) == 4
    entry = LogEntry.objects.filter(action="opinion.answered").get()
    assert entry.data["duties"] == DUTIES


def test_asking_twice_makes_one_request_for_one_subject_and_for_the_whole_cell(scene, province):
    first, _ = ask(scene, "dung", "residence_cell")
    again, created = ask(scene, "dung", "residence_cell")
    assert again.pk == first.pk and not created
    whole = services.request_for_cell(
        cycle=scene.cycle,
        unit=province.cell_a1,
        source="superior_committee",
        deadline=D(2026, 12, 10),
        actor=scene.users["staff_a"],
    )
    twice = services.request_for_cell(
        cycle=scene.cycle,
        unit=province.cell_a1,
        source="superior_committee",
        deadline=D(2026, 12, 10),
        actor=scene.users["staff_a"],
    )
    assert len(whole.created) == 5 and not twice.created and len(twice.existing) == 5
    assert {r.asked_unit for r in whole.created} == {province.commune_a}
    assert OpinionRequest.objects.filter(subject__unit=province.cell_a1).count() == 5


def test_an_exempt_member_is_skipped_with_the_reason_per_person(scene, province, door):
    people.affiliation_start(
        person=province.members["binh"],
        unit=province.cell_a2,
        kind="residence",
        residence_exemption="barracks",
        valid_from=D(2021, 1, 1),
        actor=None,
    )
    with pytest.raises(ValidationError, match="HD 33"):
        ask(scene, "binh", "residence_cell", actor="staff_a")
    result = services.request_for_cell(
        cycle=scene.cycle,
        unit=province.cell_a1,
        source="residence_cell",
        deadline=D(2026, 12, 10),
        actor=scene.users["staff_a"],
    )
    skipped = {s.person.given_name: reason for s, reason in result.skipped}
    assert "HD 33" in skipped["Bình"] and "doanh trại" in skipped["Bình"].lower()
    # the others have no residence cell registered: said so, each
    assert "nơi cư trú" in skipped["Giang"]
    assert not result.created
    assert not OpinionRequest.objects.exists()


def test_bad_requests_are_refused_and_change_nothing(scene, province):
    with pytest.raises(ValidationError, match="đã qua"):
        ask(scene, "dung", "residence_cell", deadline=D(2026, 12, 2))
    with pytest.raises(ValidationError, match="15/12/2026"):  # after the opinions stage
        ask(scene, "dung", "residence_cell", deadline=D(2026, 12, 20))
    with pytest.raises(ValidationError, match="chi bộ khác"):  # never transferred
        ask(scene, "dung", "previous_cell")
    with pytest.raises(ValidationError, match="công tác"):  # no state employment
        ask(scene, "dung", "employing_agency")
    with pytest.raises(PermissionDenied):  # staff of another commune
        ask(scene, "dung", "residence_cell", actor="staff_a")
    with pytest.raises(PermissionDenied):  # a plain member
        ask(scene, "binh", "superior_committee", actor="member")
    with pytest.raises(PermissionDenied):  # the secretary about himself
        ask(scene, "an", "superior_committee", actor="secretary")
    with pytest.raises(ValidationError):
        ask(scene, "dung", "individual", asked_person=province.members["dung"])
    assert not OpinionRequest.objects.exists()


def test_the_previous_cell_of_a_member_who_moved_this_year(scene, province, day):
    cuong = province.members["cuong"]
    people.member_transfer(
        person=cuong, to_cell=province.cell_a1, effective=D(2026, 6, 1), actor=None
    )
    subject = scene.cycle.subjects.create(
        person=cuong, unit=province.cell_a1, track="party", kind="party_member"
    )
    request, _ = services.request_create(
        subject=subject,
        source="previous_cell",
        deadline=D(2026, 12, 10),
        actor=scene.users["staff_a"],
    )
    assert request.asked_unit == province.cell_a2


def test_the_agency_gives_the_state_tier_which_reaches_the_proposal_row(scene, province, client):
    from django.urls import reverse

    from kiemdiem.decisions.selectors import proposal_rows
    from kiemdiem.reviews import services as reviews

    employ(province.members["binh"], province.agency, title="Chuyên viên")
    request, _ = ask(scene, "binh", "employing_agency", actor="staff_a")
    assert request.asked_unit == province.agency
    with pytest.raises(ValidationError, match="state_tier|xếp loại"):
        services.answer(request=request, actor=scene.users["staff_a"], text="Tốt")
    services.answer(request=request, actor=scene.users["staff_a"], state_tier="HTTNV")
    rows = proposal_rows(scene.users["staff_a"], scene.cycle, province.cell_a1)
    row = next(r for r in rows if r.subject == scene.subjects["binh"])
    assert row.opinions_state_tier == "HTTNV"
    assert [v.request.pk for v in row.opinions] == [request.pk]
    # and the member's own self-review page shows it beside her proposed tier
    reviews.review_start(subject=scene.subjects["binh"], actor=None)
    client.force_login(scene.users["member"])
    page = client.get(reverse("review-edit", args=[scene.subjects["binh"].pk])).content.decode()
    assert "Mức xếp loại chính quyền do cơ quan nơi công tác cho: <strong>HTTNV</strong>" in page


def test_answer_once_then_correct_as_a_new_version_and_a_stale_page_is_refused(scene):
    request, _ = ask(scene, "dung", "residence_cell")
    secretary = scene.users["secretary"]
    services.answer(request=request, actor=secretary, duties=DUTIES, text="Lần đầu")
    with pytest.raises(ValidationError, match="đã được trả lời"):  # a second answer
        services.answer(request=request, actor=secretary, duties=DUTIES, text="Lần hai")
    services.answer(request=request, actor=secretary, duties=DUTIES, text="Sửa", revision=1)
    with pytest.raises(ValidationError, match="đọc lại"):  # a page that read version 1
        services.answer(request=request, actor=secretary, duties=DUTIES, text="Cũ", revision=1)
    view = selectors.request_view(request)
    assert view.answer.text == "Sửa" and [a.text for a in view.history] == ["Lần đầu"]
    assert OpinionAnswer.objects.count() == 2


def test_only_those_asked_answer_and_a_residence_answer_rates_every_duty(scene, province):
    request, _ = ask(scene, "dung", "residence_cell")
    for name in ("member", "staff_b", "cuong", "nogrant"):
        with pytest.raises(PermissionDenied):
            services.answer(request=request, actor=scene.users[name], duties=DUTIES)
    with pytest.raises(ValidationError, match="chưa đánh giá|Chưa"):
        services.answer(
            request=request, actor=scene.users["secretary"], duties={"civic_duties": "good"}
        )
    with pytest.raises(ValidationError):
        services.answer(
            request=request, actor=scene.users["secretary"], duties=DUTIES | {"x": "good"}
        )
    assert not OpinionAnswer.objects.exists()


def test_a_named_person_answers_with_a_suggested_tier(scene, province):
    request, _ = ask(
        scene, "binh", "individual", actor="staff_a", asked_person=province.members["giang"]
    )
    with pytest.raises(PermissionDenied):
        services.answer(request=request, actor=scene.users["hoa"], text="Tốt")
    services.answer(
        request=request, actor=scene.users["giang"], text="Nhiệt tình", suggested_tier="HTTNV"
    )
    assert [r.request.pk for r in selectors.inbox(scene.users["giang"])] == [request.pk]


def test_who_sees_the_answers(scene, province):
    request, _ = ask(scene, "dung", "residence_cell")
    services.answer(request=request, actor=scene.users["secretary"], duties=DUTIES, text="Tốt")
    subject = scene.subjects["dung"]
    assert selectors.subject_file(scene.users["staff_b"], subject)  # staff over her cell
    assert selectors.subject_file(scene.users["decider"], subject)
    assert selectors.subject_file(scene.users["secretary"], subject)  # who answered: that one
    # a member of the residence cell with no right on it sees nothing of her file
    assert selectors.subject_file(scene.users["member"], subject) == []
    assert selectors.subject_file(scene.users["giang"], subject) == []
    assert selectors.request_get(scene.users["member"], request.pk) is None


def test_overdue_and_the_reminders_the_worker_sends(
    scene, province, day, django_capture_on_commit_callbacks
):
    request, _ = ask(scene, "dung", "residence_cell", deadline=D(2026, 12, 5))
    assert not selectors.request_view(request).overdue
    day.set(D(2026, 12, 6))
    assert selectors.request_view(request).overdue
    with django_capture_on_commit_callbacks(execute=True):
        job = reminders.queue()
    job.refresh_from_db()
    assert job.status == "done", job.error
    notice = Notification.objects.get(user=scene.users["secretary"])
    assert "06/12" not in notice.text and "05/12/2026" in notice.text
    assert notice.emailed and mail.outbox[0].to == ["bithu@example.vn"]
    # again the same day: nothing new
    with django_capture_on_commit_callbacks(execute=True):
        reminders.queue()
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1
    # answered: no more reminders
    services.answer(request=request, actor=scene.users["secretary"], duties=DUTIES)
    day.set(D(2026, 12, 7))
    assert reminders.send()["notices"] == 0
    assert Affiliation.objects.exists()
