"""The decisions pages: the decider's queue on the home page, the proposals page, a
subject's decision page (decide, carry over, history), the person's decided tiers."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.decisions import selectors, services
from kiemdiem.decisions.models import Decision
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def _submit(subject, tier="HTTNV"):
    review = reviews.review_start(subject=subject, actor=None)
    return reviews.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)


def _member(cycle, province, name):
    return Subject.objects.get(
        cycle=cycle, person=province.members[name], kind=SubjectKind.PARTY_MEMBER
    )


def _queries(client, url) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_holds_only_what_is_ready_grouped_by_unit_with_the_deadline(cycle, province):
    decider = province.users["decider"]
    groups = {(g.unit.pk, g.count) for g in selectors.queue(decider)}
    a1 = province.cell_a1
    # Bình and Cường's cells: members wait for nothing; the cells wait for their members
    binh_ready = next(g for g in selectors.queue(decider) if g.unit.pk == a1.pk)
    assert binh_ready.due.isoformat() == "2025-12-31"  # the province plan's decision stage
    ready_in_a1 = {
        s.pk
        for s in Subject.objects.filter(cycle=cycle, unit=a1, status=SubjectStatus.PENDING)
        if s.person_id is not None and s.kind != SubjectKind.HEAD
    }
    assert (a1.pk, len(ready_in_a1)) in groups
    # deciding Bình's cell members makes the cell (and then its head) ready
    for pk in ready_in_a1:
        subject = Subject.objects.get(pk=pk)
        _submit(subject)
        services.decide(subject=subject, tier="HTTNV", actor=None)
    after = {g.unit.pk: g.count for g in selectors.queue(decider)}
    assert after[a1.pk] == 1  # the cell itself; its head waits for it
    cell = Subject.objects.get(cycle=cycle, unit=a1, person__isnull=True)
    _submit(cell)
    services.decide(subject=cell, tier="HTTNV", actor=None)
    assert {g.unit.pk: g.count for g in selectors.queue(decider)}[a1.pk] == 1  # the head now


def test_the_home_page_shows_the_queue_in_bounded_queries(client, cycle, province):
    client.force_login(province.users["decider"])
    few, page = _queries(client, reverse("home"))
    assert "Chờ đồng chí quyết định" in page.text
    assert reverse("decision-screen", args=[cycle.pk]) + f"?unit={province.cell_a1.pk}" in page.text
    assert "31/12/2025" in page.text
    # a second cycle's worth of subjects costs no query per subject or per unit
    for name in ("binh", "cuong", "dung"):
        services.propose(subject=_member(cycle, province, name), tier="HTTNV", actor=None)
    subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.LEADER,
        unit=province.commune_b,
        person=province.members["an"],
        reason="Kiêm nhiệm",
        actor=None,
    )
    more, _page = _queries(client, reverse("home"))
    assert more == few, (few, more)
    assert few <= 25


def test_no_queue_for_who_decides_nothing(client, cycle, province):
    client.force_login(province.users["staff_a"])
    page = client.get(reverse("home"))
    assert "Chờ đồng chí quyết định" not in page.text


# --- the proposals page --------------------------------------------------------------------


def test_the_proposals_page_has_every_column_in_bounded_queries(client, cycle, province):
    staff = province.users["staff_a"]
    binh = _member(cycle, province, "binh")
    review = _submit(binh, "HTXSNV")
    client.force_login(staff)
    url = reverse("decision-proposals", args=[cycle.pk]) + f"?unit={province.cell_a1.pk}"
    few, page = _queries(client, url)
    assert "Đề xuất xếp loại" in page.text and "Trần Thị Bình" in page.text
    assert "HTXSNV" in page.text  # self-proposed
    if review.engine_result.get("lines"):
        assert review.engine_result["lines"][-1] in page.text  # the engine's explanation
    # the opinions asked and the meeting's vote have their columns (none yet: a dash)
    assert 'class="opinions-cell"' in page.text and 'class="meeting-vote"' in page.text
    # more subjects with reviews and proposals: the same number of queries
    an = Subject.objects.get(cycle=cycle, person=province.members["an"], kind=SubjectKind.HEAD)
    _submit(an)
    services.propose(subject=binh, tier="HTTNV", reason="Theo tỷ lệ", actor=None)
    more, _page = _queries(client, url)
    assert more == few, (few, more)


def test_a_row_is_proposed_by_htmx_and_a_stale_row_is_refused(client, cycle, province):
    binh = _member(cycle, province, "binh")
    _submit(binh)
    client.force_login(province.users["staff_a"])
    url = reverse("decision-proposal-row", args=[cycle.pk, province.cell_a1.pk, binh.pk])
    row = client.post(
        url, {"tier": "HTXSNV", "reason": "Nổi bật", "revision": "0"}, HTTP_HX_REQUEST="true"
    )
    assert row.status_code == 200 and f'id="proposal-{binh.pk}"' in row.text
    assert "<html" not in row.text  # the row alone
    assert Decision.objects.get(subject=binh).proposed_tier == "HTXSNV"
    stale = client.post(url, {"tier": "HTTNV", "revision": "0"}, HTTP_HX_REQUEST="true")
    assert "tải lại" in stale.text
    assert Decision.objects.get(subject=binh).proposed_tier == "HTXSNV"


def test_the_member_herself_gets_no_proposal_form(client, cycle, province):
    binh = _member(cycle, province, "binh")
    _submit(binh)
    client.force_login(province.users["member"])  # Bình
    url = reverse("decision-proposal-row", args=[cycle.pk, province.cell_a1.pk, binh.pk])
    assert client.post(url, {"tier": "HTXSNV"}).status_code == 404
    assert not Decision.objects.filter(subject=binh).exists()


# --- a subject's decision page ---------------------------------------------------------------


def test_the_decider_decides_on_the_page_and_sees_the_history(client, cycle, province):
    binh = _member(cycle, province, "binh")
    _submit(binh)
    services.propose(subject=binh, tier="HTXSNV", reason="Nổi bật", actor=province.users["staff_a"])
    client.force_login(province.users["decider"])
    page = client.get(reverse("decision-subject", args=[binh.pk]))
    assert "Đề xuất của cơ quan tham mưu" in page.text and "Nổi bật" in page.text
    decision = Decision.objects.get(subject=binh)
    client.post(
        reverse("decision-decide", args=[binh.pk]),
        {"tier": "HTTNV", "reason": "Theo tỷ lệ", "revision": decision.revision},
    )
    binh.refresh_from_db()
    assert binh.tier == "HTTNV"
    page = client.get(reverse("decision-subject", args=[binh.pk]))
    assert "Lịch sử quyết định" in page.text and "Theo tỷ lệ" in page.text
    assert 'action="' + reverse("decision-decide", args=[binh.pk]) not in page.text  # decided
    # the person's page loads the decided tiers
    tiers = client.get(
        reverse("decision-person-tiers", args=[province.members["binh"].pk]),
        HTTP_HX_REQUEST="true",
    )
    assert "HTTNV" in tiers.text and cycle.name in tiers.text


def test_carry_over_on_the_page_then_the_cycle_closes(client, cycle, province):
    from kiemdiem.cycles import services as cycles

    binh = _member(cycle, province, "binh")
    client.force_login(province.users["decider"])
    client.post(reverse("decision-carry-over", args=[binh.pk]), {"reason": "Chờ kết luận"})
    binh.refresh_from_db()
    assert (binh.status, binh.reason, binh.tier) == ("carried_over", "Chờ kết luận", "")
    for subject in Subject.objects.filter(cycle=cycle, status=SubjectStatus.PENDING):
        cycles.subject_carry_over(subject=subject, reason="Chuyển kỳ sau", actor=None)
    cycles.cycle_close(cycle=cycle, actor=None)
    # closed: no proposal, no decision, no carry-over
    page = client.get(reverse("decision-subject", args=[binh.pk]))
    assert reverse("decision-carry-over", args=[binh.pk]) not in page.text
    assert reverse("decision-decide", args=[binh.pk]) not in page.text
    with pytest.raises(ValidationError, match="không thể thay đổi|đã kết thúc|closed"):
        services.decide(subject=binh, tier="HTTNV", actor=None)


def test_the_member_reads_her_decision_history_from_her_review_page(client, cycle, province):
    binh = _member(cycle, province, "binh")
    _submit(binh)
    services.decide(
        subject=binh, tier="HTTNV", reason="Theo tỷ lệ", actor=province.users["decider"]
    )
    client.force_login(province.users["member"])  # Bình
    review_page = client.get(reverse("review-edit", args=[binh.pk]))
    url = reverse("decision-subject", args=[binh.pk])
    assert f'hx-get="{url}"' in review_page.text
    assert reverse("decision-decide", args=[binh.pk]) not in review_page.text
    history = client.get(url, HTTP_HX_REQUEST="true")
    assert "<html" not in history.text and "Lịch sử quyết định" in history.text
    assert "Theo tỷ lệ" in history.text and "decider" in history.text
    # her page offers her nothing to decide or propose
    page = client.get(url)
    assert reverse("decision-decide", args=[binh.pk]) not in page.text
    assert reverse("decision-propose", args=[binh.pk]) not in page.text


def test_a_long_queue_shows_the_soonest_and_sums_up_the_rest(client, cycle, province, monkeypatch):
    from kiemdiem.decisions import todos

    monkeypatch.setattr(todos, "SHOWN", 1)
    client.force_login(province.users["decider"])
    page = client.get(reverse("home"))
    groups = selectors.queue(province.users["decider"])
    assert len(groups) > 1
    # one unit's line, and the line that sums up the rest (naming the next ones) opening the
    # decision screen of the cycle
    assert page.text.count("Mở màn hình quyết định") == 2
    assert f"Còn {len(groups) - 1} đơn vị chưa liệt kê" in page.text
    assert groups[1].unit.name in page.text
    assert f'href="{reverse("decision-screen", args=[cycle.pk])}"' in page.text


def test_a_carried_over_subject_is_out_of_the_rating_on_the_counts_and_the_unit_page(
    client, cycle, province
):
    from kiemdiem.cycles import services as cycles
    from kiemdiem.cycles.selectors import subject_counts

    staff = province.users["staff_p"]
    before = subject_counts(staff, cycle)["not_rated"]
    binh = _member(cycle, province, "binh")
    cycles.subject_carry_over(subject=binh, reason="Chờ kết luận kiểm tra", actor=None)
    assert subject_counts(staff, cycle)["not_rated"] == before + 1
    client.force_login(staff)
    page = client.get(reverse("cycle-unit", args=[cycle.pk, province.cell_a1.pk]))
    assert "Chuyển kỳ sau" in page.text and "Chờ kết luận kiểm tra" in page.text
    with pytest.raises(ValidationError, match="đang chờ quyết định"):
        cycles.subject_carry_over(subject=binh, reason="Lần nữa", actor=None)
    with pytest.raises(ValidationError):
        services.decide(subject=binh, tier="HTTNV", actor=None)  # out of the rating
