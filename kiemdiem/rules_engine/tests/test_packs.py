"""Pack loading, validation with stable error codes, hashing and local specialisation."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from pathlib import Path

import pytest

from kiemdiem.rules_engine import (
    PackError,
    Tier,
    available_packs,
    evaluate,
    load_pack,
    load_pack_file,
    loads_pack,
    pack_warnings,
    select_pack,
)
from kiemdiem.rules_engine.pack import PACKS_DIR, content_hash
from kiemdiem.rules_engine.types import CONFIDENCES

from .helpers import R2019_PM_CRITERIA, levels, subject

PACK_IDS = ["ND335", "ND90-48", "R2019", "R2023", "R2025"]


def raw(pack_id: str) -> dict:
    with (PACKS_DIR / f"{pack_id}.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_all_packs_listed_with_hash_and_counts():
    infos = {i.id: i for i in available_packs()}
    assert sorted(infos) == PACK_IDS
    for info in infos.values():
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", info.hash)
        assert info.rule_count > 0
        assert sum(info.confidence.values()) == info.rule_count
        assert info.version


@pytest.mark.parametrize("pack_id", PACK_IDS)
def test_every_rule_has_source_and_confidence(pack_id):
    pack = load_pack(pack_id)
    for kind in pack.kinds.values():
        for rule in kind.rules:
            assert rule.source.doc in pack.documents
            assert rule.source.clause
            assert rule.confidence in CONFIDENCES
            assert rule.label_vi and rule.label_en


def test_subject_kinds_cover_the_issue():
    party = set(load_pack("R2025").kinds)
    assert {
        "party_member",
        "leader",
        "head",
        "party_member_outside",
        "dang_bo",
        "chi_bo",
        "leadership_collective",
    } <= party
    assert {"cong_chuc", "state_agency"} <= set(load_pack("ND335").kinds)
    assert {"cong_chuc", "vien_chuc"} <= set(load_pack("ND90-48").kinds)


def test_hash_is_canonical_content_not_formatting():
    data = raw("R2025")
    assert loads_pack(data).hash == load_pack("R2025").hash
    # Key order and formatting do not matter; content does.
    reordered = json.loads(json.dumps(data, sort_keys=True))
    assert content_hash(reordered) == load_pack("R2025").hash
    changed = copy.deepcopy(data)
    changed["params"]["htxs_min_score"]["value"] = "91"
    assert loads_pack(changed).hash != load_pack("R2025").hash


def test_regime_selector():
    assert select_pack("party", 2019).id == "R2019"
    assert select_pack("party", 2022).id == "R2019"
    assert select_pack("party", 2024).id == "R2023"
    assert select_pack("party", 2025).id == "R2025"
    assert select_pack("state", 2025, "cong_chuc").id == "ND90-48"
    assert select_pack("state", 2026, "cong_chuc").id == "ND335"
    assert select_pack("state", 2026, "vien_chuc").id == "ND90-48"
    with pytest.raises(PackError) as err:
        select_pack("party", 2010)
    assert err.value.code == "rules.E013"


def test_unknown_pack_id():
    with pytest.raises(PackError) as err:
        load_pack("R1999")
    assert err.value.code == "rules.E013"
    assert "R2025" in err.value.message("en")


def _mutate(pack_id, fn):
    data = copy.deepcopy(raw(pack_id))
    fn(data)
    with pytest.raises(PackError) as err:
        loads_pack(data)
    return err.value


def _first_rule(data, kind="party_member"):
    """The first KHTNV trigger of the kind (X25-K0 in R2025, PM19-K1 in R2019)."""
    return next(r for r in data["kinds"][kind]["rules"] if r["stage"] == "trigger")


def test_unknown_criterion_group_is_e003_with_suggestion():
    err = _mutate("R2019", lambda d: _first_rule(d).update(when="min_level(politcal_task) == XS"))
    assert err.code == "rules.E003"
    assert "political_task" in err.message("en")


def test_unknown_field_is_e003():
    err = _mutate("R2025", lambda d: _first_rule(d).update(when="scor < 50"))
    assert err.code == "rules.E003"
    assert "score" in err.message("vi")


def test_wrong_type_is_e004():
    err = _mutate("R2025", lambda d: _first_rule(d).update(when="score < HTTNV"))
    assert err.code == "rules.E004"
    err = _mutate("R2025", lambda d: _first_rule(d).update(when="score + 1"))
    assert err.code == "rules.E004"


def test_syntax_error_is_e005():
    err = _mutate("R2025", lambda d: _first_rule(d).update(when="score < < 50"))
    assert err.code == "rules.E005"
    err = _mutate("R2025", lambda d: _first_rule(d).update(when="score / 0 < 1"))
    assert err.code == "rules.E005"
    err = _mutate("R2025", lambda d: _first_rule(d).update(when="__import__('os')"))
    assert err.code in ("rules.E003", "rules.E005")


def test_rule_without_source_is_e006():
    err = _mutate("R2025", lambda d: _first_rule(d).pop("source"))
    assert err.code == "rules.E006"
    assert "X25-K0" in err.message("en")


def test_bad_confidence_is_e007_and_unknown_document_e008():
    err = _mutate("R2025", lambda d: _first_rule(d).update(confidence="sure"))
    assert err.code == "rules.E007"
    err = _mutate("R2025", lambda d: _first_rule(d).update(source={"doc": "QD999", "clause": "x"}))
    assert err.code == "rules.E008"


def test_duplicate_rule_id_is_e009():
    def dup(d):
        rules = d["kinds"]["party_member"]["rules"]
        rules.append(copy.deepcopy(_first_rule(d)))

    assert _mutate("R2025", dup).code == "rules.E009"


def test_unknown_key_is_e002():
    err = _mutate("R2025", lambda d: _first_rule(d).update(whn="score < 50"))
    assert err.code == "rules.E002"


def test_toml_syntax_error_is_e001(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("id = \n", encoding="utf-8")
    with pytest.raises(PackError) as err:
        load_pack_file(p)
    assert err.value.code == "rules.E001"


# ---------------------------------------------------------------------------------------------
# Local specialisation

LOCAL_OK = """
schema = 1
id = "R2025-HCM"
extends = "R2025"
version = "2025.1-hcm.1"
title_vi = "Bộ tiêu chí của Thành ủy TP.HCM"
title_en = "HCMC party committee criteria"

[documents.HD06HCM]
title = "Hướng dẫn 06-HD/BTCTU"

[params.htxs_min_score]
value = "92"

[quota_pools.hcm_wards]
refines = "similar_role"
label_vi = "Đảng viên các phường"
label_en = "Ward party members"
share = "0.15"
source = { doc = "HD06HCM", clause = "mục 3" }
confidence = "verified"

[kinds.party_member]
pool = "hcm_wards"

[[kinds.party_member.rules]]
id = "HCM-A9"
stage = "tier"
tier = "HTXSNV"
when = "pct_tasks_exceeded >= 40"
label_vi = "Ít nhất 40% nhiệm vụ vượt mức (quy định của Thành phố)"
label_en = "At least 40% of tasks exceeded (city rule)"
source = { doc = "HD06HCM", clause = "mục 2.1" }
confidence = "verified"
"""


def _local(tmp_path, text):
    p = tmp_path / "local.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _pm25(**facts):
    base = {
        "general_score": 28,
        "task_score": 63,
        "pct_tasks_done": 100,
        "on_time_quality": True,
        "pct_tasks_exceeded": 35,
        "shortcomings_remedied_pct": 100,
    }
    base.update(facts)
    return subject("party_member", facts=base)


def test_local_pack_raises_thresholds_and_adds_rules(tmp_path):
    local = load_pack_file(_local(tmp_path, LOCAL_OK))
    central = load_pack("R2025")
    assert local.is_local and local.base is central
    assert local.hash != central.hash
    assert evaluate(central, _pm25()).tier == Tier.HTXSNV  # 91 points, 35 % exceeded
    r = evaluate(local, _pm25())
    assert r.tier == Tier.HTTNV  # 91 < 92 and 35 % < 40 %
    local_step = next(s for s in r.trace if s.rule_id == "HCM-A9")
    assert local_step.rule.origin == "R2025-HCM"
    assert r.pool == "hcm_wards"
    # inherited kinds get the local additions too
    assert any(x.id == "HCM-A9" for x in local.kinds["leader"].rules)


def _local_err(tmp_path, text):
    with pytest.raises(PackError) as err:
        load_pack_file(_local(tmp_path, text))
    return err.value


def test_local_may_not_lower_a_central_threshold(tmp_path):
    err = _local_err(tmp_path, LOCAL_OK.replace('value = "92"', 'value = "85"'))
    assert err.code == "rules.E021"
    assert "htxs_min_score" in err.message("vi")


def test_local_may_not_drop_a_trigger(tmp_path):
    text = LOCAL_OK.replace('pool = "hcm_wards"', 'pool = "hcm_wards"\ndrop = ["X25-K3"]')
    err = _local_err(tmp_path, text)
    assert err.code == "rules.E022"
    assert "X25-K3" in err.message("en")


def test_local_may_not_widen_a_quota(tmp_path):
    assert _local_err(tmp_path, LOCAL_OK.replace('share = "0.15"', 'share = "0.25"')).code == (
        "rules.E023"
    )
    text = LOCAL_OK.replace('share = "0.15"', 'share = "0.15"\nrounding = "ceil"')
    assert _local_err(tmp_path, text).code == "rules.E023"
    text = LOCAL_OK.replace('share = "0.15"', 'share = "0.15"\ndenominator = "httnv_or_above"')
    assert _local_err(tmp_path, text).code == "rules.E023"


def test_local_may_not_redefine_central_rule_or_add_exemption(tmp_path):
    assert _local_err(tmp_path, LOCAL_OK.replace('"HCM-A9"', '"IN25-A1"')).code == "rules.E024"
    text = LOCAL_OK.replace('stage = "tier"\ntier = "HTXSNV"', 'stage = "exemption"')
    assert _local_err(tmp_path, text).code == "rules.E025"


def test_local_unknown_base(tmp_path):
    assert _local_err(
        tmp_path, LOCAL_OK.replace('extends = "R2025"', 'extends = "R2030"')
    ).code == ("rules.E020")


def test_local_extends_must_be_a_pack_id_not_a_list():
    data = tomllib.loads(LOCAL_OK.replace('extends = "R2025"', 'extends = ["R2025"]'))
    with pytest.raises(PackError) as err:  # was TypeError: unhashable type: 'list'
        loads_pack(data)
    assert err.value.code == "rules.E002"
    assert "'extends' must be a string" in err.value.message("en")


WRONG_TYPES = [["R2025"], [{"a": 1}], {"a": 1}, 5, 1.5, True, "x"]


def _wrong_typed(data: dict) -> list[tuple[str, dict]]:
    """``data`` with one value replaced by a value of a wrong type, for every top-level key,
    every key of the first kind and of its first rule (where a pack reads a type)."""
    out = []
    for key in data:
        for wrong in WRONG_TYPES:
            changed = copy.deepcopy(data)
            changed[key] = wrong
            out.append((f"{key}={wrong!r}", changed))
    kind = next(iter(data["kinds"]))
    spec = data["kinds"][kind]
    for key in [*spec, "base", "pool", "periods", "rank_by", "rules", "criteria"]:
        for wrong in WRONG_TYPES:
            changed = copy.deepcopy(data)
            changed["kinds"][kind][key] = wrong
            out.append((f"kinds.{kind}.{key}={wrong!r}", changed))
    for key in spec.get("rules", [{}])[0]:
        for wrong in WRONG_TYPES:
            changed = copy.deepcopy(data)
            changed["kinds"][kind]["rules"][0][key] = wrong
            out.append((f"kinds.{kind}.rules[0].{key}={wrong!r}", changed))
    return out


@pytest.mark.parametrize("which", ["local", "central"])
def test_a_value_of_the_wrong_type_is_a_pack_error_never_a_traceback(which):
    data = tomllib.loads(LOCAL_OK) if which == "local" else raw("R2025")
    crashed = []
    for label, changed in _wrong_typed(data):
        try:
            loads_pack(changed)
        except PackError:
            pass
        except Exception as error:  # noqa: BLE001 - collected and shown
            crashed.append(f"{label}: {type(error).__name__}: {error}")
    assert crashed == []


def test_pack_text_turns_an_unforeseen_type_error_into_a_pack_error(monkeypatch):
    from kiemdiem.rules_engine import loads_pack_text
    from kiemdiem.rules_engine import pack as pack_module

    def broken(base, local):
        raise TypeError("unhashable type: 'dict'")

    monkeypatch.setattr(pack_module, "merge_local", broken)
    with pytest.raises(PackError) as err:
        loads_pack_text(LOCAL_OK, path="local.toml")
    assert err.value.code == "rules.E002"
    assert "local.toml" in err.value.message("en") and "wrong type" in err.value.message("en")


def test_local_criteria_added_to_r2019(tmp_path):
    text = """
schema = 1
id = "R2019-TN"
extends = "R2019"
version = "2019.1-tn.1"
title_vi = "Thái Nguyên"
title_en = "Thai Nguyen"

[kinds.party_member.criteria.chuyen_doi_so]
label_vi = "Ứng dụng chuyển đổi số"
label_en = "Digital transformation"
groups = ["basic"]
"""
    local = load_pack_file(_local(tmp_path, text))
    crit = levels(R2019_PM_CRITERIA, "T", ket_qua_nhiem_vu="XS", chuyen_doi_so="TB")
    s = subject("party_member", criteria=crit, facts={"pct_tasks_done": 100})
    assert (
        evaluate(
            load_pack("R2019"),
            {**s, "criteria": levels(R2019_PM_CRITERIA, "T", ket_qua_nhiem_vu="XS")},
        ).tier
        == Tier.HTXSNV
    )
    assert evaluate(local, s).tier == Tier.HTNV


def test_warnings_count_unverified():
    w = pack_warnings(load_pack("R2019"))
    assert w and w[0]["code"] == "rules.W001"


def test_packs_dir_has_only_valid_packs():
    for p in Path(PACKS_DIR).glob("*.toml"):
        assert load_pack_file(p).id == p.stem


def test_a_rules_condition_reads_in_words():
    from kiemdiem.rules_engine.explain import condition_text

    pack = load_pack("R2025")
    kind = pack.kinds["party_member"]
    rule = next(r for r in kind.rules if r.id == "IN25-A1")
    assert condition_text(pack, kind, rule.expr) == (
        "Tổng điểm (thang 100) ≥ điểm tối thiểu mức HTXSNV (90)"
    )
    assert condition_text(pack, kind, "a and not b or c == XS", "en").startswith("A and not b or")


def test_error_line_points_at_the_rule_or_the_toml_line(tmp_path):
    from kiemdiem.rules_engine import PackError, error_line, loads_pack_text

    text = LOCAL_OK.replace('when = "pct_tasks_exceeded >= 40"', 'when = "nothing >= 40"')
    with pytest.raises(PackError) as error:
        loads_pack_text(text)
    assert text.splitlines()[error_line(text, error.value) - 1].startswith("when =")
    broken = 'schema = 1\nid = "X"\n[[oops\n'
    with pytest.raises(PackError) as error:
        loads_pack_text(broken)
    assert error_line(broken, error.value) == 3
