"""The subject summaries equal a recount after a scripted year (house example 4): every writer
of a subject or a self-review — the decision service, the bulk path, finalizing, re-opening,
a changed complaint, carried over, not rated, the subject list — keeps them current, folded or
not; the rebuild command finds and mends a difference."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects, tallies
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectTally
from kiemdiem.decisions import bulk, complaints, finalizing, notices, services
from kiemdiem.decisions.models import ComplaintStatus, Decision
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

pytestmark = pytest.mark.django_db
D = datetime.date


def _submit(subject):
    review = reviews.review_start(subject=subject, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)


def _same(cycle):
    assert tallies.differences([cycle.pk]) == []


def _member(cycle, person):
    return Subject.objects.filter(cycle=cycle, person=person).order_by("pk").first()


def test_a_scripted_year_keeps_the_summaries_equal_to_a_recount(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    _same(cycle)  # pending deltas only
    tallies.fold()
    _same(cycle)
    m = province.members
    an, binh, cuong, dung = (_member(cycle, m[k]) for k in ("an", "binh", "cuong", "dung"))
    for subject in (an, binh, cuong, dung):
        _submit(subject)
    _same(cycle)
    services.decide(subject=binh, tier="HTTNV", reason="", actor=None)  # the service
    bulk.decide_bulk([(cuong, "HTNV", "")])  # the bulk path
    _same(cycle)
    tallies.fold()
    finalizing.finalize(cycle=cycle, rows={dung.pk: "HTNV"}, actor=None)  # the screen
    _same(cycle)
    services.reopen(subject=binh, reason="Kết luận kiểm tra", actor=None)  # re-opened
    services.decide(subject=binh, tier="HTNV", reason="Sau kiểm tra", actor=None)
    _same(cycle)
    # a complaint changes Dũng's rating
    notices.notify_decisions([Decision.objects.get(subject=dung).pk], actor=None, day=D(2026, 1, 5))
    complaint = complaints.file_complaint(
        decision=Decision.objects.get(subject=dung),
        text="Tôi xin được xem xét lại.",
        actor=None,
        day=D(2026, 1, 10),
    )
    complaints.handle_complaint(
        complaint=complaint,
        outcome=ComplaintStatus.CHANGED,
        new_tier="HTTNV",
        reason="Thành tích được xác nhận",
        actor=None,
    )
    _same(cycle)
    # out of the rating, and the subject list changed
    cycles.subject_carry_over(subject=an, reason="Đang xác minh", actor=None)
    subjects.subject_exclude(
        subject=Subject.objects.filter(cycle=cycle, person__isnull=True).first(),
        reason="Giải thể",
        actor=None,
    )
    tallies.fold()
    _same(cycle)
    rolled = tallies.rollup([cycle.pk], [province.province])[(cycle.pk, province.province.pk)]
    people = {
        b.tier: n for b, n in rolled.items() if b.kind == SubjectKind.PARTY_MEMBER and b.rated
    }
    assert people == {"HTNV": 2, "HTTNV": 1}  # Bình, Cường HTNV; Dũng HTTNV after complaint


def test_the_command_names_the_differing_units_and_the_rebuild_mends_them(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    tallies.fold()
    call_command("tallies", "--verify", cycle=cycle.code)  # equal: exits normally
    row = SubjectTally.objects.filter(cycle=cycle, unit=province.cell_a1).first()
    row.n += 5
    row.save()
    with pytest.raises(CommandError, match=province.cell_a1.code):
        call_command("tallies", "--verify", cycle=cycle.code)
    call_command("tallies", "--rebuild", cycle=cycle.code)
    call_command("tallies", "--verify", cycle=cycle.code)
    _same(cycle)


def test_the_progress_board_from_the_summaries_equals_the_live_count(province):
    """The board of a staff user (read from the summaries) and the same board counted from the
    subjects agree in every row, overdue included (a cell's plan past its due dates)."""
    from kiemdiem.cycles import board as boards

    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    cycles.plan_issue(
        cycle=cycle,
        unit=province.cell_a1,
        stages=[cycles.StageWindow("self_review", D(2025, 11, 16), D(2025, 12, 5))],
        actor=None,
    )
    m = province.members
    binh, cuong = _member(cycle, m["binh"]), _member(cycle, m["cuong"])
    _submit(binh)
    reviews.review_start(subject=cuong, actor=None)  # being written
    bulk.decide_bulk([(binh, "HTTNV", "")])
    cycles.subject_carry_over(subject=_member(cycle, m["an"]), reason="Xác minh", actor=None)
    tallies.fold()
    _submit(cuong)  # a pending delta

    def shape(board):
        rows = [(r.unit.code, vars(r.counts)) for r in board.rows]
        return rows, vars(board.here.counts), vars(board.total)

    user = province.users["staff_p"]
    for unit in (province.province, province.commune_a, province.cell_a1):
        for day in (D(2025, 12, 1), D(2025, 12, 6), D(2026, 1, 2)):
            fast = boards.board(user, cycle, unit, day=day)
            slow = boards.board(user, cycle, unit, day=day, from_summaries=False)
            assert shape(fast) == shape(slow), (unit.code, day)
    late = boards.board(user, cycle, province.province, day=D(2026, 1, 2))
    assert late.total.rated == 1 and late.total.not_rated == 1 and late.total.rating_overdue > 0
