"""The ``kiemdiem`` command line (no Django needed)."""

from __future__ import annotations

import io
import json

import pytest

from kiemdiem.cli import build_parser, main


def run(argv, stdin_text=None, monkeypatch=None):
    args = build_parser().parse_args(argv)
    if stdin_text is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin_text))
    out = io.StringIO()
    code = args.func(args, out=out)
    return code, out.getvalue()


SUBJECT = {
    "id": "dv-1",
    "kind": "party_member",
    "facts": {
        "general_score": 25,
        "task_score": 60,
        "pct_tasks_done": 100,
        "on_time_quality": True,
    },
}


def test_packs_lists_versions_hashes_counts():
    code, text = run(["packs"])
    assert code == 0
    for pid in ("R2019", "R2023", "R2025", "ND90-48", "ND335"):
        assert pid in text
    code, text = run(["packs", "--json"])
    data = json.loads(text)
    assert {d["id"] for d in data} >= {"R2025"} and all(
        d["hash"].startswith("sha256:") for d in data
    )


def test_packs_check_reports_code(tmp_path):
    bad = tmp_path / "local.toml"
    bad.write_text(
        'schema = 1\nid = "X"\nextends = "R2025"\nversion = "1"\ntitle_vi = "x"\ntitle_en = "x"\n'
        '[params.htxs_min_score]\nvalue = "80"\n',
        encoding="utf-8",
    )
    code, text = run(["packs", "check", str(bad)])
    assert code == 1
    assert json.loads(text)["error"]["code"] == "rules.E021"
    good = tmp_path / "ok.toml"
    good.write_text(bad.read_text(encoding="utf-8").replace('"80"', '"95"'), encoding="utf-8")
    code, text = run(["packs", "check", str(good)])
    assert code == 0 and json.loads(text)["ok"] is True


def test_rate_one_json_subject(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps(SUBJECT), encoding="utf-8")
    code, text = run(["rate", "--pack", "R2025", str(f), "--lang", "en"])
    assert code == 0
    result = json.loads(text)
    assert result["tier"] == "HTTNV" and result["trace"]


def test_rate_ndjson_from_stdin_with_errors_and_quotas(monkeypatch):
    lines = [json.dumps(SUBJECT), json.dumps({**SUBJECT, "id": "dv-2", "facts": {"score": "x"}})]
    code, text = run(
        ["rate", "--pack", "R2025", "-", "--no-trace", "--quotas"], "\n".join(lines), monkeypatch
    )
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 1
    assert rows[0]["tier"] == "HTTNV" and "trace" not in rows[0]
    assert rows[1]["error"]["code"] == "rules.E103"
    assert "quota" in rows[2]


def test_rate_explain_text(monkeypatch):
    code, text = run(
        ["rate", "--pack", "R2025", "--explain", "--lang", "vi"], json.dumps(SUBJECT), monkeypatch
    )
    assert code == 0 and "Hoàn thành tốt nhiệm vụ" in text


def test_main_entry_point(capsys):
    assert main(["packs", "--json"]) == 0
    assert "R2025" in capsys.readouterr().out


LOCAL_HEAD = (
    'schema = 1\nid = "R2025-XA"\nextends = "R2025"\nversion = "1"\ntitle_vi = "Xã A"\n'
    'title_en = "Commune A"\n[documents.KHXA]\ntitle = "Kế hoạch xã A"\n'
)


def _local_rule(when, source=True):
    src = 'source = { doc = "KHXA", clause = "mục 1" }\n' if source else ""
    return (
        f'[[kinds.party_member.rules]]\nid = "XA-1"\nstage = "tier"\ntier = "HTXSNV"\n'
        f'when = "{when}"\nlabel_vi = "x"\nlabel_en = "x"\n{src}confidence = "verified"\n'
    )


BAD_LOCAL_PACKS = {
    # what a province might try → the stable code and a word the message must name
    "lowered threshold": ('[params.htxs_min_score]\nvalue = "85"\n', "rules.E021", "85"),
    "dropped trigger": ('[kinds.party_member]\ndrop = ["X25-K3"]\n', "rules.E022", "X25-K3"),
    "widened quota": ('[quota_pools.similar_role]\nshare = "0.30"\n', "rules.E023", "0.3"),
    "unknown criterion": (_local_rule("crit.chuyen_doi_so >= T"), "rules.E003", "chuyen_doi_so"),
    "unknown field": (_local_rule("pct_task_exceeded >= 40"), "rules.E003", "pct_tasks_exceeded"),
    "rule without source": (_local_rule("pct_tasks_exceeded >= 40", False), "rules.E006", "XA-1"),
    "wrong type": (_local_rule("score >= HTTNV"), "rules.E004", "XA-1"),
    "changed fallback": ('on_no_tier = "khtnv"\n', "rules.E025", "on_no_tier"),
}


@pytest.mark.parametrize("case", list(BAD_LOCAL_PACKS))
def test_packs_check_refuses_bad_local_packs(tmp_path, case):
    body, code, word = BAD_LOCAL_PACKS[case]
    text = (body + LOCAL_HEAD) if body.startswith("on_no_tier") else (LOCAL_HEAD + body)
    f = tmp_path / "local.toml"
    f.write_text(text, encoding="utf-8")
    rc, out = run(["packs", "check", str(f)])
    err = json.loads(out)["error"]
    assert rc == 1 and err["code"] == code
    assert word in err["message_en"] and word in err["message_vi"]


def test_rate_quotas_in_trace_and_conflicts(monkeypatch):
    """Excess is flagged in the candidates' own results (trace step + F001), never applied;
    a person rated differently in two places is reported."""
    base = {**SUBJECT["facts"], "task_score": 65, "shortcomings_remedied_pct": 100}
    lines = [
        {
            "id": f"x{i}",
            "kind": "party_member",
            "pool_key": "cb",
            "person_id": f"p{i}",
            "place": "chi bộ",
            "facts": {**base, "pct_tasks_exceeded": 30 + i},
        }
        for i in range(2)
    ]
    lines += [
        {"id": f"h{i}", "kind": "party_member", "pool_key": "cb", "facts": SUBJECT["facts"]}
        for i in range(5)
    ]
    lines.append(
        {
            "id": "x0-btv",
            "kind": "leader",
            "pool_key": "btv",
            "person_id": "p0",
            "place": "ban thường vụ",
            "facts": {**SUBJECT["facts"], "area_pct_done": 100, "area_on_time_quality": True},
        }
    )
    code, text = run(
        ["rate", "--pack", "R2025", "-", "--quotas"],
        "\n".join(json.dumps(x) for x in lines),
        monkeypatch,
    )
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 0
    by_id = {r["id"]: r for r in rows if "id" in r and "tier" in r}
    # 5 HTTNV + 2 candidates: floor(0.2 × 5) allows 1 (the default reading, §15.2).
    assert by_id["x0"]["tier"] == by_id["x1"]["tier"] == "HTXSNV"
    assert by_id["x0"]["trace"][-1]["stage"] == "quota"
    assert by_id["x0"]["trace"][-1]["values"]["proposed"] == "demote"
    assert "rules.F001" in [f["code"] for f in by_id["x0"]["flags"]]
    assert by_id["x1"]["trace"][-1]["values"]["proposed"] == "keep"
    quotas = [r["quota"] for r in rows if "quota" in r]
    assert {(q["pool_key"], q["kind"], q["excess"]) for q in quotas} == {
        ("cb", "party_member", 1),
        ("btv", "leader", 0),
    }
    conflicts = [r["conflict"] for r in rows if "conflict" in r]
    assert [c["person_id"] for c in conflicts] == ["p0"]
