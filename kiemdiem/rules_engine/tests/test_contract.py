"""The rule tables of regulations.md §16 are the contract: every row is in the right pack, with
the right threshold and the confidence tag of the table ([V] → verified, [P] → partly_verified,
[M]/[L] → unverified).

Each row below quotes the table's wording; the expected tags and thresholds are copied from the
table, not from the packs. A pack rule that implements part of a row carries the row's tag unless
the row itself splits it (e.g. "V (last clause P)").
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from kiemdiem.rules_engine import load_pack

V, P, M = "verified", "partly_verified", "unverified"

# (§16 id, wording of the table, pack, kind, {pack rule id: expected confidence})
RULES = [
    # §16.2 R2019 — party member
    (
        "PM19-X0",
        "exempt_from_activity or suspended ⇒ NOT_RATED | V",
        "R2019",
        "party_member",
        {"PM19-X0": V},
    ),
    (
        "PM19-K1",
        "degradation_concluded ⇒ KHTNV | V (HD 16)",
        "R2019",
        "party_member",
        {"PM19-K1": V},
    ),
    (
        "PM19-K2",
        "task_completion_pct < 50 ⇒ KHTNV | V (HD 16)",
        "R2019",
        "party_member",
        {"PM19-K2": V},
    ),
    (
        "PM19-K3",
        "is_cbccvc and state_tier == KHTNV ⇒ KHTNV | V (HD 16)",
        "R2019",
        "party_member",
        {"PM19-K3": V},
    ),
    (
        "PM19-K4",
        "disciplined_in_year ⇒ KHTNV (each violation counted once) | V (HD 16, HD 21)",
        "R2019",
        "party_member",
        {"PM19-K4": V},
    ),
    (
        "PM19-K5",
        "any criterion == K ⇒ KHTNV (does not reach HTNV) | M",
        "R2019",
        "party_member",
        {"PM19-K5": M},
    ),
    (
        "PM19-A",
        "all political-task criteria == XS and all other criteria ≥ T and (not is_cbccvc "
        "or state_tier == HTXSNV) ⇒ eligible HTXSNV | V",
        "R2019",
        "party_member",
        {"PM19-A1": V, "PM19-A2": V, "PM19-A3": V},
    ),
    (
        "PM19-B",
        "all criteria ≥ T and (not is_cbccvc or state_tier ≥ HTTNV) ⇒ HTTNV | M",
        "R2019",
        "party_member",
        {"PM19-B1": M, "PM19-B2": M},
    ),
    (
        "PM19-C",
        "all basic criteria ≥ TB and (not is_cbccvc or state_tier ≥ HTNV) ⇒ HTNV | M",
        "R2019",
        "party_member",
        {"PM19-C1": M, "PM19-C2": M},
    ),
    # §16.3 R2019 — party organization
    (
        "PO19-A",
        "key criteria == XS, others ≥ T, all children ≥ HTNV, share(children ≥ HTTNV) ≥ "
        "0.80, all same-level bodies ≥ HTTNV ⇒ eligible HTXSNV | V",
        "R2019",
        "dang_bo",
        {"PO19-A1": V, "PO19-A2": V, "PO19-A3": V},
    ),
    (
        "PO19-B",
        "criteria ≥ T, all children ≥ HTNV, share(children ≥ HTTNV) ≥ 2/3, same-level "
        "bodies ≥ HTNV ⇒ HTTNV | M",
        "R2019",
        "dang_bo",
        {"PO19-B1": M, "PO19-B2": M, "PO19-B3": M},
    ),
    ("PO19-C", "basic criteria ≥ TB ⇒ HTNV | M", "R2019", "dang_bo", {"PO19-C1": M}),
    (
        "PO19-K",
        "otherwise / organization disciplined / disunity concluded ⇒ KHTNV | M",
        "R2019",
        "dang_bo",
        {"PO19-K1": M},
    ),
    # §16.4 R2019 — leadership collective and leader
    (
        "LC19-K1",
        "disunity concluded, or a member concluded degraded ⇒ KHTNV | V",
        "R2019",
        "leadership_collective",
        {"LC19-K1": V},
    ),
    (
        "LC19-K2",
        "unit led < 50% of targets and key targets < 100%, not force majeure ⇒ KHTNV | V",
        "R2019",
        "leadership_collective",
        {"LC19-K2": V},
    ),
    (
        "LC19-K3",
        "the collective disciplined ⇒ KHTNV | V",
        "R2019",
        "leadership_collective",
        {"LC19-K3": V},
    ),
    (
        "LC19-K4",
        "a member disciplined with cảnh cáo or heavier in the year (counted once) ⇒ KHTNV | V",
        "R2019",
        "leadership_collective",
        {"LC19-K4": V},
    ),
    (
        "LC19-A",
        "key criteria == XS, others ≥ T ⇒ eligible HTXSNV | V",
        "R2019",
        "leadership_collective",
        {"LC19-A": V},
    ),
    (
        "LC19-CAP",
        "tier(LC) ≤ tier(organization/agency/unit led) | V",
        "R2019",
        "leadership_collective",
        {"LC19-CAP": V},
    ),
    (
        "LD19-CAP",
        "tier(head) ≤ tier(collective/organization/unit headed); head rated after the unit | V",
        "R2019",
        "head",
        {"LD19-CAP": V, "LD19-R2": V},
    ),
    # §16.5 R2023 — QĐ 124 (Art. 12)
    (
        "IN23-K1",
        "degradation / self-evolution / self-transformation concluded ⇒ KHTNV | V",
        "R2023",
        "party_member",
        {"IN23-K1": V},
    ),
    (
        "IN23-K2",
        "violated any of the 19 prohibitions, or exemplary responsibility with "
        "reputational harm ⇒ KHTNV | V",
        "R2023",
        "party_member",
        {"IN23-K2": V},
    ),
    (
        "IN23-K3",
        "disciplined in the evaluation year and not (self-detected and remedied) ⇒ KHTNV | V",
        "R2023",
        "party_member",
        {"IN23-K3": V},
    ),
    (
        "IN23-K4",
        "pct_tasks_done < 50 (leaders: their area < 50% with key targets missed, not "
        "force majeure) ⇒ KHTNV | V",
        "R2023",
        "leader",
        {"IN23-K4": V},
    ),
    ("IN23-K5", "any criterion == K ⇒ KHTNV | V", "R2023", "party_member", {"IN23-K5": V}),
    (
        "IN23-A",
        "all criteria ≥ T, task-result criteria == XS with products, pct_tasks_done == 100 "
        "and on_time_quality and pct_tasks_exceeded ≥ 50 ⇒ eligible HTXSNV | V",
        "R2023",
        "party_member",
        {"IN23-A1": V, "IN23-A2": V, "IN23-A3": V},
    ),
    (
        "LD23-A",
        "IN23-A + exemplary + area in charge completes all targets with ≥ 50% basic "
        "targets exceeded (+ subordinate-unit condition, unverified) | P",
        "R2023",
        "leader",
        {"LD23-A4": P, "LD23-A5": M},
    ),
    (
        "CO23-K1",
        "a subordinate unit had corruption/waste/negativity disciplined, not "
        "self-detected & remedied ⇒ KHTNV | V",
        "R2023",
        "dang_bo",
        {"CO23-K1": V},
    ),
    (
        "CO23-K2",
        "< 50% of targets and key targets missed, not force majeure ⇒ KHTNV | V",
        "R2023",
        "dang_bo",
        {"CO23-K2": V},
    ),
    (
        "CO23-K3",
        "leadership collective disciplined, or subunits_disciplined / subunits > 0.20 ⇒ KHTNV | V",
        "R2023",
        "dang_bo",
        {"CO23-K3": V},
    ),
    (
        "LC23-K1",
        "disunity concluded, or a member degraded ⇒ KHTNV | V",
        "R2023",
        "leadership_collective",
        {"LC23-K1": V},
    ),
    (
        "LC23-K2",
        "the collective or any member disciplined in the year (not self-detected & "
        "remedied) ⇒ KHTNV | V",
        "R2023",
        "leadership_collective",
        {"LC23-K2": V},
    ),
    (
        "CO23-A",
        "all criteria ≥ T, task results == XS, no subordinate unit and no leadership "
        "member disciplined ⇒ eligible HTXSNV | V",
        "R2023",
        "dang_bo",
        {"CO23-A1": V, "CO23-A2": V},
    ),
    (
        "ALL23-B/C",
        "HTTNV: criteria ≥ T …; HTNV: criteria ≥ TB … | M",
        "R2023",
        "party_member",
        {"IN23-B1": M, "IN23-B2": M, "IN23-C1": M},
    ),
    (
        "ORD23",
        "order: state/professional/mass orgs → party; lower → higher; collective → "
        "members; unit → head | V",
        "R2023",
        "head",
        {"ORD23-HEAD": V, "ORD23-STATE": V},
    ),
    # §16.6 R2025 — QĐ 366 (Art. 11)
    ("X25-K0", "score < 50 ⇒ KHTNV | V", "R2025", "party_member", {"X25-K0": V}),
    (
        "X25-K1..n",
        "disqualifying cases (degradation, 19 prohibitions, exemplary responsibility, "
        "discipline in year…) ⇒ KHTNV | P (mirror NĐ 335)",
        "R2025",
        "party_member",
        {"X25-K1": P, "X25-K2": P, "X25-K3": P},
    ),
    (
        "CO25-A",
        "score ≥ 90 and pct_tasks_done == 100 and on_time_quality and pct_tasks_exceeded "
        "≥ 30 and not subunit_or_member_disciplined and shortcomings_remedied_pct == 100 ⇒ eligible "
        "HTXSNV | V (last clause P)",
        "R2025",
        "dang_bo",
        {"CO25-A1": V, "CO25-A2": V, "CO25-A3": V, "CO25-A4": P},
    ),
    (
        "LD25-A",
        "score ≥ 90 and individual conditions and area_pct_done == 100 and "
        "area_pct_exceeded ≥ 30 and shortcomings_remedied_pct == 100 ⇒ eligible HTXSNV | V/P",
        "R2025",
        "leader",
        {"IN25-A1": V, "LD25-A5": V, "IN25-A4": P},
    ),
    (
        "IN25-A",
        "score ≥ 90 and pct_tasks_done == 100 and on_time_quality and pct_tasks_exceeded "
        "≥ 30 and shortcomings_remedied_pct == 100 ⇒ eligible HTXSNV | V/P",
        "R2025",
        "party_member_outside",
        {"IN25-A1": V, "IN25-A2": V, "IN25-A3": V, "IN25-A4": P},
    ),
    (
        "ALL25-B",
        "70 ≤ score … and pct_tasks_done == 100 and on_time_quality (leaders: area 100% "
        "on time & quality) ⇒ HTTNV | V",
        "R2025",
        "leader",
        {"ALL25-B1": V, "ALL25-B2": V, "LD25-B3": V},
    ),
    (
        "CO25-C",
        "50 ≤ score and pct_tasks_done == 100 and pct_tasks_late ≤ 20 ⇒ HTNV | V",
        "R2025",
        "chi_bo",
        {"CO25-C1": V, "CO25-C2": V},
    ),
    (
        "IN25-C",
        "50 ≤ score and (conditions for individuals, presumed similar) ⇒ HTNV | P",
        "R2025",
        "party_member",
        {"IN25-C1": V, "IN25-C2": P},
    ),
    (
        "Q25-1",
        "leaders: quarterly ratings for Q1–Q3; no Q4 rating; year-end uses Q1–Q3 ratings "
        "+ Q4 results | V",
        "R2025",
        "head",
        {"Q25-1": V},
    ),
    # §16.7 NĐ 335
    (
        "S335-T",
        "tier by score: ≥ 90 HTXSNV; [70, 90) HTTNV; [50, 70) HTNV; < 50 KHTNV (no "
        "rounding up) | V",
        "ND335",
        "cong_chuc",
        {"S335-T4": V, "S335-T3": V, "S335-T2": V, "S335-K0": V},
    ),
    (
        "S335-K1",
        "degradation etc. concluded, or violation of the 19 prohibitions / exemplary "
        "responsibility with reputational harm ⇒ KHTNV | V",
        "ND335",
        "cong_chuc",
        {"S335-K1": V},
    ),
    (
        "S335-K2",
        "disciplined ≥ khiển trách in the evaluation year for a duty-related violation ⇒ KHTNV | V",
        "ND335",
        "cong_chuc",
        {"S335-K2": V},
    ),
    (
        "S335-K3",
        "leader whose unit is involved in embezzlement/corruption/waste and handled by "
        "law ⇒ KHTNV | V",
        "ND335",
        "cong_chuc_leader",
        {"S335-K3": V},
    ),
    # §16.8 NĐ 90 + NĐ 48
    (
        "S90-A-nonmgr",
        "general criteria good, 100% tasks on time/quality, ≥ 50% exceeded ⇒ HTXSNV | V",
        "ND90-48",
        "vien_chuc",
        {"S90-A1": V, "S90-A2": V},
    ),
    (
        "S90-A-mgr",
        "+ unit completes all targets, ≥ 50% exceeded; 100% subordinate units ≥ HTNV "
        "and ≥ 70% HTTNV+ ⇒ HTXSNV | V",
        "ND90-48",
        "cong_chuc_leader",
        {"S90-A3": V, "S90-A4": V},
    ),
    (
        "S90-B-nonmgr",
        "100% tasks on time/quality ⇒ HTTNV | V (viên chức)",
        "ND90-48",
        "vien_chuc",
        {"S90-B2": V},
    ),
    (
        "S90-B-mgr",
        "unit all targets, ≥ 80% on time/quality; 100% subunits ≥ HTNV, ≥ 70% HTTNV+ ⇒ HTTNV | V",
        "ND90-48",
        "vien_chuc_manager",
        {"S90-B3": V, "S90-B4": V},
    ),
    (
        "S90-C / S90-K",
        "≤ 20% of task criteria late/poor ⇒ HTNV; > 50% late/poor, degradation, "
        "duty-related discipline ⇒ KHTNV | M",
        "ND90-48",
        "cong_chuc_leader",
        {"S90-C2": M, "S90-C3": M, "S90-K1": M, "S90-K2": M, "S90-K3": M, "S90-K4": M},
    ),
]


@pytest.mark.parametrize(
    ("row", "wording", "pack_id", "kind", "expected"), RULES, ids=[r[0] for r in RULES]
)
def test_section_16_rule_present_with_its_tag(row, wording, pack_id, kind, expected):
    rules = {r.id: r for r in load_pack(pack_id).kinds[kind].rules}
    for rule_id, confidence in expected.items():
        assert rule_id in rules, f"{row} ({wording}): {rule_id} missing in {pack_id}/{kind}"
        rule = rules[rule_id]
        assert rule.confidence == confidence, f"{row} ({wording}): {rule_id} is {rule.confidence}"
        assert rule.source.doc and rule.source.clause


# (§16 id, wording, pack, parameter, value, confidence)
PARAMS = [
    ("PM19-K2", "task_completion_pct < 50", "R2019", "k_task_pct", Decimal(50), V),
    ("PO19-A", "share(children ≥ HTTNV) ≥ 0.80", "R2019", "htxs_share_children", Fraction(4, 5), V),
    (
        "PO19-B",
        "share(children ≥ HTTNV) ≥ 2/3 | M",
        "R2019",
        "htt_share_children",
        Fraction(2, 3),
        M,
    ),
    ("IN23-A", "pct_tasks_exceeded ≥ 50", "R2023", "htxs_exceed_pct", Decimal(50), V),
    ("IN23-K4", "pct_tasks_done < 50", "R2023", "k_task_pct", Decimal(50), V),
    (
        "CO23-K3",
        "subunits_disciplined / subunits > 0.20",
        "R2023",
        "subunits_disciplined_share",
        Decimal("0.20"),
        V,
    ),
    ("IN25-A", "score ≥ 90", "R2025", "htxs_min_score", Decimal(90), V),
    ("ALL25-B", "70 ≤ score", "R2025", "htt_min_score", Decimal(70), V),
    ("X25-K0", "score < 50", "R2025", "ht_min_score", Decimal(50), V),
    ("CO25-A", "pct_tasks_exceeded ≥ 30", "R2025", "htxs_exceed_pct", Decimal(30), V),
    ("CO25-C", "pct_tasks_late ≤ 20", "R2025", "ht_max_late_pct", Decimal(20), V),
    ("S335-T", "≥ 90 HTXSNV", "ND335", "htxs_min_score", Decimal(90), V),
    ("S335-T", "[70, 90) HTTNV", "ND335", "htt_min_score", Decimal(70), V),
    ("S335-T", "[50, 70) HTNV; < 50 KHTNV", "ND335", "ht_min_score", Decimal(50), V),
    (
        "S335-M",
        "quality −25% per failed assessment with major error; progress −25% per delay",
        "ND335",
        "nd335_deduction_pct",
        Decimal(25),
        V,
    ),
    ("S90-A-nonmgr", "≥ 50% exceeded", "ND90-48", "htxs_exceed_pct", Decimal(50), V),
    ("S90-A-mgr", "≥ 70% HTTNV+", "ND90-48", "mgr_subunits_htt_share", Fraction(7, 10), V),
    ("S90-B-mgr", "≥ 80% on time/quality", "ND90-48", "mgr_htt_on_time_pct", Decimal(80), V),
    (
        "S90-C",
        "≤ 20% of task criteria late/poor ⇒ HTNV | M",
        "ND90-48",
        "ht_max_late_pct",
        Decimal(20),
        M,
    ),
    ("S90-K", "> 50% late/poor ⇒ KHTNV | M", "ND90-48", "k_late_pct", Decimal(50), M),
]


@pytest.mark.parametrize(
    ("row", "wording", "pack_id", "param", "value", "confidence"),
    PARAMS,
    ids=[f"{p[0]}-{p[3]}" for p in PARAMS],
)
def test_section_16_threshold(row, wording, pack_id, param, value, confidence):
    spec = load_pack(pack_id).params[param]
    assert spec.value == value, f"{row} ({wording})"
    assert spec.confidence == confidence, f"{row} ({wording})"


# (§16 id, wording, pack, pool, share, confidence)
POOLS = [
    (
        "PM19-Q",
        "pool = TCCSĐ; count(HTXSNV) ≤ floor(0.20 × count(HTTNV)) else flag | V",
        "R2019",
        "tccsd",
        V,
    ),
    (
        "PO19-Q",
        "pool = organizations of the same type under the deciding level; ≤ 20% of HTTNV | P",
        "R2019",
        "party_orgs_same_type",
        P,
    ),
    (
        "LC19-Q",
        "pool = collectives of the same type under the province or district; ≤ 20% of HTTNV | V",
        "R2019",
        "collectives_same_type",
        V,
    ),
    (
        "LD19-Q",
        "pool = equivalent titles per level/sector; ≤ 20% of HTTNV | V",
        "R2019",
        "leaders_equivalent",
        V,
    ),
    (
        "ALL23-Q",
        "≤ 20% of HTTNV per group of similar position/role | P",
        "R2023",
        "similar_role",
        P,
    ),
    (
        "ALL25-Q",
        "pool = group of similar position/role/function; ≤ 20% of HTTNV | P",
        "R2025",
        "similar_role",
        P,
    ),
    (
        "S335-Q",
        "pool = same agency and group of similar tasks: count(HTXSNV) ≤ 20% × "
        "count(HTTNV); exception for outstanding organizations | V / P",
        "ND335",
        "same_agency_similar_tasks",
        P,
    ),
]


@pytest.mark.parametrize(
    ("row", "wording", "pack_id", "pool", "confidence"), POOLS, ids=[p[0] for p in POOLS]
)
def test_section_16_quota_pool(row, wording, pack_id, pool, confidence):
    """§15.2 default: floor(0.2 × count(tier == HTTNV))."""
    spec = load_pack(pack_id).pools[pool]
    assert (spec.share, spec.denominator, spec.rounding) == (Fraction(1, 5), "httnv", "floor")
    assert spec.confidence == confidence, f"{row} ({wording})"


def test_s48_sync_is_verified_and_separate_from_the_20_percent_share():
    """§16.8 S48-SYNC: share(HTXSNV among CBCCVC in unit & group) ≤ share(HTXSNV among party
    members) | V — while the 20 % quota of NĐ 90 itself is [M/P] (§12.1)."""
    pool = load_pack("ND90-48").pools["similar_tasks"]
    assert pool.cross_track == "party_share"
    assert pool.cross_track_confidence == V
    assert pool.cross_track_source is not None and pool.cross_track_source.doc == "ND48"
    assert pool.confidence == P


def test_fallbacks_follow_the_tables():
    """§16.3 PO19-K "otherwise … ⇒ KHTNV"; §16.6 ALL25-GAP "score ≥ 50 but no tier's conditions
    hold ⇒ flag for the competent level (text does not say; do not guess)"."""
    assert load_pack("R2019").on_no_tier == "khtnv"
    assert load_pack("R2025").on_no_tier == "flag"


def test_quarterly_periods_of_hd43():
    """§16.6 Q25-1: leaders: quarterly ratings for Q1–Q3; no Q4 rating."""
    pack = load_pack("R2025")
    for kind in ("leader", "head"):
        assert set(pack.kinds[kind].periods) == {"Q1", "Q2", "Q3", "year"}
    assert pack.kinds["party_member"].periods == ("year",)
