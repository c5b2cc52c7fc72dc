"""The ``kiemdiem`` command line (no Django needed)."""

from __future__ import annotations

import io
import json

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
