"""Inputs the outside audit fed the engine: what it refuses (strict types, fields of other
kinds, parts larger than their totals), what it no longer demands (values that cannot matter),
what it no longer presumes (adverse facts), what it says instead of staying quiet (a tier out
of reach for a missing value, the NĐ 48 share not given), and the words of the explanation."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from kiemdiem.rules_engine import InputError, Tier, apply_quotas, evaluate, load_pack, loads_pack
from kiemdiem.rules_engine.errors import PackError

from .helpers import ND90_GENERAL, R2023_ORG_CRITERIA, levels, subject

R2025_OK = {
    "general_score": 27.5,
    "task_score": 63,
    "pct_tasks_done": 100,
    "on_time_quality": True,
    "pct_tasks_exceeded": 35,
    "shortcomings_remedied_pct": 100,
}


def refused(pack, s) -> InputError:
    with pytest.raises(InputError) as err:
        evaluate(pack, s)
    return err.value


# ---------------------------------------------------------------------------------------------
# Refused


def test_a_field_of_another_kind_is_refused(r2025):
    """A party member marked `collective_disciplined` (a question only collectives are asked)
    was rated HTXSNV as if nothing had been said; now it is refused, naming field and kind."""
    err = refused(
        r2025, subject("party_member", facts={**R2025_OK, "collective_disciplined": True})
    )
    assert err.code == "rules.E104"
    assert err.params["field"] == "collective_disciplined"
    assert "party_member" in err.message("vi") and "collective_disciplined" in err.message("en")
    # The same field is accepted where it belongs.
    coll = {**R2025_OK, "collective_disciplined": True}
    assert evaluate(r2025, subject("leadership_collective", facts=coll)).tier == Tier.KHTNV


def test_parts_are_checked_against_their_totals(r2023):
    """5 disciplined sub-units of 2 is not a fact: refused (E105), and so is any disciplined
    sub-unit when no sub-unit was declared."""
    crit = levels(R2023_ORG_CRITERIA, "T", ket_qua_nhiem_vu="XS")
    facts = {"pct_tasks_done": 100, "subunits_count": 2, "subunits_disciplined_count": 5}
    err = refused(r2023, subject("dang_bo", criteria=crit, facts=facts))
    assert err.code == "rules.E105" and err.params["field"] == "subunits_disciplined_count"
    facts = {"pct_tasks_done": 100, "subunits_disciplined_count": 1}
    assert refused(r2023, subject("dang_bo", criteria=crit, facts=facts)).code == "rules.E105"
    facts = {"pct_tasks_done": 100, "subunits_count": 2, "subunits_disciplined_count": 2}
    assert evaluate(r2023, subject("dang_bo", criteria=crit, facts=facts)).tier == Tier.KHTNV


def test_a_pack_field_may_only_be_bounded_by_a_number_field():
    data = {
        "schema": 1,
        "id": "X",
        "version": "1",
        "track": "party",
        "title_vi": "x",
        "title_en": "x",
        "review_years": [2025, 2025],
        "fields": {"a": {"type": "number", "at_most": "b"}, "b": {"type": "bool"}},
    }
    with pytest.raises(PackError) as err:
        loads_pack(data)
    assert err.value.code == "rules.E011" and "at_most" in err.value.params["where"]


PRODUCTS = {
    "done written as text": ([{"done": "no"}], "rules.E103", "products[1].done"),
    "a fractional delay": ([{"delays": 2.7}], "rules.E103", "products[1].delays"),
    "a boolean count": ([{"failed_assessments": True}], "rules.E103", "products[1]."),
    "NaN units": ([{"units": float("nan")}], "rules.E103", "products[1].units"),
    "infinite units": ([{"units": float("inf")}], "rules.E103", "products[1].units"),
    "huge units": ([{"units": 10**5000}], "rules.E103", "products[1].units"),
    "zero units": ([{"units": 0}], "rules.E103", "products[1].units"),
    "a number": (5, "rules.E103", "products"),
    "a text": ("abc", "rules.E103", "products"),
    "an object": ({"units": 1}, "rules.E103", "products"),
    "a list of numbers": ([1, 2], "rules.E103", "products[1]"),
    "an unknown key": ([{"unit": 1}], "rules.E111", "products[1]"),
}


@pytest.mark.parametrize("case", list(PRODUCTS))
def test_products_are_strictly_typed(nd335, case):
    """`"done": "no"` is not true, `"delays": 2.7` is not 2, NaN and Infinity are not units:
    each is refused naming the product, never a Python error."""
    products, code, where = PRODUCTS[case]
    s = subject("cong_chuc", facts={"general_score": 20}, products=products)
    err = refused(nd335, s)
    assert err.code == code
    assert where in json.dumps(err.to_dict(), ensure_ascii=False)


def test_numbers_no_python_can_print_are_refused(r2025):
    err = refused(r2025, subject("party_member", facts={**R2025_OK, "task_score": 10**5000}))
    assert err.code == "rules.E103" and err.params["field"] == "task_score"
    assert len(err.message("vi")) < 300  # the value is cut short, not thousands of digits


@pytest.mark.parametrize("key", ["period", "pool_key", "person_id", "place"])
def test_subject_keys_must_be_text(r2025, key):
    s = {**subject("party_member", facts=R2025_OK), key: {"a": 1}}
    assert refused(r2025, s).code == "rules.E111"


# ---------------------------------------------------------------------------------------------
# Not demanded when they cannot matter


def test_an_exempt_member_needs_no_criteria(r2023):
    s = subject("party_member", facts={"exempt_from_activity": True})
    r = evaluate(r2023, s)
    assert r.status == "not_rated" and r.decided_by == "IN23-X0"
    # Without the exemption the criteria are needed.
    s = subject("party_member", facts={"pct_tasks_done": 100, "on_time_quality": True})
    assert refused(r2023, s).code == "rules.E108"


def test_a_score_under_50_needs_no_task_percentages(r2025):
    r = evaluate(r2025, subject("party_member", facts={"general_score": 10, "task_score": 20}))
    assert r.tier == Tier.KHTNV and r.decided_by == "X25-K0"
    # At 60 points the percentages decide between tiers: still demanded, by name.
    err = refused(r2025, subject("party_member", facts={"general_score": 20, "task_score": 40}))
    assert err.code == "rules.E102" and err.params["field"] == "pct_tasks_done"


def test_a_violation_needs_no_criteria(r2023):
    """QĐ 124 Art. 12 §4: violating the prohibitions ⇒ KHTNV whatever the criteria say."""
    r = evaluate(r2023, subject("party_member", facts={"violated_prohibitions": True}))
    assert r.tier == Tier.KHTNV and r.decided_by == "IN23-K2"


# ---------------------------------------------------------------------------------------------
# Not presumed, and said instead of kept quiet


def test_nd90_discipline_is_duty_related_only_when_said(nd90):
    """NĐ 48 narrowed the KHTNV case to violations in performing duties: an unanswered question
    is not a "yes"; the result says the answer is missing (F012)."""
    base = {"pct_tasks_done": 100, "on_time_quality": True, "pct_late_or_poor": 0}
    crit = levels(ND90_GENERAL, "T")
    r = evaluate(
        nd90, subject("vien_chuc", criteria=crit, facts={**base, "disciplined_in_year": True})
    )
    assert r.tier == Tier.HTTNV and "rules.F012" in [f.code for f in r.flags]
    facts = {**base, "disciplined_in_year": True, "duty_related_violation": True}
    assert evaluate(nd90, subject("vien_chuc", criteria=crit, facts=facts)).tier == Tier.KHTNV


def test_missing_shortcomings_says_htxsnv_is_out_of_reach(r2025):
    """QĐ 366 Art. 11 §1 needs all shortcomings remedied: without the value the member is
    HTTNV and the result says why, naming the field to fill in."""
    facts = dict(R2025_OK)
    del facts["shortcomings_remedied_pct"]
    r = evaluate(r2025, subject("party_member", facts=facts))
    assert r.tier == Tier.HTTNV
    assert [f.code for f in r.flags] == ["rules.F011"]
    text = r.flags[0].message("vi")
    assert "HTXSNV" in text and "Tỷ lệ hạn chế, khuyết điểm đã chỉ ra được khắc phục" in text
    assert "shortcomings remedied" in r.flags[0].message("en")
    # Given, or out of reach anyway (89 points): no such flag.
    assert not evaluate(r2025, subject("party_member", facts=R2025_OK)).flags
    low = {**facts, "task_score": 61}
    assert not evaluate(r2025, subject("party_member", facts=low)).flags


def test_a_missing_total_is_named_by_its_parts(r2025):
    """A derived value that is missing is named by the input it is computed from."""
    facts = {k: v for k, v in R2025_OK.items() if k != "general_score"}
    err = refused(r2025, subject("party_member", facts=facts))
    assert err.code == "rules.E102" and err.params["field"] == "general_score"


def _nd90(months, **facts):
    base = {"pct_tasks_done": 100, "on_time_quality": True, "pct_tasks_exceeded": 60}
    base.update({"pct_late_or_poor": 0, "months_absent": months, **facts})
    return subject("cong_chuc", criteria=levels(ND90_GENERAL, "T"), facts=base)


def test_s90_absence_follows_nd90_article_2(nd90):
    """NĐ 90 Art. 2 §3: under 6 months worked ⇒ not rated (maternity leave excepted, so it is
    not counted as absence); 3 to under 6 months off ⇒ not HTTNV or above. The rule is not yet
    checked against the official text, so it is flagged F007 when it decides."""
    r = evaluate(nd90, _nd90(7))
    assert r.status == "not_rated" and r.decided_by == "S90-X0"
    assert "rules.F007" in [f.code for f in r.flags]
    label = nd90.fields["months_absent"].label_vi
    assert "không tính" in label and "thai sản" in label
    assert evaluate(nd90, _nd90(6)).tier == Tier.HTNV
    assert evaluate(nd90, _nd90(4)).tier == Tier.HTNV
    assert evaluate(nd90, _nd90("2.5")).tier == Tier.HTXSNV


# ---------------------------------------------------------------------------------------------
# Quotas: the reading in force, and the NĐ 48 share


def _pool(r2019, h, c):
    from .test_quotas import member19

    rs = [evaluate(r2019, member19(f"m{i}", Tier.HTTNV)) for i in range(h)]
    return rs + [evaluate(r2019, member19(f"x{i}", Tier.HTXSNV, xs=i)) for i in range(c)]


def test_quota_default_reading_and_the_alternative(r2019):
    """§15.2: 3 HTTNV + 3 candidates allow none under the default reading (20 % of those rated
    HTTNV); the alternative reading (candidates moved down count too) allows 1. The outcome
    names the reading in force and that it is uncertain."""
    results = _pool(r2019, 3, 3)
    pool = r2019.pools["tccsd"]
    out = apply_quotas(r2019, results, pool)
    assert (out.allowed, out.excess) == (0, 3)
    d = out.to_dict("vi")
    assert d["denominator_rule"] == "httnv" and "mặc định" in d["reading"]
    assert "chưa nói rõ" in d["reading_note"]
    alt = apply_quotas(r2019, results, replace(pool, denominator="httnv_incl_demoted"))
    assert alt.allowed == 1 and "alternative" in alt.to_dict("en")["reading"]
    assert pool.reading("en") == out.to_dict("en")["reading"]  # shown before any decision


def test_a_local_pack_may_not_choose_the_wider_reading():
    text = (
        'schema = 1\nid = "R2025-X"\nextends = "R2025"\nversion = "1"\ntitle_vi = "x"\n'
        'title_en = "x"\n[quota_pools.xa]\nrefines = "similar_role"\nshare = "0.2"\n'
        'denominator = "httnv_incl_demoted"\nlabel_vi = "x"\nlabel_en = "x"\n'
        'source = { doc = "QD366", clause = "Điều 11" }\nconfidence = "verified"\n'
    )
    import tomllib

    with pytest.raises(PackError) as err:
        loads_pack(tomllib.loads(text))
    assert err.value.code == "rules.E023"


def _state_pool(nd90, h, c):
    crit = levels(ND90_GENERAL, "T")
    base = {"pct_tasks_done": 100, "on_time_quality": True, "pct_late_or_poor": 0}
    rs = [
        evaluate(nd90, subject("vien_chuc", f"h{i}", criteria=crit, facts=base)) for i in range(h)
    ]
    top = {**base, "pct_tasks_exceeded": 60}
    rs += [
        evaluate(nd90, subject("vien_chuc", f"x{i}", criteria=crit, facts=top)) for i in range(c)
    ]
    return rs


def test_nd48_share_not_given_is_said(nd90):
    """S48-SYNC cannot be checked without the party share: F010 says so (before, nothing)."""
    out = apply_quotas(nd90, _state_pool(nd90, 10, 2), "similar_tasks")
    assert [f.code for f in out.flags] == ["rules.F010"]
    assert "NĐ 48" in out.flags[0].message("vi")
    out = apply_quotas(nd90, _state_pool(nd90, 10, 2), "similar_tasks", party_share=Fraction(1, 10))
    assert [f.code for f in out.flags] == ["rules.F006"] and out.allowed == 1


# ---------------------------------------------------------------------------------------------
# The explanation speaks to officials

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules-engine-input.md"
EXAMPLE = re.compile(r"<!-- pack: (\S+) expect: (\S+) -->\s*```json\n(.*?)```", re.S)


def _examples():
    return [(p, json.loads(b)) for p, _, b in EXAMPLE.findall(DOC.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_explanation_has_no_codes_and_names_fields_by_label(lang):
    """No rule ids, `$parameters`, `field =`, `∅` or research notes ("câu bị cắt"); the codes
    are there for staff with codes=True."""
    for pack_id, s in _examples():
        pack = load_pack(pack_id)
        r = evaluate(pack, s)
        text = r.explain(lang)
        kind = pack.kinds[s["kind"]]
        for rule in kind.rules:
            assert rule.id not in text, (pack_id, s["id"], rule.id)
        for name in kind.fields_used:
            assert f"{name} =" not in text and f"({name}" not in text, (s["id"], name)
        for bad in ("$", "∅", "câu bị cắt", "chưa đọc được", "derive:"):
            assert bad not in text, (s["id"], bad)
        staff = r.explain(lang, codes=True)
        assert r.decided_by is None or r.decided_by in staff


def test_explanation_names_the_missing_value(r2025):
    facts = dict(R2025_OK)
    del facts["shortcomings_remedied_pct"]
    text = evaluate(r2025, subject("party_member", facts=facts)).explain("vi")
    assert "Tỷ lệ hạn chế, khuyết điểm đã chỉ ra được khắc phục (%): chưa nhập" in text
    assert "Căn cứ: Tổng điểm từ 70 trở lên — Quy định 366-QĐ/TW, Điều 11 khoản 2" in text


@pytest.mark.parametrize(
    "s",
    [
        {"id": "a"},
        {"id": "a", "kind": "party_member", "facts": [], "criteria": {}},
        {"id": "a", "kind": "party_member", "colour": "red"},
        {"id": "a", "kind": "party_member", "facts": {**R2025_OK, "task_score": 71}},
        {"id": "a", "kind": "party_member", "facts": {**R2025_OK, "task_score": "6.125"}},
        {"id": "a", "kind": "party_member", "facts": R2025_OK, "products": [{"units": 1}]},
    ],
)
def test_input_errors_are_worded_in_the_users_language(r2025, s):
    err = refused(r2025, s)
    vi, en = err.message("vi"), err.message("en")
    for english in ("must", "not in", "unknown", "required", "decimal", "are not read"):
        assert english not in vi, vi
    assert vi != en
