"""Examples built from the regulations' own wording (shared/domain/regulations.md), per regime.

Each test quotes (in its docstring) the rule it checks; expected tiers come from that text,
not from the engine's output.
"""

from __future__ import annotations

import pytest

from kiemdiem.rules_engine import NOT_RATED, UNDETERMINED, InputError, Tier, evaluate

from .helpers import (
    ND90_GENERAL,
    R2019_LC_CRITERIA,
    R2019_LEADER_EXTRA,
    R2019_ORG_CRITERIA,
    R2019_PM_CRITERIA,
    R2023_ORG_CRITERIA,
    R2023_PM_CRITERIA,
    levels,
    subject,
)

# ---------------------------------------------------------------------------------------------
# R2019 — QĐ 132 + HD 21


def pm19(**facts):
    crit = facts.pop("criteria", levels(R2019_PM_CRITERIA, "T", ket_qua_nhiem_vu="XS"))
    base = {"pct_tasks_done": 100}
    base.update(facts)
    return subject("party_member", criteria=crit, facts=base)


def test_r2019_htxsnv_political_task_xs_others_good(r2019):
    """HD 21: all criteria on the political task results are XS and all other criteria ≥ T."""
    r = evaluate(r2019, pm19())
    assert r.tier == Tier.HTXSNV


def test_r2019_cbccvc_must_be_htxsnv_as_cbccvc(r2019):
    """HD 21: a member who is CBCCVC must have been rated HTXSNV as CBCCVC."""
    r = evaluate(r2019, pm19(is_cbccvc=True, state_tier="HTTNV"))
    assert r.tier == Tier.HTTNV
    failed = [s.rule_id for s in r.trace if s.stage == "tier" and s.held is False]
    assert "PM19-A3" in failed


def test_r2019_cbccvc_khtnv_as_cbccvc_is_khtnv(r2019):
    """HD 16: member who is CBCCVC rated KHTNV as CBCCVC ⇒ KHTNV."""
    r = evaluate(r2019, pm19(is_cbccvc=True, state_tier="KHTNV"))
    assert (r.tier, r.decided_by) == (Tier.KHTNV, "PM19-K3")


def test_r2019_under_half_of_targets_is_khtnv(r2019):
    """HD 16: completed < 50% of assigned targets/tasks in the year ⇒ KHTNV."""
    assert evaluate(r2019, pm19(pct_tasks_done="49.99")).tier == Tier.KHTNV
    assert evaluate(r2019, pm19(pct_tasks_done=50)).tier == Tier.HTXSNV


def test_r2019_discipline_counts_once(r2019):
    """HD 16/21: disciplined during the year ⇒ KHTNV; one violation counts only once."""
    assert evaluate(r2019, pm19(disciplined_in_year=True)).tier == Tier.KHTNV
    r = evaluate(r2019, pm19(disciplined_in_year=True, discipline_already_counted=True))
    assert r.tier == Tier.HTXSNV


@pytest.mark.parametrize("flag", ["exempt_from_activity", "suspended"])
def test_r2019_exempt_and_suspended_not_rated(r2019, flag):
    """§2: members suspended or exempted from party work and activities are not rated."""
    r = evaluate(r2019, pm19(**{flag: True}))
    assert r.status == NOT_RATED and r.tier is None


def test_r2019_cbccvc_rating_first(r2019):
    """HD 21 procedure 3: a member who is CBCCVC is rated after the CBCCVC rating is known."""
    with pytest.raises(InputError) as err:
        evaluate(r2019, pm19(is_cbccvc=True))
    assert err.value.code == "rules.E110"


def _head19(unit_tier):
    crit = levels(R2019_PM_CRITERIA + R2019_LEADER_EXTRA, "XS")
    facts = {"pct_tasks_done": 100, "area_pct_on_time": 90, "subunits": {"HTTNV": 4}}
    if unit_tier:
        facts["unit_tier"] = unit_tier
    return subject("head", criteria=crit, facts=facts)


def test_r2019_head_may_not_exceed_unit(r2019):
    """HD 21 §II.B.4: the head's tier may not exceed the tier of the unit he or she heads."""
    r = evaluate(r2019, _head19("HTTNV"))
    assert (r.raw_tier, r.tier, r.decided_by) == (Tier.HTXSNV, Tier.HTTNV, "LD19-CAP")
    cap = next(s for s in r.trace if s.rule_id == "LD19-CAP")
    assert cap.note_code == "trace.cap.applied"


def test_r2019_head_rated_after_unit(r2019):
    """HD 21: after the unit is rated, rate the head."""
    with pytest.raises(InputError) as err:
        evaluate(r2019, _head19(None))
    assert err.value.code == "rules.E110"


def _lc19(**facts):
    base = {"area_pct_done": 100, "key_pct_done": 100}
    base.update(facts)
    return subject(
        "leadership_collective",
        criteria=levels(R2019_LC_CRITERIA, "T", xay_dung_dang="XS", lanh_dao_nhiem_vu="XS"),
        facts=base,
    )


def test_r2019_collective_member_warning_or_above(r2019):
    """HD 21 §II.B.3: a member disciplined at "cảnh cáo" or above ⇒ KHTNV (counted once)."""
    assert evaluate(r2019, _lc19(member_max_discipline="CANH_CAO")).tier == Tier.KHTNV
    assert evaluate(r2019, _lc19(member_max_discipline="KHAI_TRU")).tier == Tier.KHTNV
    assert evaluate(r2019, _lc19(member_max_discipline="KHIEN_TRACH")).tier == Tier.HTXSNV
    r = evaluate(
        r2019, _lc19(member_max_discipline="CANH_CAO", member_discipline_already_counted=True)
    )
    assert r.tier == Tier.HTXSNV


def test_r2019_collective_targets_force_majeure(r2019):
    """HD 21 §II.B.3: unit < 50% of targets and key targets < 100% (force majeure excepted)."""
    assert evaluate(r2019, _lc19(area_pct_done=40, key_pct_done=90)).tier == Tier.KHTNV
    r = evaluate(r2019, _lc19(area_pct_done=40, key_pct_done=90, force_majeure=True))
    assert r.tier == Tier.HTXSNV
    assert evaluate(r2019, _lc19(area_pct_done=40, key_pct_done=100)).tier == Tier.HTXSNV


def test_r2019_collective_capped_by_unit(r2019):
    """HD 21 §II.B.3: the collective's tier may not exceed the tier of the unit it leads."""
    r = evaluate(r2019, _lc19(unit_tier="HTNV"))
    assert r.tier == Tier.HTNV


def test_r2019_collective_cap_missing_is_flagged(r2019):
    r = evaluate(r2019, _lc19())
    assert "rules.F003" in [f.code for f in r.flags]


def _chi_bo(members, same_level=None):
    return subject(
        "chi_bo",
        criteria=levels(R2019_ORG_CRITERIA, "T", xay_dung_dang="XS", lanh_dao_nhiem_vu="XS"),
        facts={"children": members, "same_level": same_level or {"HTTNV": 3}},
    )


def test_r2019_chi_bo_htxsnv_needs_80_percent_members_htt(r2019):
    """HD 21 §II.B.1.3: chi bộ — 100% of members ≥ HTNV and ≥ 80% ≥ HTTNV; same-level ≥ HTTNV."""
    assert evaluate(r2019, _chi_bo({"HTTNV": 8, "HTNV": 2})).tier == Tier.HTXSNV
    # 79 % (at least 2/3): HTTNV at most.
    assert evaluate(r2019, _chi_bo({"HTTNV": 79, "HTNV": 21})).tier == Tier.HTTNV
    # one member KHTNV: not 100% ≥ HTNV.
    assert evaluate(r2019, _chi_bo({"HTTNV": 9, "KHTNV": 1})).tier != Tier.HTXSNV
    # same-level body only HTNV.
    r = evaluate(r2019, _chi_bo({"HTXSNV": 10}, {"HTTNV": 2, "HTNV": 1}))
    assert r.tier == Tier.HTTNV


# ---------------------------------------------------------------------------------------------
# R2023 — QĐ 124 + HD 25


def pm23(**facts):
    crit = facts.pop("criteria", levels(R2023_PM_CRITERIA, "T", ket_qua_nhiem_vu="XS"))
    base = {
        "pct_tasks_done": 100,
        "on_time_quality": True,
        "pct_tasks_exceeded": 50,
        "products_proven": True,
    }
    base.update(facts)
    return subject("party_member", criteria=crit, facts=base)


def test_r2023_htxsnv_half_exceeded(r2023):
    """QĐ 124 Art. 12: 100% of targets on time with quality, ≥ 50% exceeded; task criteria XS."""
    assert evaluate(r2023, pm23()).tier == Tier.HTXSNV
    assert evaluate(r2023, pm23(pct_tasks_exceeded="49.99")).tier == Tier.HTTNV
    assert evaluate(r2023, pm23(products_proven=False)).tier == Tier.HTTNV


def test_r2023_reprimand_in_year_is_khtnv_unless_self_detected(r2023):
    """Art. 12 §4.3(d): a reprimand in the year ⇒ KHTNV, unless self-detected and remedied."""
    assert evaluate(r2023, pm23(disciplined_in_year=True)).tier == Tier.KHTNV
    r = evaluate(r2023, pm23(disciplined_in_year=True, self_detected_and_remedied=True))
    assert r.tier == Tier.HTXSNV


def test_r2023_prohibitions_and_kem(r2023):
    """Art. 12 §4: violating the things members must not do, or any criterion Kém ⇒ KHTNV."""
    assert evaluate(r2023, pm23(violated_prohibitions=True)).decided_by == "IN23-K2"
    crit = levels(R2023_PM_CRITERIA, "XS", y_thuc_ky_luat="K")
    assert evaluate(r2023, pm23(criteria=crit)).decided_by == "IN23-K5"


def _org23(**facts):
    base = {"pct_tasks_done": 100, "subunits_count": 10}
    base.update(facts)
    return subject(
        "dang_bo", criteria=levels(R2023_ORG_CRITERIA, "T", ket_qua_nhiem_vu="XS"), facts=base
    )


def test_r2023_more_than_20_percent_subunits_disciplined(r2023):
    """Art. 12 §4: > 20% of subordinate units disciplined in the year ⇒ KHTNV."""
    assert evaluate(r2023, _org23(subunits_disciplined_count=3)).tier == Tier.KHTNV
    r = evaluate(r2023, _org23(subunits_disciplined_count=2))
    assert r.tier == Tier.HTTNV  # exactly 20 %: not KHTNV, but no HTXSNV (a unit disciplined)


def test_r2023_htxsnv_org_no_subunit_disciplined(r2023):
    """Art. 12 §1: no subordinate unit and no member of the leadership collective disciplined."""
    assert evaluate(r2023, _org23()).tier == Tier.HTXSNV
    assert evaluate(r2023, _org23(leadership_member_disciplined=True)).tier == Tier.HTTNV


def test_r2023_targets_force_majeure(r2023):
    """Art. 12 §4: < 50% of targets and key targets missed, force majeure excepted."""
    assert evaluate(r2023, _org23(pct_tasks_done=45, key_targets_missed=True)).tier == Tier.KHTNV
    r = evaluate(r2023, _org23(pct_tasks_done=45, key_targets_missed=True, force_majeure=True))
    assert r.tier != Tier.KHTNV


def test_r2023_leadership_collective_member_disciplined(r2023):
    """Art. 12 §4: the collective or any member disciplined in the year ⇒ KHTNV."""
    s = _org23(leadership_member_disciplined=True)
    s["kind"] = "leadership_collective"
    assert evaluate(r2023, s).decided_by == "LC23-K2"


# ---------------------------------------------------------------------------------------------
# R2025 — QĐ 366 + HD 43 + KL 198


def pm25(kind="party_member", **facts):
    base = {
        "general_score": 28,
        "task_score": 65,
        "pct_tasks_done": 100,
        "on_time_quality": True,
        "pct_tasks_exceeded": 30,
        "shortcomings_remedied_pct": 100,
    }
    base.update(facts)
    period = base.pop("period", "year")
    return subject(kind, facts=base, period=period)


def test_r2025_htxsnv_at_90_with_30_percent_exceeded(r2025):
    """Art. 11 §1: ≥ 90 points, 100% of tasks on time with quality, ≥ 30% exceeded."""
    r = evaluate(r2025, pm25(general_score=25, task_score=65))
    assert r.tier == Tier.HTXSNV
    assert evaluate(r2025, pm25(pct_tasks_exceeded="29.99")).tier == Tier.HTTNV


def test_r2025_bands_never_round_up(r2025):
    """Art. 11: 70 ≤ score < 90 is HTTNV — 89.99 is not 90."""
    assert evaluate(r2025, pm25(general_score="24.99", task_score=65)).tier == Tier.HTTNV
    r = evaluate(r2025, pm25(general_score=20, task_score="49.99", pct_tasks_late=0))
    assert r.tier == Tier.HTNV  # 69.99


def test_r2025_below_50_is_khtnv(r2025):
    """Art. 11 §4: score < 50 ⇒ KHTNV."""
    r = evaluate(r2025, pm25(general_score=20, task_score="29.99"))
    assert (r.tier, r.decided_by) == (Tier.KHTNV, "X25-K0")


def test_r2025_score_given_directly_or_derived(r2025):
    s = pm25()
    del s["facts"]["general_score"], s["facts"]["task_score"]
    s["facts"]["score"] = 93
    assert evaluate(r2025, s).tier == Tier.HTXSNV
    with pytest.raises(InputError) as err:
        evaluate(r2025, pm25(score=80))  # 28 + 65 = 93 ≠ 80
    assert err.value.code == "rules.E109"


def _col25(**facts):
    base = {
        "general_score": 20,
        "task_score": 40,
        "pct_tasks_done": 100,
        "on_time_quality": False,
        "pct_tasks_late": 20,
    }
    base.update(facts)
    return subject("chi_bo", facts=base)


def test_r2025_collective_htnv_late_at_most_20(r2025):
    """Art. 11 §3 (collectives): 50 ≤ score < 70, 100% of tasks, tasks not on schedule ≤ 20%."""
    assert evaluate(r2025, _col25()).tier == Tier.HTNV


def test_r2025_gap_is_flagged_not_guessed(r2025):
    """§16.6 ALL25-GAP: score ≥ 50 but no tier's conditions hold ⇒ the competent level decides."""
    r = evaluate(r2025, _col25(pct_tasks_late=21))
    assert r.status == UNDETERMINED and r.tier is None
    assert [f.code for f in r.flags] == ["rules.F002"]


def test_r2025_collective_htxsnv_no_discipline(r2025):
    """Art. 11 §1: no subordinate unit and no member of the leadership collective disciplined."""
    facts = {
        "general_score": 28,
        "task_score": 65,
        "on_time_quality": True,
        "pct_tasks_exceeded": 30,
        "shortcomings_remedied_pct": 100,
    }
    assert evaluate(r2025, _col25(**facts)).tier == Tier.HTXSNV
    r = evaluate(r2025, _col25(subunit_or_member_disciplined=True, **facts))
    assert r.tier == Tier.HTTNV


def test_r2025_leader_quarterly_q1_q3_only(r2025):
    """HD 43: rate Q1, Q2, Q3; no separate Q4 rating — Q4 is folded into the year."""
    area = {"area_pct_done": 100, "area_on_time_quality": True, "area_pct_exceeded": 30}
    for q in ("Q1", "Q2", "Q3"):
        assert evaluate(r2025, pm25("leader", period=q, **area)).tier == Tier.HTXSNV
    with pytest.raises(InputError) as err:
        evaluate(r2025, pm25("leader", period="Q4", **area))
    assert err.value.code == "rules.E106"
    assert "HD 43" in err.value.message("en")
    with pytest.raises(InputError):
        evaluate(r2025, pm25("party_member", period="Q1"))


def test_r2025_year_end_uses_quarters(r2025):
    """HD 43: Q1–Q3 ratings plus Q4 results are the basis for the year-end proposal."""
    area = {"area_pct_done": 100, "area_on_time_quality": True}
    r = evaluate(r2025, pm25("leader", **area))
    assert "rules.F005" in [f.code for f in r.flags]
    r = evaluate(r2025, pm25("leader", q1_tier="HTTNV", q2_tier="HTTNV", q3_tier="HTXSNV", **area))
    assert "rules.F005" not in [f.code for f in r.flags]


def test_r2025_leader_area_condition(r2025):
    """Art. 11 §1: the area directly led completed 100% of tasks with ≥ 30% exceeded."""
    area = {"area_pct_done": 100, "area_on_time_quality": True, "area_pct_exceeded": 10}
    q = {"q1_tier": "HTTNV", "q2_tier": "HTTNV", "q3_tier": "HTTNV"}
    assert evaluate(r2025, pm25("leader", **area, **q)).tier == Tier.HTTNV


def test_r2025_outside_member_same_frame(r2025):
    """QĐ 366 Phụ lục 5 / Mẫu 2C: members outside the political system are rated on 100 points."""
    assert evaluate(r2025, pm25("party_member_outside")).tier == Tier.HTXSNV


# ---------------------------------------------------------------------------------------------
# State — NĐ 335/2025


def cc335(kind="cong_chuc", **facts):
    base = {"general_score": 30, "qty_pct": 100, "quality_pct": 100, "progress_pct": 100}
    base.update(facts)
    products = base.pop("products", None)
    s = subject(kind, facts=base)
    if products is not None:
        s["products"] = products
        for k in ("qty_pct", "quality_pct", "progress_pct"):
            s["facts"].pop(k)
    return s


def test_nd335_bands_no_rounding_up(nd335):
    """NĐ 335: ≥ 90 HTXSNV; [70, 90) HTTNV; [50, 70) HTNV; < 50 KHTNV, no rounding up."""
    r = evaluate(
        nd335, cc335(general_score=20, qty_pct="99.99", quality_pct="99.99", progress_pct="99.99")
    )
    assert r.tier == Tier.HTTNV  # 20 + 99.99 × 0.7 = 89.993
    assert evaluate(nd335, cc335(general_score=20)).tier == Tier.HTXSNV  # exactly 90
    assert evaluate(nd335, cc335(general_score=0)).tier == Tier.HTTNV  # 70
    assert (
        evaluate(nd335, cc335(general_score=0, qty_pct=0, quality_pct=0, progress_pct=0)).tier
        == Tier.KHTNV
    )


def test_nd335_minus_25_percent_per_delay(nd335):
    """NĐ 335: progress −25% of that product's progress points per delay."""
    r = evaluate(nd335, cc335(products=[{"units": 1, "delays": 1}]))
    steps = {s.rule_id: dict(s.values) for s in r.trace if s.stage == "derive"}
    assert str(steps["derive:task_pct"]["progress_pct"]) == "75.00"
    r = evaluate(nd335, cc335(products=[{"units": 1, "delays": 1, "objective_cause": True}]))
    steps = {s.rule_id: dict(s.values) for s in r.trace if s.stage == "derive"}
    assert str(steps["derive:task_pct"]["progress_pct"]) == "100.00"
    # Four failed assessments: quality never below zero.
    r = evaluate(nd335, cc335(products=[{"units": 1, "failed_assessments": 5}]))
    steps = {s.rule_id: dict(s.values) for s in r.trace if s.stage == "derive"}
    assert str(steps["derive:task_pct"]["quality_pct"]) == "0.00"


def test_nd335_discipline_duty_related(nd335):
    """NĐ 335: discipline ≥ reprimand for duty-related violations in the year ⇒ KHTNV.
    An adverse fact is never presumed: discipline without the duty-related answer is not
    KHTNV, and the result says the answer is missing (F012)."""
    r = evaluate(nd335, cc335(discipline_in_year="KHIEN_TRACH", duty_related_violation=True))
    assert r.tier == Tier.KHTNV
    r = evaluate(nd335, cc335(discipline_in_year="KHIEN_TRACH", duty_related_violation=False))
    assert r.tier == Tier.HTXSNV and not r.flags
    r = evaluate(nd335, cc335(discipline_in_year="KHIEN_TRACH"))
    assert r.tier == Tier.HTXSNV
    assert [f.code for f in r.flags] == ["rules.F012"]
    assert "liên quan đến thực hiện nhiệm vụ" in r.flags[0].message("vi")


def test_nd335_leader_unit_corruption(nd335):
    """NĐ 335: (leaders) the unit in charge involved in corruption/waste handled by law."""
    unit = {"unit_qty_pct": 100, "unit_quality_pct": 100, "unit_progress_pct": 100}
    assert evaluate(nd335, cc335("cong_chuc_leader", **unit)).tier == Tier.HTXSNV
    r = evaluate(nd335, cc335("cong_chuc_leader", unit_corruption_handled=True, **unit))
    assert r.decided_by == "S335-K3"


def test_nd335_agency(nd335):
    """NĐ 335: agencies are also scored on 100 points (30 + 70) into the same tiers."""
    s = subject("state_agency", facts={"general_score": 25, "results_score": "64.99"})
    assert evaluate(nd335, s).tier == Tier.HTTNV


# ---------------------------------------------------------------------------------------------
# State — NĐ 90/2020 + NĐ 48/2023


def vc90(kind="vien_chuc", **facts):
    base = {"pct_tasks_done": 100, "on_time_quality": True, "pct_late_or_poor": 0}
    base.update(facts)
    return subject(kind, criteria=levels(ND90_GENERAL, "T"), facts=base)


def test_nd90_vien_chuc_htxsnv_half_exceeded(nd90):
    """NĐ 90 Art. 12: 100% of tasks under the contract, ≥ 50% exceeded ⇒ HTXSNV."""
    assert evaluate(nd90, vc90(pct_tasks_exceeded=50)).tier == Tier.HTXSNV
    assert evaluate(nd90, vc90(pct_tasks_exceeded=49)).tier == Tier.HTTNV


def test_nd90_manager_htt(nd90):
    """NĐ 90 Art. 13: manager HTTNV — unit completes all targets, ≥ 80% on time, 100% subunits
    ≥ HTNV, ≥ 70% HTTNV+."""
    unit = {"unit_pct_done": 100, "unit_pct_on_time": 80, "subunits": {"HTTNV": 7, "HTNV": 3}}
    assert evaluate(nd90, vc90("vien_chuc_manager", **unit)).tier == Tier.HTTNV
    unit["subunits"] = {"HTTNV": 6, "HTNV": 4}
    assert evaluate(nd90, vc90("vien_chuc_manager", **unit)).tier != Tier.HTTNV


@pytest.mark.parametrize("pack_id", ["R2023", "R2025"])
def test_cbccvc_rated_as_state_employee_first(pack_id):
    """§6 order constraints [V]: "CBCCVC rating → party-member rating"; §16.5 ORD23 "order:
    state/professional/mass orgs → party"."""
    from kiemdiem.rules_engine import load_pack

    pack = load_pack(pack_id)
    if pack_id == "R2023":
        s = pm23(is_cbccvc=True)
    else:
        s = pm25(is_cbccvc=True)
    with pytest.raises(InputError) as err:
        evaluate(pack, s)
    assert err.value.code == "rules.E110"
    s["facts"]["state_tier"] = "HTTNV"
    assert evaluate(pack, s).status == "rated"


def test_products_refused_where_the_kind_does_not_read_them(nd335):
    """Products are NĐ 335's per-task tracking of công chức; an agency's products would be
    silently ignored, so they are refused."""
    s = subject("state_agency", facts={"general_score": 25, "results_score": 60})
    s["products"] = [{"units": 1}]
    with pytest.raises(InputError) as err:
        evaluate(nd335, s)
    assert err.value.code == "rules.E111"
