"""Remedy items: shortcomings a meeting or a decision names become rows carried into the next
cycle's self-review and the collective's report like the review's own; R2025's HTXSNV reads
them; plans and statuses are set by those entitled; a unit's page lists them with filters."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.remediation import selectors, services
from kiemdiem.reviews import catalogue, shortcomings
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.models import Shortcoming
from kiemdiem.testing import FULL_2025, WRITTEN, open_annual

D = datetime.date


def member_subject(cycle, person):
    return Subject.objects.get(cycle=cycle, person=person, kind=SubjectKind.PARTY_MEMBER)


@pytest.fixture
def last_cycle(province):
    cycle = open_annual(province, 2024)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


@pytest.fixture
def next_cycle(province, last_cycle):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def named(subject, text="Chưa gương mẫu trong sinh hoạt", actor=None, **kw):
    return services.remedy_item_add(
        subject=subject,
        actor=actor,
        source=kw.pop("source", "decision"),
        source_ref=kw.pop("source_ref", "decision:7"),
        text=text,
        **kw,
    )


def test_a_decisions_shortcoming_is_carried_into_next_years_review(province, last_cycle):
    binh = province.members["binh"]
    old = member_subject(last_cycle, binh)
    review = reviews.review_start(subject=old, actor=None)
    reviews.review_submit(
        review=review,
        content={**WRITTEN, "han_che": "Ít phát biểu"},
        proposed_tier="HTNV",
        actor=None,
    )
    row = named(old, actor=province.users["staff_a"], due_date=D(2025, 6, 30))
    assert (row.source, row.source_ref, row.source_subject, row.owner) == (
        "decision",
        "decision:7",
        old,
        binh,
    )
    assert LogEntry.objects.filter(action="review.shortcoming_named").count() == 1
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    draft = reviews.review_start(subject=member_subject(cycle, binh), actor=None)
    section = draft.content["khac_phuc"]
    # the review's own first, then what the decision named; both pre-filled, not rewritable
    assert [r["shortcoming"] for r in section] == ["Ít phát biểu", "Chưa gương mẫu trong sinh hoạt"]
    assert all(r["carried"] for r in section)
    assert shortcomings.carried_texts(draft) == ["Ít phát biểu", "Chưa gương mẫu trong sinh hoạt"]
    copy = shortcomings.reported(draft)[1]
    assert (copy.carried_from_id, copy.source, copy.source_ref) == (
        row.pk,
        "decision",
        "decision:7",
    )
    # the bulk path (the demo's writer) carries the same rows
    bulk = shortcomings.carried_bulk([member_subject(cycle, binh)])
    assert [r.pk for r in bulk[member_subject(cycle, binh).pk]] == [
        r.pk for r in shortcomings.carried(member_subject(cycle, binh))
    ]


def test_a_meetings_shortcoming_of_a_collective_reaches_its_next_report(province, last_cycle):
    cell = Subject.objects.get(cycle=last_cycle, unit=province.cell_a1, person__isnull=True)
    named(cell, "Sinh hoạt chưa đều", source="meeting", source_ref="meeting:3")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    report = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    assert [r.text for r in shortcomings.carried(report)] == ["Sinh hoạt chưa đều"]
    assert [r.text for r in shortcomings.carried_bulk([report])[report.pk]] == [
        "Sinh hoạt chưa đều"
    ]
    draft = reviews.review_start(subject=report, actor=None)  # the cell's report, pre-filled
    section = draft.content[shortcomings.report_key(catalogue.forms()[draft.form_key])]
    assert [(r["shortcoming"], r["carried"]) for r in section] == [("Sinh hoạt chưa đều", True)]


def test_a_shortcoming_named_after_the_last_review_is_carried_from_its_own_cycle(province):
    """No review submitted in 2024, a decision named one then: 2025 carries it, not the
    2023 review's."""
    binh = province.members["binh"]
    first = open_annual(province, 2023)
    subjects.subjects_generate(cycle=first, actor=None)
    review = reviews.review_start(subject=member_subject(first, binh), actor=None)
    reviews.review_submit(
        review=review, content={**WRITTEN, "han_che": "Cũ"}, proposed_tier="HTNV", actor=None
    )
    second = open_annual(province, 2024)
    subjects.subjects_generate(cycle=second, actor=None)
    named(member_subject(second, binh), "Mới")
    third = open_annual(province, 2025)
    subjects.subjects_generate(cycle=third, actor=None)
    now = member_subject(third, binh)
    assert [r.text for r in shortcomings.carried(now)] == ["Mới"]
    assert [r.text for r in shortcomings.carried_bulk([now])[now.pk]] == ["Mới"]


def test_htxsnv_needs_the_decisions_shortcomings_remedied_too(province, last_cycle, next_cycle):
    binh = province.members["binh"]
    named(member_subject(last_cycle, binh))
    user = province.users["member"]
    draft = reviews.review_start(subject=member_subject(next_cycle, binh), actor=user)
    rows = [{"shortcoming": "x", "remedy": "Đang sửa", "done": False}]
    content = {"khac_phuc": rows, "xep_loai": FULL_2025}
    review = reviews.review_save(review=draft, content=content, proposed_tier="HTXSNV", actor=user)
    assert shortcomings.remedied_pct(review.subject) == "0"
    assert review.engine_result["tier"] == "HTTNV"  # R2025: HTXSNV needs all remedied
    rows[0]["done"] = True
    review = reviews.review_save(review=review, content=content, proposed_tier="HTXSNV", actor=user)
    assert review.engine_result["tier"] == "HTXSNV"
    origin = Shortcoming.objects.get(source="decision", carried_from__isnull=True)
    assert origin.status == "remedied"  # the row found follows its report


def test_only_staff_name_a_shortcoming_and_never_their_own(province, last_cycle):
    an = province.members["an"]
    subject = Subject.objects.filter(cycle=last_cycle, person=an).first()
    with pytest.raises(PermissionDenied):
        named(subject, actor=province.users["secretary"])  # An's own login
    with pytest.raises(PermissionDenied):
        named(member_subject(last_cycle, province.members["binh"]), actor=province.users["member"])
    with pytest.raises(ValidationError) as e:
        named(member_subject(last_cycle, province.members["binh"]), source_ref="")
    assert "source_ref" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        named(member_subject(last_cycle, province.members["binh"]), source="self_review")
    assert "source" in e.value.message_dict
    assert not Shortcoming.objects.exists()


def test_plan_owner_due_and_status_by_those_entitled(province, last_cycle):
    binh = province.members["binh"]
    row = named(member_subject(last_cycle, binh))
    staff = province.users["staff_a"]
    row = services.remedy_item_update(
        shortcoming=row,
        actor=staff,
        remedy_plan="Phát biểu mỗi kỳ sinh hoạt",
        owner=binh,
        due_date=D(2025, 3, 31),
        status="in_progress",
        note="Đã phát biểu tháng 1",
    )
    row.refresh_from_db()
    assert (row.remedy_plan, row.status, row.remedy_report) == (
        "Phát biểu mỗi kỳ sinh hoạt",
        "in_progress",
        "Đã phát biểu tháng 1",
    )
    assert LogEntry.objects.filter(action="review.shortcoming_status").count() == 1
    with pytest.raises(PermissionDenied):  # another cell's member
        services.remedy_item_update(
            shortcoming=row, actor=province.users["nogrant"], remedy_plan="x", status="remedied"
        )
    with pytest.raises(ValidationError) as e:
        services.remedy_item_update(
            shortcoming=row, actor=staff, remedy_plan="x", due_date=D(2024, 1, 1)
        )
    assert "due_date" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.remedy_item_update(shortcoming=row, actor=staff, remedy_plan="x", status="nope")
    assert "status" in e.value.message_dict
    row.refresh_from_db()
    assert row.status == "in_progress"


def test_a_reported_rows_status_follows_its_report_not_a_hand(province, last_cycle, next_cycle):
    binh = province.members["binh"]
    row = named(member_subject(last_cycle, binh))
    reviews.review_start(subject=member_subject(next_cycle, binh), actor=None)
    with pytest.raises(ValidationError) as e:
        services.remedy_item_update(shortcoming=row, actor=None, remedy_plan="", status="remedied")
    assert "status" in e.value.message_dict


def test_a_units_items_with_filters_and_overdue(province, last_cycle):
    binh, cuong = province.members["binh"], province.members["cuong"]
    late = named(member_subject(last_cycle, binh), due_date=D(2025, 1, 31))
    named(member_subject(last_cycle, cuong), "Chậm nộp báo cáo", due_date=D(2025, 12, 31))
    staff_a = province.users["staff_a"]
    on = D(2025, 6, 1)
    every = selectors.remedy_items(staff_a, province.province)
    assert {r.text for r in every} == {"Chưa gương mẫu trong sinh hoạt", "Chậm nộp báo cáo"}
    assert {r.year for r in every} == {2024}
    overdue = selectors.remedy_items(staff_a, province.province, overdue=True, on=on)
    assert [r.pk for r in overdue] == [late.pk]
    assert selectors.is_overdue(late, on) and not selectors.is_overdue(late, D(2025, 1, 1))
    services.remedy_item_update(shortcoming=late, actor=None, remedy_plan="", status="remedied")
    assert not selectors.remedy_items(staff_a, province.province, overdue=True, on=on).exists()
    assert selectors.remedy_items(staff_a, province.province, status="remedied").count() == 1
    # the member sees their own, not their neighbour's
    mine = selectors.remedy_items(province.users["member"], province.province)
    assert [r.person_id for r in mine] == [binh.pk]
