"""Quota pools, decisions, the NĐ 48 cross-track share and multi-place conflicts."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kiemdiem.rules_engine import (
    InputError,
    Tier,
    apply_all_quotas,
    apply_quotas,
    decide_quota,
    evaluate,
    party_htxsnv_share,
    reconcile_places,
)
from kiemdiem.rules_engine.quotas import allowed_htxsnv

from .helpers import ND90_GENERAL, R2019_PM_CRITERIA, levels, subject


def member19(sid, tier_wanted, xs=1, pool_key="tccsd-1"):
    if tier_wanted == Tier.HTXSNV:
        names = list(R2019_PM_CRITERIA)
        crit = levels(R2019_PM_CRITERIA, "T", ket_qua_nhiem_vu="XS")
        for n in names[: xs - 1]:
            crit[n] = "XS"
    elif tier_wanted == Tier.HTTNV:
        crit = levels(R2019_PM_CRITERIA, "T")
    else:
        crit = levels(R2019_PM_CRITERIA, "TB")
    return subject(
        "party_member", sid, criteria=crit, facts={"pct_tasks_done": 100}, pool_key=pool_key
    )


def test_default_reading_counts_those_rated_httnv():
    """§15.2: "≤ 20% of the number rated HTTNV", default floor(0.2 × count(tier == HTTNV)):
    3 HTTNV and 3 candidates allow none (the alternative reading allowed 1)."""
    s = Fraction(1, 5)
    assert allowed_htxsnv(s, 3, 3, "httnv", "floor") == 0
    assert allowed_htxsnv(s, 3, 3, "httnv_incl_demoted", "floor") == 1
    assert allowed_htxsnv(s, 10, 3, "httnv", "floor") == 2  # floor(0.2 × 10)
    assert allowed_htxsnv(s, 0, 10, "httnv", "floor") == 0
    assert allowed_htxsnv(s, 3, 1, "httnv", "ceil") == 1
    for h in range(30):
        for c in range(15):
            assert allowed_htxsnv(s, h, c, "httnv", "floor") == min(c, h // 5)


def test_alternative_reading_is_a_fixed_point_of_the_20_percent_rule():
    """The alternative reading counts the candidates moved down to HTTNV too:
    count(HTXSNV) ≤ floor(0.20 × count(HTTNV)) after the decision."""
    s = Fraction(1, 5)
    assert allowed_htxsnv(s, 10, 3, "httnv_incl_demoted", "floor") == 2  # 2 ≤ floor(0.2 × 11)
    assert allowed_htxsnv(s, 0, 10, "httnv_incl_demoted", "floor") == 1  # 1 ≤ floor(0.2 × 9)
    assert allowed_htxsnv(s, 4, 0, "httnv_incl_demoted", "floor") == 0
    assert allowed_htxsnv(s, 3, 1, "httnv_incl_demoted", "floor") == 0  # floor(0.2 × 4) = 0
    assert allowed_htxsnv(s, 3, 1, "httnv_incl_demoted", "ceil") == 1
    assert allowed_htxsnv(s, 10, 3, "httnv_or_above", "floor") == 2  # floor(0.2 × 13)
    for h in range(30):
        for c in range(15):
            k = allowed_htxsnv(s, h, c, "httnv_incl_demoted", "floor")
            assert k <= c and k <= (h + c - k) // 5
            assert k == min(c, (h + c) // 6)  # closed form used by the SQL summary


def test_excess_is_flagged_with_ranking_never_applied(r2019):
    subjects = [member19(f"m{i:02}", Tier.HTTNV) for i in range(10)]
    subjects += [member19("x1", Tier.HTXSNV, xs=1), member19("x2", Tier.HTXSNV, xs=5)]
    subjects += [member19("x3", Tier.HTXSNV, xs=3)]
    results = [evaluate(r2019, s) for s in subjects]
    out = apply_quotas(r2019, results, "tccsd")
    assert (out.candidates, out.httnv, out.allowed, out.excess) == (3, 10, 2, 1)
    assert out.ranking == ("x2", "x3", "x1")  # more XS criteria first
    assert out.proposed_demote == ("x1",)
    assert [f.code for f in out.flags] == ["rules.F001"]
    # Not applied: the tiers are unchanged, the proposal is in the trace and flags.
    by_id = {r.subject_id: r for r in out.results}
    assert by_id["x1"].tier == Tier.HTXSNV
    assert by_id["x1"].trace[-1].stage == "quota" and by_id["x1"].trace[-1].held is False
    assert "rules.F001" in [f.code for f in by_id["x1"].flags]
    # The competent level decides explicitly.
    final = {r.subject_id: r for r in decide_quota(out, ["x2", "x1"])}
    assert final["x3"].tier == Tier.HTTNV and final["x1"].tier == Tier.HTXSNV
    with pytest.raises(InputError) as err:
        decide_quota(out, ["x1", "x2", "x3"])
    assert err.value.code == "rules.E112"


def test_apply_all_quotas_groups_by_pool_key(r2019):
    subjects = [member19(f"a{i}", Tier.HTTNV, pool_key="A") for i in range(5)]
    subjects += [member19("ax", Tier.HTXSNV, pool_key="A")]
    subjects += [member19(f"b{i}", Tier.HTTNV, pool_key="B") for i in range(20)]
    subjects += [member19("bx", Tier.HTXSNV, pool_key="B")]
    outs = apply_all_quotas(r2019, [evaluate(r2019, s) for s in subjects])
    assert [(o.pool_key, o.allowed, o.excess) for o in outs] == [("A", 1, 0), ("B", 1, 0)]


def test_nd335_exception_share_for_outstanding_units(nd335):
    def cc(sid, score_general):
        return subject(
            "cong_chuc",
            sid,
            facts={
                "general_score": score_general,
                "qty_pct": 100,
                "quality_pct": 100,
                "progress_pct": 100,
            },
        )

    results = [evaluate(nd335, cc(f"h{i}", 5)) for i in range(13)]  # 75 points: HTTNV
    results += [evaluate(nd335, cc(f"x{i}", 25)) for i in range(3)]  # 95: HTXSNV
    normal = apply_quotas(nd335, results)
    assert normal.allowed == 2  # 3 > floor(0.20 × 13)
    outstanding = apply_quotas(nd335, results, outstanding=True)
    assert outstanding.allowed == 3  # 3 ≤ floor(0.25 × 13)
    assert "rules.F008" in [f.code for f in outstanding.flags]


def test_nd48_state_share_not_above_party_share(nd90):
    """NĐ 48: the share of CBCCVC rated HTXSNV may not exceed the party-member HTXSNV share."""

    def vc(sid, exceeded):
        return subject(
            "vien_chuc",
            sid,
            criteria=levels(ND90_GENERAL, "T"),
            facts={
                "pct_tasks_done": 100,
                "on_time_quality": True,
                "pct_late_or_poor": 0,
                "pct_tasks_exceeded": exceeded,
            },
        )

    results = [evaluate(nd90, vc(f"h{i}", 0)) for i in range(18)]
    results += [evaluate(nd90, vc(f"x{i}", 60)) for i in range(3)]
    plain = apply_quotas(nd90, results)
    assert plain.allowed == 3 and not plain.exceeded
    synced = apply_quotas(nd90, results, party_share=Fraction(1, 21))
    assert synced.allowed == 1
    assert "rules.F006" in [f.code for f in synced.flags]


def test_party_share_helper(r2019):
    rs = [evaluate(r2019, member19("a", Tier.HTXSNV)), evaluate(r2019, member19("b", Tier.HTTNV))]
    assert party_htxsnv_share(rs) == Fraction(1, 2)


def test_multi_place_conflicts_are_flagged_not_decided(r2019):
    a = {**member19("p1@cell", Tier.HTXSNV), "person_id": "p1", "place": "chi bộ"}
    b = {**member19("p1@lc", Tier.HTTNV), "person_id": "p1", "place": "ban thường vụ"}
    c = {**member19("p2@cell", Tier.HTTNV), "person_id": "p2", "place": "chi bộ"}
    d = {**member19("p2@lc", Tier.HTTNV), "person_id": "p2", "place": "ban thường vụ"}
    results = [evaluate(r2019, s) for s in (a, b, c, d)]
    conflicts = reconcile_places(results)
    assert [c.person_id for c in conflicts] == ["p1"]
    assert conflicts[0].proposed_ranking == ("ban thường vụ", "chi bộ")
    assert conflicts[0].flag.code == "rules.F004"
    assert {r.tier for r in conflicts[0].results} == {Tier.HTXSNV, Tier.HTTNV}


def test_batch_quota_summary_matches_apply_quotas(r2019):
    import duckdb

    from kiemdiem.rules_engine.batch import quota_summary_sql

    con = duckdb.connect()
    con.execute("CREATE TABLE r (id VARCHAR, pool VARCHAR, tier VARCHAR)")
    rows = [(f"a{i}", "A", "HTTNV") for i in range(10)] + [
        (f"x{i}", "A", "HTXSNV") for i in range(3)
    ]
    rows += [(f"b{i}", "B", "HTTNV") for i in range(3)] + [("bx", "B", "HTXSNV")]
    con.executemany("INSERT INTO r VALUES (?, ?, ?)", rows)
    got = con.sql(quota_summary_sql("SELECT * FROM r", "pool") + " ORDER BY pool").fetchall()
    assert got == [("A", 10, 3, 2, 1), ("B", 3, 1, 0, 1)]


def test_pool_instances_never_mix_kinds(r2019):
    """§16.3 PO19-Q "organizations of the same type": a đảng bộ and a chi bộ are not one pool,
    even without a pool_key; members and organizations never are."""
    org = {
        "criteria": levels(
            (
                "xay_dung_dang",
                "lanh_dao_nhiem_vu",
                "tap_trung_dan_chu",
                "doan_ket",
                "kiem_tra_giam_sat",
            ),
            "T",
            xay_dung_dang="XS",
            lanh_dao_nhiem_vu="XS",
        ),
        "facts": {"children": {"HTTNV": 9}, "same_level": {"HTTNV": 2}},
    }
    subjects = [{"id": "db", "kind": "dang_bo", **org}, {"id": "cb", "kind": "chi_bo", **org}]
    subjects += [member19(f"m{i}", Tier.HTTNV, pool_key=None) for i in range(5)]
    outs = apply_all_quotas(r2019, [evaluate(r2019, s) for s in subjects])
    assert sorted((o.pool, o.kind, o.candidates, o.httnv) for o in outs) == [
        ("party_orgs_same_type", "chi_bo", 1, 0),
        ("party_orgs_same_type", "dang_bo", 1, 0),
        ("tccsd", "party_member", 0, 5),
    ]


def test_duplicate_subject_ids_in_a_pool_are_refused(r2019):
    rs = [evaluate(r2019, member19("same", Tier.HTXSNV)) for _ in range(2)]
    with pytest.raises(InputError) as err:
        apply_quotas(r2019, rs, "tccsd")
    assert err.value.code == "rules.E112"


def test_denominator_and_rounding_are_configurable(r2019):
    """§15.2: whether "HTTNV" means exactly HTTNV or HTTNV and above, and how to round for small
    groups, are configurable; default floor(0.2 × count(tier == HTTNV))."""
    from dataclasses import replace

    results = [evaluate(r2019, member19(f"m{i}", Tier.HTTNV)) for i in range(3)]
    results += [evaluate(r2019, member19("x", Tier.HTXSNV))]
    pool = r2019.pools["tccsd"]
    assert apply_quotas(r2019, results, pool).allowed == 0  # floor(0.2 × 3) = 0
    assert apply_quotas(r2019, results, replace(pool, rounding="ceil")).allowed == 1
    wider = replace(pool, denominator="httnv_or_above", rounding="round_half_up")
    assert apply_quotas(r2019, results, wider).allowed == 1  # round(0.2 × 4) = 1
