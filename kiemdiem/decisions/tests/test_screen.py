"""The decision screen: pools counted live under the pinned reading, caps highlighted, the
whole screen decided at once — refused over a quota or a cap unless overridden with a reason,
which is recorded and audited; NĐ 48's party share read from the app."""

import dataclasses

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import finalizing, services
from kiemdiem.decisions import screen as screens
from kiemdiem.decisions.models import Decision, DecisionState
from kiemdiem.people import services as people
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, D, _member, employ, open_annual

POOL_VI = "Nhóm có vị trí, vai trò, chức năng tương đồng"  # R2025's similar_role


def submitted(subject, tier="HTTNV"):
    review = reviews.review_start(subject=subject, actor=None)
    return reviews.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)


def members_of(cycle, names):
    return {
        s.person.given_name: s
        for s in Subject.objects.filter(
            cycle=cycle, kind=SubjectKind.PARTY_MEMBER, person__given_name__in=names
        ).select_related("person")
    }


@pytest.fixture
def grassroots(province):
    """Commune A's members: Bình (A1), Cường (A2) and four more in A1 — six in one pool."""
    for given in ("Giang", "Hà", "Khánh", "Lan"):
        _member("Đỗ", "Thị", given, province.cell_a1)
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    names = ("Bình", "Cường", "Giang", "Hà", "Khánh", "Lan")
    found = members_of(cycle, names)
    for subject in found.values():
        submitted(subject)
    # Three proposed HTXSNV, three HTTNV.
    for name in names:
        tier = "HTXSNV" if name in ("Bình", "Cường", "Giang") else "HTTNV"
        services.propose(subject=found[name], tier=tier, reason="Chi ủy đề xuất", actor=None)
    return cycle, found


def test_too_many_proposed_htxsnv_shows_the_pool_and_is_refused_by_name(grassroots, province):
    cycle, found = grassroots
    view = screens.screen(
        cycle=cycle, unit=province.commune_a, group="members", user=province.users["decider"]
    )
    assert {r.subject.person.given_name for r in view.rows} == set(found)
    (pool,) = view.pools
    # Default reading (§15.2): floor(0.2 × 3 HTTNV) = 0 places for three candidates.
    assert (pool.members, pool.httnv, pool.candidates, pool.allowed, pool.excess) == (6, 3, 3, 0, 3)
    assert pool.label == POOL_VI and "chưa nói rõ" in pool.reading_note
    assert view.problems and all(r.beyond_quota for r in view.rows if r.tier == "HTXSNV")
    rows = {r.subject.pk: r.tier for r in view.rows}
    with pytest.raises(ValidationError) as refused:
        finalizing.finalize(cycle=cycle, rows=rows, actor=province.users["decider"])
    text = " ".join(refused.value.message_dict["override_reason"])
    assert POOL_VI in text and "Đảng bộ xã An Bình" in text
    assert not Decision.objects.filter(subject__cycle=cycle, state="decided").exists()


def test_the_other_reading_allows_one_place(grassroots, province, monkeypatch):
    cycle, found = grassroots
    original = screens.Packs.of

    def incl_demoted(self, subject):
        pack = original(self, subject)
        if pack is None or "similar_role" not in pack.pools:
            return pack
        pool = dataclasses.replace(pack.pools["similar_role"], denominator="httnv_incl_demoted")
        return dataclasses.replace(pack, pools={**pack.pools, "similar_role": pool})

    monkeypatch.setattr(screens.Packs, "of", incl_demoted)
    view = screens.screen(
        cycle=cycle, unit=province.cell_a1, group="members", user=province.users["decider"]
    )
    (pool,) = view.pools
    assert (pool.members, pool.allowed, pool.excess) == (6, 1, 2)  # counts the whole pool
    assert {r.subject.unit_id for r in view.rows} == {province.cell_a1.pk}  # filtered to A1
    # One HTXSNV, the rest HTTNV: allowed under this reading, decided.
    rows = {s.pk: "HTTNV" for s in found.values()} | {found["Bình"].pk: "HTXSNV"}
    decided = finalizing.finalize(cycle=cycle, rows=rows, actor=province.users["decider"])
    assert len(decided) == 6 and not any(d.overrides for d in decided)


def test_override_with_a_reason_is_recorded_and_audited(grassroots, province):
    cycle, found = grassroots
    # One HTXSNV over three HTTNV: floor(0.2 × 3) = 0 places.
    rows = {s.pk: "HTTNV" for s in found.values()} | {found["Bình"].pk: "HTXSNV"}
    rows |= {found["Cường"].pk: "HTNV", found["Giang"].pk: "HTNV"}
    decider = province.users["decider"]
    with pytest.raises(ValidationError):
        finalizing.finalize(cycle=cycle, rows=rows, actor=decider)
    finalizing.finalize(
        cycle=cycle,
        rows=rows,
        override_reason="Thành tích đột xuất được Tỉnh ủy khen",
        actor=decider,
    )
    binh = Decision.objects.get(subject=found["Bình"])
    assert binh.tier == "HTXSNV" and binh.override_reason.startswith("Thành tích")
    assert [o["kind"] for o in binh.overrides] == ["quota"] and POOL_VI in binh.overrides[0]["text"]
    assert not Decision.objects.get(subject=found["Hà"]).overrides  # only the affected row
    entry = LogEntry.objects.get(action="decision.overridden", object_id=str(found["Bình"].pk))
    assert entry.data["override_reason"].startswith("Thành tích")
    view = screens.screen(cycle=cycle, unit=province.commune_a, group="members", user=decider)
    shown = next(r for r in view.rows if r.subject.pk == found["Bình"].pk)
    assert shown.decided_tier == "HTXSNV" and shown.override_reason


def test_a_head_above_the_unit_is_highlighted_refused_then_overridden(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    binh = members_of(cycle, ["Bình"])["Bình"]
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    head = Subject.objects.get(cycle=cycle, kind=SubjectKind.HEAD)
    for s in (binh, cell, head):
        submitted(s)
    services.decide(subject=binh, tier="HTTNV", actor=None)
    services.decide(subject=cell, tier="HTTNV", actor=None)
    services.propose(subject=head, tier="HTXSNV", reason="", actor=None)
    decider = province.users["decider"]
    view = screens.screen(cycle=cycle, unit=province.commune_a, group="leaders", user=decider)
    (row,) = view.rows
    assert row.subject == head and [c["code"] for c in row.caps] == ["CAP25-HEAD"]
    assert view.problems
    with pytest.raises(ValidationError) as refused:
        finalizing.finalize(cycle=cycle, rows={head.pk: "HTXSNV"}, actor=decider)
    assert "Nguyễn Văn An" in " ".join(refused.value.message_dict["override_reason"])
    finalizing.finalize(
        cycle=cycle, rows={head.pk: "HTXSNV"}, override_reason="Cấp ủy thống nhất", actor=decider
    )
    decision = Decision.objects.get(subject=head)
    assert "CAP25-HEAD" in [o["code"] for o in decision.overrides]
    assert decision.state == "decided"
    assert LogEntry.objects.filter(action="decision.overridden", object_id=str(head.pk)).exists()
    assert (
        LogEntry.objects.get(action="decision.decided", object_id=str(head.pk)).data[
            "override_reason"
        ]
        == "Cấp ủy thống nhất"
    )


def test_nd48_party_share_comes_from_the_decided_party_members(province):
    binh, cuong = province.members["binh"], province.members["cuong"]
    employ(binh, province.agency, title="Chuyên viên")
    employ(cuong, province.agency, title="Chuyên viên")
    others = []
    for given in ("Mai", "Nam", "Oanh", "Phúc", "Quân"):
        person = people.person_create(
            family_name="Vũ",
            middle_name="Văn",
            given_name=given,
            birth_date=D(1985, 1, 1),
            actor=None,
        )
        employ(person, province.agency, title="Chuyên viên")
        others.append(person)
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    staff = {
        s.person.given_name: s
        for s in Subject.objects.filter(cycle=cycle, unit=province.agency, person__isnull=False)
    }
    assert len(staff) == 7
    for s in staff.values():
        submitted(s)
    head_of_agency = None  # the system decides here; the policy is tested elsewhere
    view = screens.screen(cycle=cycle, unit=province.agency, group="staff", user=head_of_agency)
    (pool,) = view.pools
    assert pool.cross_track and pool.party_share is None and "rules.F010" in pool.codes
    # The state ratings of the two party members first, then their party ratings: none HTXSNV.
    finalizing.finalize(
        cycle=cycle, rows={staff["Bình"].pk: "HTTNV", staff["Cường"].pk: "HTTNV"}, actor=None
    )
    for s in members_of(cycle, ["Bình", "Cường"]).values():
        submitted(s)
        services.decide(subject=s, tier="HTTNV", actor=None)
    services.propose(subject=staff["Mai"], tier="HTXSNV", actor=None)
    for name in ("Nam", "Oanh", "Phúc", "Quân"):
        services.propose(subject=staff[name], tier="HTTNV", actor=None)
    view = screens.screen(cycle=cycle, unit=province.agency, group="staff", user=None)
    (pool,) = view.pools
    assert pool.party_share == 0 and "rules.F006" in pool.codes and "rules.F010" not in pool.codes
    # 20 % of 6 HTTNV would allow one; the party share (0 %) allows none.
    assert (pool.httnv, pool.candidates, pool.allowed) == (6, 1, 0)
    with pytest.raises(ValidationError, match="Cơ quan, tổ chức, đơn vị"):
        finalizing.finalize(cycle=cycle, rows={staff["Mai"].pk: "HTXSNV"}, actor=None)


def test_only_deciders_see_the_screen_and_decide(grassroots, province):
    cycle, found = grassroots
    with pytest.raises(Http404):
        screens.screen(
            cycle=cycle, unit=province.commune_a, group="members", user=province.users["member"]
        )
    with pytest.raises(PermissionDenied):
        finalizing.finalize(
            cycle=cycle, rows={found["Hà"].pk: "HTTNV"}, actor=province.users["staff_b"]
        )


def test_a_stale_page_is_refused(grassroots, province):
    cycle, found = grassroots
    ha = found["Hà"]
    revision = Decision.objects.get(subject=ha).revision
    services.propose(subject=ha, tier="HTNV", reason="Sửa đề xuất", actor=None)
    with pytest.raises(ValidationError, match="tải lại|reload"):
        finalizing.finalize(
            cycle=cycle, rows={ha.pk: "HTTNV"}, revisions={ha.pk: revision}, actor=None
        )
    assert Decision.objects.get(subject=ha).state == DecisionState.PROPOSED


def test_the_screen_reads_a_fixed_number_of_queries(province):
    def count(n):
        for given in ("Xuân", "Yến", "Thu", "Uyên")[:n]:
            _member("Ngô", "Văn", given + "abcd"[n - 1], province.cell_a2)
        cycle = open_annual(province, 2024 + n)
        subjects.subjects_generate(cycle=cycle, actor=None)
        for s in Subject.objects.filter(cycle=cycle, kind=SubjectKind.PARTY_MEMBER):
            submitted(s)
        with CaptureQueriesContext(connection) as queries:
            screens.screen(cycle=cycle, unit=province.commune_a, group="members", user=None)
        return len(queries)

    assert count(1) == count(4)


def test_the_page_shows_pools_and_decides_for_the_decider(grassroots, province, client):
    cycle, found = grassroots
    url = reverse("decision-screen", kwargs={"cycle_pk": cycle.pk})
    query = f"?unit={province.commune_a.pk}&group=members"
    client.force_login(province.users["decider"])
    page = client.get(url + query)
    assert page.status_code == 200
    text = page.content.decode()
    assert POOL_VI in text and "Đỗ Thị Giang" in text
    # Deciding the screen as proposed is refused: the override box and the pool named.
    posted = {f"tier-{s.pk}": "HTTNV" for s in found.values()}
    posted[f"tier-{found['Bình'].pk}"] = "HTXSNV"
    posted |= {f"tier-{found['Cường'].pk}": "HTNV", f"tier-{found['Giang'].pk}": "HTNV"}
    refused = client.post(url + query, posted)
    assert refused.status_code == 200 and 'name="override_reason"' in refused.content.decode()
    assert not Decision.objects.filter(subject__cycle=cycle, state="decided").exists()
    done = client.post(url + query, posted | {"override_reason": "Khen thưởng đột xuất"})
    assert done.status_code == 302
    assert Decision.objects.get(subject=found["Bình"]).override_reason == "Khen thưởng đột xuất"
    client.force_login(province.users["member"])
    assert client.get(url + query).status_code == 404


def test_deciding_one_subject_htxsnv_goes_through_the_pool_check(grassroots, province):
    cycle, found = grassroots
    for name in ("Hà", "Khánh", "Lan"):
        services.decide(subject=found[name], tier="HTNV", actor=None)
    # Two HTTNV left (Cường and Giang, undecided, count as HTTNV): floor(0.2 × 2) = 0 places.
    with pytest.raises(ValidationError, match=POOL_VI):
        services.decide(subject=found["Bình"], tier="HTXSNV", actor=province.users["decider"])
    assert Decision.objects.get(subject=found["Bình"]).state == DecisionState.PROPOSED
    services.decide(subject=found["Bình"], tier="HTTNV", actor=province.users["decider"])


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999999"])
def test_a_unit_that_is_no_id_is_a_bad_request(client, province, value):
    client.force_login(province.users["decider"])
    cycle = open_annual(province, 2025)
    url = reverse("decision-screen", kwargs={"cycle_pk": cycle.pk})
    assert client.get(url, {"unit": value, "group": "members"}).status_code == 400
    assert client.get(url, {"unit": province.commune_a.pk, "group": "nobody"}).status_code == 404


def test_r2019_a_party_member_above_their_state_tier_is_capped(province):
    employ(province.members["binh"], province.agency, title="Chuyên viên")
    cycle = open_annual(province, 2021)  # R2019: party_member ≤ state tier (PM19-CAP)
    subjects.subjects_generate(cycle=cycle, actor=None)
    state = Subject.objects.get(cycle=cycle, person=province.members["binh"], track="state")
    party = members_of(cycle, ["Bình"])["Bình"]
    submitted(state)
    submitted(party)
    finalizing.finalize(cycle=cycle, rows={state.pk: "HTTNV"}, actor=None)
    services.propose(subject=party, tier="HTXSNV", actor=None)
    view = screens.screen(cycle=cycle, unit=province.cell_a1, group="members", user=None)
    (row,) = view.rows
    assert row.state_tier == "HTTNV" and [c["code"] for c in row.caps] == ["PM19-CAP"]
    with pytest.raises(ValidationError, match="CBCCVC"):
        finalizing.finalize(cycle=cycle, rows={party.pk: "HTXSNV"}, actor=None)
    finalizing.finalize(cycle=cycle, rows={party.pk: "HTTNV"}, actor=None)


def test_members_are_screened_by_their_grassroots_organization_only(grassroots, province):
    cycle, _found = grassroots
    decider = province.users["decider"]
    with pytest.raises(Http404):  # a province is no grassroots organization
        screens.screen(cycle=cycle, unit=province.province, group="members", user=decider)
    view = screens.screen(cycle=cycle, unit=province.cell_a2, group="members", user=decider)
    assert view.scope == province.commune_a  # the cell's organization, filtered to the cell
    assert [r.subject.person.given_name for r in view.rows] == ["Cường"]


def test_collectives_decided_at_a_level_and_a_cell_with_its_member_in_one_finalize(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    view = screens.screen(cycle=cycle, unit=province.province, group="collectives", user=None)
    assert {r.subject.unit.code for r in view.rows} == {"A", "B", "PBTV"}
    # Cell A2 and its only member, Cường, in one finalize: the member is decided first.
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a2, person__isnull=True)
    cuong = members_of(cycle, ["Cường"])["Cường"]
    submitted(cell)
    submitted(cuong)
    rows = {cell.pk: "HTTNV", cuong.pk: "HTTNV"}
    assert [d.subject_id for d in finalizing.finalize(cycle=cycle, rows=rows, actor=None)] == [
        cuong.pk,
        cell.pk,
    ]


def test_the_engine_ranks_by_the_stored_rank_key_and_old_results_are_evaluated_again(province):
    from kiemdiem.reviews.models import SelfReview
    from kiemdiem.testing import FULL_2025

    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    found = members_of(cycle, ["Bình", "Cường"])
    for name, general in (("Bình", "26"), ("Cường", "29")):
        review = reviews.review_start(subject=found[name], actor=None)
        rating = {**FULL_2025, "fact.general_score": general}
        reviews.review_submit(
            review=review,
            content={**WRITTEN, "xep_loai": rating},
            proposed_tier="HTXSNV",
            actor=None,
        )
    stored = SelfReview.objects.get(subject=found["Cường"]).engine_result
    assert stored["tier"] == "HTXSNV" and stored["pool"] == "similar_role"
    assert stored["rank_key"][0] == "94"  # the score first (R2025 rank_by)

    def ranking():
        view = screens.screen(cycle=cycle, unit=province.commune_a, group="members", user=None)
        (pool,) = view.pools
        return [view_name for _place, view_name, _kept in pool.ranked]

    assert ranking() == ["Lê Văn Cường", "Trần Thị Bình"]  # 94 points before 91
    # A result stored before the rank key was kept (an empty key would sort first): evaluated
    # again for that subject.
    binh = SelfReview.objects.get(subject=found["Bình"]).engine_result
    old = {k: v for k, v in binh.items() if k not in ("pool", "pool_key", "rank_key")}
    SelfReview.objects.filter(subject=found["Bình"]).update(engine_result=old)
    assert ranking() == ["Lê Văn Cường", "Trần Thị Bình"]


def test_a_reopened_rating_is_decided_again_on_the_screen_even_in_a_closed_cycle(
    grassroots, province
):
    cycle, found = grassroots
    ha = found["Hà"]
    finalizing.finalize(cycle=cycle, rows={ha.pk: "HTTNV"}, actor=None)
    services.reopen(subject=ha, reason="Khiếu nại được thụ lý", actor=None)
    cycle.__class__.objects.filter(pk=cycle.pk).update(status="closed")
    with pytest.raises(ValidationError, match="lý do|reason"):
        finalizing.finalize(cycle=cycle, rows={ha.pk: "HTNV"}, actor=None)
    (decision,) = finalizing.finalize(
        cycle=cycle, rows={ha.pk: "HTNV"}, reason="Giữ kết luận kiểm tra", actor=None
    )
    assert (decision.state, decision.tier) == ("redecided", "HTNV")
    with pytest.raises(ValidationError, match="đã đóng|closed"):  # a fresh row: refused
        finalizing.finalize(cycle=cycle, rows={found["Lan"].pk: "HTTNV"}, actor=None)
