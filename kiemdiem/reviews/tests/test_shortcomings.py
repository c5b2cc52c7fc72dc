"""Shortcomings as rows: found in a review's "Hạn chế" lines, carried into the next cycle's
review of the same person, reported on there, and the share remedied read by the engine."""

import datetime
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.reviews import services, shortcomings
from kiemdiem.reviews.models import SelfReview, Shortcoming
from kiemdiem.testing import FULL_2025, WRITTEN, open_annual

migration = import_module("kiemdiem.reviews.migrations.0004_shortcomings_from_content")

FOUND = "- Chưa đóng đảng phí đúng hạn\n\n- Ít phát biểu trong sinh hoạt"


def subject_of(cycle, person):
    return Subject.objects.get(cycle=cycle, person=person, kind=SubjectKind.PARTY_MEMBER)


@pytest.fixture
def last_year(province):
    """Bình's 2024 review, submitted with two shortcomings."""
    user = province.users["member"]
    cycle = open_annual(province, 2024)
    subjects.subjects_generate(cycle=cycle, actor=None)
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=user)
    services.review_save(
        review=review, content={**WRITTEN, "han_che": FOUND}, proposed_tier="HTNV", actor=user
    )
    return services.review_submit(review=review, actor=user)


@pytest.fixture
def this_year(province, last_year):
    """Bình's 2025 draft, which carries the two."""
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    subject = subject_of(cycle, province.members["binh"])
    return services.review_start(subject=subject, actor=province.users["member"])


def save(review, user, content, tier="HTTNV"):
    return services.review_save(review=review, content=content, proposed_tier=tier, actor=user)


def test_the_lines_of_han_che_are_rows_found_in_the_review(province, last_year):
    rows = shortcomings.found(last_year)
    assert [r.text for r in rows] == ["Chưa đóng đảng phí đúng hạn", "Ít phát biểu trong sinh hoạt"]
    binh = province.members["binh"]
    for row in rows:
        assert (row.person, row.owner, row.unit_id, row.track) == (
            binh,
            binh,
            last_year.subject.unit_id,
            "party",
        )
        assert (row.source, row.status, row.reported_in) == ("self_review", "open", None)


def test_the_rows_follow_the_draft_as_it_is_edited(province, this_year):
    user = province.users["member"]
    save(this_year, user, {"han_che": "Một\nHai"})
    one, two = shortcomings.found(this_year)
    save(this_year, user, {"han_che": "Một, sửa lại"})
    (kept,) = shortcomings.found(this_year)
    assert (kept.pk, kept.text) == (one.pk, "Một, sửa lại")
    assert not Shortcoming.objects.filter(pk=two.pk).exists()


def test_last_years_rows_are_carried_and_reported_on(province, last_year, this_year):
    user = province.users["member"]
    origin_one, origin_two = shortcomings.found(last_year)
    assert shortcomings.carried_texts(this_year) == [origin_one.text, origin_two.text]
    content = {
        "khac_phuc": [
            # the carried text cannot be rewritten by the writer
            {"shortcoming": "Viết lại", "remedy": "Đóng đúng hạn từ tháng 2", "done": True},
            {"shortcoming": origin_two.text, "remedy": "Đã phát biểu hai lần", "done": False},
            {"shortcoming": "Đoàn kiểm tra nêu: chậm báo cáo", "remedy": "", "done": False},
        ]
    }
    review = save(this_year, user, content)
    one, two, added = shortcomings.reported(review)
    assert (one.text, one.carried_from_id, one.status) == (
        origin_one.text,
        origin_one.pk,
        "remedied",
    )
    assert one.remedy_report == "Đóng đúng hạn từ tháng 2"
    assert (two.carried_from_id, two.status) == (origin_two.pk, "in_progress")
    assert (added.source, added.carried_from_id, added.status) == ("other", None, "open")
    origin_one.refresh_from_db()
    origin_two.refresh_from_db()
    assert (origin_one.status, origin_two.status) == ("remedied", "in_progress")
    # the page and the API read the section from the rows
    shown = shortcomings.content_for_page(review)["khac_phuc"]
    assert [r["shortcoming"] for r in shown] == [origin_one.text, origin_two.text, added.text]
    assert [r.get("carried", False) for r in shown] == [True, True, False]
    # on submission what was not touched is "not remedied"
    submitted = services.review_submit(
        review=review,
        content={**WRITTEN, **content, "xep_loai": FULL_2025},
        proposed_tier="HTTNV",
        actor=user,
    )
    assert [r.status for r in shortcomings.reported(submitted)] == [
        "remedied",
        "in_progress",
        "not_remedied",
    ]
    entry = LogEntry.objects.filter(action="review.submitted", object_id=submitted.pk).last()
    assert (entry.data["found"], entry.data["reported"], entry.data["remedied"]) == (1, 3, 1)


def test_the_engine_reads_the_share_remedied_from_the_rows(province, this_year):
    user = province.users["member"]
    rows = [
        {"shortcoming": "a", "remedy": "Đã sửa", "done": True},
        {"shortcoming": "b", "remedy": "Đang sửa", "done": False},
    ]
    # FULL_2025 still sends fact.shortcomings_remedied_pct = 100: the rows decide, not it
    review = save(this_year, user, {"khac_phuc": rows, "xep_loai": FULL_2025})
    assert shortcomings.remedied_pct(review.subject) == "50"
    assert review.engine_result["tier"] == "HTTNV"  # HTXSNV needs all remedied
    rows[1]["done"] = True
    review = save(review, user, {"khac_phuc": rows, "xep_loai": FULL_2025})
    assert review.engine_result["tier"] == "HTXSNV"
    fresh = Subject.objects.get(pk=review.subject_id)  # read again: from the rows alone
    assert shortcomings.remedied_pct(fresh) == "100"


def test_the_share_with_nothing_to_remedy_is_all():
    assert shortcomings.percent([]) == "100"
    assert shortcomings.percent(["remedied", "open", "in_progress"]) == "33.33"
    assert shortcomings.percent(["remedied", "remedied"]) == "100"


def test_whoever_writes_the_review_plans_its_shortcomings(province, last_year):
    row = shortcomings.found(last_year)[0]
    binh = province.members["binh"]
    with pytest.raises(PermissionDenied):
        shortcomings.shortcoming_plan(
            shortcoming=row, actor=province.users["staff_b"], remedy_plan="x"
        )
    with pytest.raises(ValidationError) as error:
        shortcomings.shortcoming_plan(
            shortcoming=row,
            actor=province.users["member"],
            remedy_plan="Đóng đảng phí ngày 5 hằng tháng",
            due_date=datetime.date(2024, 6, 30),
        )
    assert "due_date" in error.value.message_dict
    with pytest.raises(ValidationError) as outside:  # Dũng's cell is in another commune
        shortcomings.shortcoming_plan(
            shortcoming=row,
            actor=province.users["member"],
            remedy_plan="x",
            owner=province.members["dung"],
        )
    assert "owner" in outside.value.message_dict
    row.refresh_from_db()
    assert (row.remedy_plan, row.due_date) == ("", None)
    planned = shortcomings.shortcoming_plan(
        shortcoming=row,
        actor=province.users["member"],
        remedy_plan="Đóng đảng phí ngày 5 hằng tháng",
        owner=binh,
        due_date=datetime.date(2025, 3, 31),
    )
    planned.refresh_from_db()
    assert planned.remedy_plan == "Đóng đảng phí ngày 5 hằng tháng"
    assert (planned.owner, planned.due_date) == (binh, datetime.date(2025, 3, 31))
    entry = LogEntry.objects.get(action="review.shortcoming_planned")
    assert entry.data["due_date"] == "2025-03-31"


def test_the_migration_moves_json_content_into_rows(province, last_year, this_year):
    """Reviews written before the rows: their JSON becomes rows, linked across the years."""
    this_year.content = {
        "han_che": "Mới năm nay",
        "khac_phuc": [
            {"shortcoming": "Ít phát biểu trong sinh hoạt", "remedy": "Có", "carried": True},
            {"shortcoming": "Chưa đóng đảng phí đúng hạn", "done": True, "carried": True},
            {"shortcoming": "Không còn ở năm trước", "remedy": "", "carried": True},
            {"shortcoming": "Tự nêu", "remedy": "Đã sửa", "done": True},
        ],
    }
    SelfReview.objects.filter(pk=this_year.pk).update(content=this_year.content)
    Shortcoming.objects.all().delete()
    migration.rows_from_content(django_apps)
    before = {r.text: r for r in shortcomings.found(last_year)}
    assert list(before) == ["Chưa đóng đảng phí đúng hạn", "Ít phát biểu trong sinh hoạt"]
    assert [r.text for r in shortcomings.found(this_year)] == ["Mới năm nay"]
    rows = shortcomings.reported(this_year)
    assert [(r.text, r.status, r.source) for r in rows] == [
        ("Ít phát biểu trong sinh hoạt", "in_progress", "self_review"),
        ("Chưa đóng đảng phí đúng hạn", "remedied", "self_review"),
        ("Không còn ở năm trước", "open", "self_review"),
        ("Tự nêu", "remedied", "other"),
    ]
    assert rows[0].carried_from_id == before["Ít phát biểu trong sinh hoạt"].pk
    assert rows[1].carried_from_id == before["Chưa đóng đảng phí đúng hạn"].pk
    assert rows[2].carried_from_id is None  # nothing earlier to point to: kept as written
    assert before["Chưa đóng đảng phí đúng hạn"].status == "remedied"
    # run again: nothing doubles
    migration.rows_from_content(django_apps)
    assert Shortcoming.objects.count() == 7
    migration.delete_rows(django_apps, None)
    assert not Shortcoming.objects.exists()


def test_a_line_taken_out_later_leaves_the_next_years_report_standing(
    province, last_year, this_year
):
    user = province.users["member"]
    amended = services.review_amend(review=last_year, reason="Bỏ một hạn chế", actor=user)
    save(amended, user, {**WRITTEN, "han_che": "Chưa đóng đảng phí đúng hạn"}, tier="HTNV")
    assert [r.text for r in shortcomings.found(amended)] == ["Chưa đóng đảng phí đúng hạn"]
    one, two = shortcomings.reported(this_year)
    assert one.carried_from is not None and two.carried_from is None
    assert shortcomings.carried_texts(this_year) == [
        "Chưa đóng đảng phí đúng hạn",
        "Ít phát biểu trong sinh hoạt",
    ]


def _submit(subject, content, tier="HTTNV"):
    review = services.review_start(subject=subject, actor=None)
    return services.review_submit(review=review, content=content, proposed_tier=tier, actor=None)


def _both_places(province, year, contents):
    """Cường's reviews of ``year``: in cell A2 and on the standing committee (whose report is
    submitted first), with the given contents."""
    cycle = open_annual(province, year)
    subjects.subjects_generate(cycle=cycle, actor=None)
    _submit(Subject.objects.get(cycle=cycle, unit=province.standing, person__isnull=True), WRITTEN)
    cuong = province.members["cuong"]
    places = [
        Subject.objects.get(cycle=cycle, person=cuong, unit=province.cell_a2),
        Subject.objects.get(cycle=cycle, person=cuong, unit=province.standing),
    ]
    return cycle, [
        _submit(s, c) if c is not None else s for s, c in zip(places, contents, strict=True)
    ]


def test_a_leader_reviewed_in_two_places_carries_both_places_shortcomings(province):
    """§5.3: the shortcomings found last year are to be remedied — wherever they were found."""
    from kiemdiem.testing import hold_post

    hold_post(province.members["cuong"], province.standing, title="Ủy viên")
    _both_places(
        province,
        2024,
        [
            {**WRITTEN, "han_che": "Chậm nộp đảng phí\nÍt phát biểu"},
            {**WRITTEN, "han_che": "Ít  phát biểu\nChưa sâu sát cơ sở"},
        ],
    )
    cycle, (cell, seat) = _both_places(province, 2025, [None, None])
    expected = ["Chậm nộp đảng phí", "Ít phát biểu", "Chưa sâu sát cơ sở"]  # one line once
    assert [r.text for r in shortcomings.carried(cell)] == expected
    assert [r.text for r in shortcomings.carried(seat)] == expected
    bulk = shortcomings.carried_bulk([cell, seat])
    assert [r.text for r in bulk[cell.pk]] == expected == [r.text for r in bulk[seat.pk]]

    # Reported on in both places: the row found last year is remedied only when both say so.
    in_cell = services.review_start(subject=cell, actor=None)
    on_seat = services.review_start(subject=seat, actor=None)
    origin = shortcomings.carried(cell)[0]
    done = [{"shortcoming": t, "remedy": "Đã làm", "done": True} for t in expected]
    undone = [{"shortcoming": t, "remedy": "", "done": False} for t in expected]
    save(in_cell, None, {**WRITTEN, "khac_phuc": done})
    save(on_seat, None, {**WRITTEN, "khac_phuc": undone})
    origin.refresh_from_db()
    assert origin.status == "in_progress"  # one place remedied it, the other has not yet
    save(on_seat, None, {**WRITTEN, "khac_phuc": done})
    origin.refresh_from_db()
    assert origin.status == "remedied"
    save(in_cell, None, {**WRITTEN, "khac_phuc": undone})  # a later draft does not hide it
    origin.refresh_from_db()
    assert origin.status == "in_progress"
