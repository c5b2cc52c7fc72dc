"""The progress board: counts per lower level and stage, overdue by the governing plan,
drill-down to the people, and only what the user may see."""

import datetime

import pytest
from django.urls import reverse

from kiemdiem.cycles import board, selectors, services, subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.cycles.services import StageWindow
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import employ, hold_post, open_annual

D = datetime.date
BEFORE_DUE = D(2025, 12, 5)  # self-review due 10/12/2025, decision due 31/12/2025
AFTER_REVIEW_DUE = D(2025, 12, 11)


def _review(subject, status):
    return SelfReview.objects.create(subject=subject, form_key="2A", status=status)


@pytest.fixture
def cycle(province):
    """The 2025 cycle mid-way: Bình submitted, Cường writing, Dung sent back, the agency out of
    the rating, Bình rated."""
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    m = province.members
    get = lambda **kw: Subject.objects.get(cycle=cycle, **kw)  # noqa: E731
    _review(get(person=m["binh"]), "submitted")
    _review(get(person=m["cuong"]), "draft")
    _review(get(person=m["dung"]), "returned")
    Subject.objects.filter(pk=get(person=m["binh"]).pk).update(status="rated", tier="HTNV")
    Subject.objects.filter(pk=get(unit=province.agency).pk).update(
        status=SubjectStatus.NOT_RATED, reason="Giải thể"
    )
    return cycle


def _rows(result):
    return {row.unit.code: row.counts for row in result.rows}


def test_counts_per_lower_level_and_stage(province, cycle):
    result = board.board(province.users["staff_p"], cycle, province.province, day=BEFORE_DUE)
    rows = _rows(result)
    assert list(rows) == ["PBTV", "B", "A"]  # Vietnamese order: Ban, Đảng bộ phường, Đảng bộ xã
    a = rows["A"]  # A, A1, A2 and the agency; An (head of A1), Bình, Cường
    assert (a.total, a.not_rated, a.to_rate) == (7, 1, 6)
    assert (a.review_done, a.review_in_progress, a.review_not_started) == (1, 1, 4)
    assert (a.rated, a.rating_pending) == (1, 5)
    assert a.review_percent == 16  # 1 of 6, rounded down
    assert (a.review_overdue, a.rating_overdue) == (0, 0)
    b = rows["B"]
    assert (b.total, b.review_in_progress, b.review_not_started) == (3, 1, 2)
    assert result.here.counts.total == 1  # the provincial party organization itself
    assert result.total.total == 12
    assert result.total.review_done == 1 and result.total.rated == 1
    assert result.dues == {"self_review": D(2025, 12, 10), "decision": D(2025, 12, 31)}


def test_overdue_after_the_due_date(province, cycle):
    result = board.board(province.users["staff_p"], cycle, province.province, day=AFTER_REVIEW_DUE)
    rows = _rows(result)
    # not submitted and not out of the rating: 6 to rate in A, one of them submitted
    assert rows["A"].review_overdue == 5
    assert rows["B"].review_overdue == 3
    assert result.total.review_overdue == 5 + 3 + 1 + 1  # + standing committee + province
    assert result.total.rating_overdue == 0  # the decision is due on 31/12
    late = board.board(province.users["staff_p"], cycle, province.province, day=D(2026, 1, 2))
    assert late.total.rating_overdue == late.total.to_rate - late.total.rated == 10


def test_a_lower_plan_with_an_earlier_deadline_makes_its_subtree_overdue_first(province, cycle):
    services.plan_issue(
        cycle=cycle,
        unit=province.commune_b,
        stages=[StageWindow("self_review", D(2025, 11, 20), D(2025, 12, 1))],
        actor=None,
    )
    result = board.board(province.users["staff_p"], cycle, province.province, day=BEFORE_DUE)
    rows = _rows(result)
    assert rows["B"].review_overdue == 3 and rows["A"].review_overdue == 0
    assert result.total.review_overdue == 3
    by_code = {row.unit.code: row for row in result.rows}
    assert by_code["B"].dues["self_review"] == D(2025, 12, 1)
    assert by_code["A"].dues["self_review"] == D(2025, 12, 10)
    # B's own board: its cell is overdue, and so is B itself
    b = board.board(province.users["staff_p"], cycle, province.commune_b, day=BEFORE_DUE)
    assert _rows(b)["B1"].review_overdue == 2 and b.here.counts.review_overdue == 1


def test_the_board_is_one_aggregate_query(province, cycle, django_assert_max_num_queries):
    user = province.users["staff_p"]
    user.is_superuser = True  # no grant lookups: count the board's own queries
    # the plans' dates, the range of the cycle's subject ids, the counts, the children
    with django_assert_max_num_queries(4):
        board.board(user, cycle, province.province, day=AFTER_REVIEW_DUE)


@pytest.mark.parametrize(
    ("who", "unit", "expected"),
    [
        ("anonymous", "province", 302),
        ("nogrant", "province", 404),
        ("staff_a", "province", 404),
        ("staff_b", "commune_a", 404),
        ("staff_a", "commune_a", 200),
        ("staff_p", "province", 200),
        ("inspector", "commune_b", 200),
    ],
)
def test_the_board_follows_the_permission_door(client, province, cycle, who, unit, expected):
    if who != "anonymous":
        client.force_login(province.users[who])
    target = getattr(province, unit)
    response = client.get(reverse("cycle-board", args=[cycle.pk, target.pk]))
    assert response.status_code == expected


def test_the_board_page_in_vietnamese_with_drill_down(client, province, cycle, monkeypatch):
    monkeypatch.setattr(board, "today", lambda: AFTER_REVIEW_DUE)
    client.force_login(province.users["staff_p"])
    page = client.get(reverse("cycle-board", args=[cycle.pk, province.province.pk])).content
    page = page.decode()
    assert "Tiến độ" in page and "Quá hạn" in page and "Tự kiểm điểm" in page
    assert reverse("cycle-board", args=[cycle.pk, province.commune_a.pk]) in page
    overdue_b = (
        reverse("cycle-board-subjects", args=[cycle.pk, province.commune_b.pk])
        + "?stage=self_review&amp;state=overdue"
    )
    assert overdue_b in page
    here = reverse("cycle-board-subjects", args=[cycle.pk, province.province.pk])
    assert f"{here}?stage=self_review&amp;state=not_started&amp;here=1" in page
    assert "Kiểm điểm tại chính đơn vị này" in page and "Tổng cộng" in page
    # the cell: the people of B's subtree whose self-review is overdue
    response = client.get(
        reverse("cycle-board-subjects", args=[cycle.pk, province.commune_b.pk]),
        {"stage": "self_review", "state": "overdue"},
    )
    page = response.content.decode()
    dung = Subject.objects.get(cycle=cycle, person=province.members["dung"])
    assert "Phạm Thị Dung" in page and "Bị trả lại" in page and "quá hạn" in page
    assert reverse("review-edit", args=[dung.pk]) in page
    assert "Nguyễn Văn An" not in page  # in A, not B


def test_drill_down_lists_each_state(province, cycle):
    user, a = province.users["staff_p"], province.commune_a
    names = lambda qs: {s.person.given_name if s.person else s.unit.code for s in qs}  # noqa: E731
    cell = lambda **kw: board.cell_subjects(user, cycle, a, day=AFTER_REVIEW_DUE, **kw)  # noqa: E731
    assert names(cell(stage="self_review", state="done")) == {"Bình"}
    assert names(cell(stage="self_review", state="in_progress")) == {"Cường"}
    assert names(cell(stage="self_review", state="not_started")) == {"An", "A", "A1", "A2"}
    assert names(cell(stage="self_review", state="overdue")) == {"An", "A", "A1", "A2", "Cường"}
    assert names(cell(stage="decision", state="not_rated")) == {"UBA"}
    assert names(cell(stage="decision", state="overdue")) == set()
    assert names(cell(stage="", state="", here=True)) == {"A"}
    assert len(cell(stage="nonsense", state="x")) == 7


def test_staff_of_a_commune_sees_only_their_subtree(client, province, cycle):
    client.force_login(province.users["staff_a"])
    detail = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert reverse("cycle-board", args=[cycle.pk, province.commune_a.pk]) in detail
    assert reverse("cycle-board", args=[cycle.pk, province.province.pk]) not in detail
    response = client.get(
        reverse("cycle-board-subjects", args=[cycle.pk, province.commune_b.pk]),
        {"stage": "self_review", "state": "in_progress"},
    )
    assert response.status_code == 404
    result = board.board(province.users["staff_a"], cycle, province.commune_a, day=BEFORE_DUE)
    assert {row.unit.code for row in result.rows} == {"A1", "A2", "UBA"}


def _commune_cycle(province, code):
    """A cycle opened by commune A for its own subtree."""
    return services.cycle_open(
        code=code,
        name="Kiểm điểm xã An Bình",
        kind="annual",
        year=2025,
        period_start=D(2025, 1, 1),
        period_end=D(2025, 12, 31),
        root=province.commune_a,
        stages=[StageWindow("self_review", D(2025, 11, 15), D(2025, 12, 10))],
        actor=None,
    )


def test_a_unit_outside_the_cycle_has_no_board(client, province):
    cycle = _commune_cycle(province, "KDA")
    client.force_login(province.users["staff_p"])
    assert (
        client.get(reverse("cycle-board", args=[cycle.pk, province.cell_a1.pk])).status_code == 200
    )
    assert (
        client.get(reverse("cycle-board", args=[cycle.pk, province.cell_b1.pk])).status_code == 404
    )


def test_the_cycle_pages_link_to_the_board_and_name_the_kinds(client, province, cycle):
    client.force_login(province.users["staff_p"])
    detail = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert reverse("cycle-board", args=[cycle.pk, province.province.pk]) in detail
    assert "Đảng viên không giữ chức vụ lãnh đạo, quản lý" in detail
    assert "party_member_outside" not in detail and "cong_chuc" not in detail
    unit_page = client.get(reverse("cycle-unit", args=[cycle.pk, province.cell_a1.pk]))
    assert (
        reverse("cycle-board", args=[cycle.pk, province.cell_a1.pk]) in unit_page.content.decode()
    )


def test_prerequisites_of_a_units_subjects_in_constant_queries(
    province, django_assert_max_num_queries
):
    an, dung = province.members["an"], province.members["dung"]
    hold_post(an, province.standing, title="Ủy viên")
    employ(dung, province.agency, title="Văn thư")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    admin = province.users["admin"]
    units = [
        province.province,
        province.commune_a,
        province.commune_b,
        province.cell_a1,
        province.cell_a2,
        province.cell_b1,
        province.standing,
        province.agency,
    ]
    for unit in units:
        admin.__dict__.pop("_kiemdiem_scope_cache", None)
        # grants, the subjects, what they wait for (one query per rule that applies)
        with django_assert_max_num_queries(5):
            rows = selectors.subjects_with_prerequisites(admin, cycle, unit)
        for row in rows:
            expected = set(selectors.prerequisites(row.subject))
            assert set(row.waits_for) == expected, (unit.code, row.subject)
    rows = selectors.subjects_with_prerequisites(admin, cycle, province.cell_b1)
    waits = {r.subject.kind: r.waits_for for r in rows}
    assert [w.kind for w in waits[SubjectKind.PARTY_MEMBER]] == ["cong_chuc"]


def test_the_front_is_counted_for_its_rating_only(province):
    """The Front writes no self-review of ours: not "not started", never overdue."""
    from kiemdiem.orgtree import services as tree

    front = tree.unit_create(
        code="A-MT",
        name="Ủy ban MTTQ xã An Bình",
        kind="mat_tran",
        parent=province.commune_a,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    staff = province.users["staff_p"]
    result = board.board(staff, cycle, province.commune_a, day=AFTER_REVIEW_DUE)
    row = next(r.counts for r in result.rows if r.unit == front)
    assert (row.total, row.no_review, row.to_review) == (1, 1, 0)
    assert (row.review_not_started, row.review_overdue, row.review_percent) == (0, 0, None)
    assert row.rating_pending == 1
    for state in ("not_started", "overdue"):
        listed = board.cell_subjects(
            staff, cycle, province.commune_a, stage="self_review", state=state, day=AFTER_REVIEW_DUE
        )
        assert front.pk not in {s.unit_id for s in listed}


def test_the_board_opens_exactly_where_the_cycle_and_the_unit_both_open(client, province):
    """The board reads the cycle through the unit's door (``views._board_scope``): for every
    user, cycle and unit it opens exactly when the cycle's door and the unit's door both let the
    user in and the unit lies inside the cycle — a commune's own cycle included."""
    from kiemdiem.accounts.models import Action
    from kiemdiem.accounts.permissions import restrict
    from kiemdiem.cycles.models import ReviewCycle
    from kiemdiem.orgtree.models import Unit

    whole = open_annual(province, 2025)
    commune = _commune_cycle(province, "XA2025")
    units = [province.province, province.commune_a, province.cell_a1, province.cell_b1]
    checked = 0
    for name, user in province.users.items():
        client.force_login(user)
        for cycle in (whole, commune):
            cycle_seen = restrict(ReviewCycle.objects.filter(pk=cycle.pk), user, Action.VIEW)
            for unit in units:
                unit_seen = restrict(Unit.objects.filter(pk=unit.pk), user, Action.VIEW)
                expected = (
                    cycle_seen.exists()
                    and unit_seen.exists()
                    and unit.path.startswith(cycle.root.path)
                )
                answer = client.get(reverse("cycle-board", args=[cycle.pk, unit.pk]))
                assert answer.status_code == (200 if expected else 404), (name, cycle, unit)
                checked += expected
    assert checked > 10  # the matrix opened real boards, not only refusals
