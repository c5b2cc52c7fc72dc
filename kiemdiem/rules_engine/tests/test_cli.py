"""The ``kiemdiem`` command line (no Django needed)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

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


# ---------------------------------------------------------------------------------------------
# No traceback for any input; exit codes: 0 all rated, 1 some rejected, 2 nothing rated.

KIEMDIEM = [sys.executable, "-m", "kiemdiem.cli"]


def run_bytes(argv, data: bytes):
    """The real command in a subprocess, bytes in, bytes out."""
    proc = subprocess.run(
        [*KIEMDIEM, *argv], input=data, capture_output=True, timeout=120, check=False
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_missing_file_and_directory_are_answered_clearly(tmp_path):
    for path, word in ((tmp_path / "nope.json", "No such file"), (tmp_path, "directory")):
        code, text = run(["rate", "--pack", "R2025", str(path)])
        err = json.loads(text)["error"]
        assert code == 2 and err["code"] == "rules.E113"
        assert word in err["message_vi"] and "Không đọc được dữ liệu vào" in err["message_vi"]


@pytest.mark.parametrize("data", [b"", b"\n  \n", b"\xef\xbb\xbf\n"])
def test_empty_input_is_answered_clearly(data):
    code, out, err = run_bytes(["rate", "--pack", "R2025", "-"], data)
    assert code == 2 and not err
    assert json.loads(out)["error"]["code"] == "rules.E114"


def test_non_utf8_stdin_is_reported_by_line_without_echoing_it():
    good = json.dumps(SUBJECT).encode()
    bad = b'{"id": "dv-\xff\xfe", "kind": "party_member"}'
    code, out, err = run_bytes(
        ["rate", "--pack", "R2025", "-", "--no-trace"], good + b"\n" + bad + b"\n" + good
    )
    assert code == 1 and not err
    assert b"\xff" not in out and b"\\udcff" not in out
    rows = [json.loads(x) for x in out.decode("utf-8").splitlines()]
    assert [r.get("tier") for r in rows] == ["HTTNV", None, "HTTNV"]
    assert rows[1]["line"] == 2 and rows[1]["error"]["code"] == "rules.E117"
    assert "UTF-8" in rows[1]["error"]["message_vi"]


def test_non_utf8_file_is_reported(tmp_path):
    f = tmp_path / "cp1258.json"
    f.write_bytes(b'{"id": "H\xe0 N\xf4i", "kind": "party_member"}')  # Latin-1
    code, text = run(["rate", "--pack", "R2025", str(f)])
    assert code == 1 and json.loads(text)["error"]["code"] == "rules.E117"


HOSTILE = {
    "deeply nested": b"[" * 100_000 + b"]" * 100_000,
    "integer of thousands of digits": b'{"id": "a", "kind": "party_member", "facts": {"score": '
    + b"9" * 5000
    + b"}}",
    "NaN units": b'{"id": "a", "kind": "cong_chuc", "facts": {"general_score": 20}, '
    b'"products": [{"units": NaN}]}',
    "Infinity units": b'{"id": "a", "kind": "cong_chuc", "facts": {"general_score": 20}, '
    b'"products": [{"units": -Infinity}]}',
    "products of the wrong type": b'{"id": "a", "kind": "cong_chuc", "facts": {}, "products": 7}',
    "a lone surrogate id": b'{"id": "\\udc80", "kind": "cong_chuc", "facts": {"general_score": 20,'
    b' "qty_pct": 1, "quality_pct": 1, "progress_pct": 1}}',
    "not an object": b"[1, null, true]",
    "broken JSON": b'{"id": "a", ',
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_input_never_gives_a_traceback(case):
    pack = "ND335" if b"cong_chuc" in HOSTILE[case] else "R2025"
    code, out, err = run_bytes(["rate", "--pack", pack, "-", "--lang", "vi"], HOSTILE[case])
    assert err == b"", err.decode("utf-8", "replace")[-500:]
    assert code in (0, 1)
    for line in out.decode("utf-8").splitlines():
        row = json.loads(line)
        assert "tier" in row or row["error"]["code"].startswith("rules.E1")


def test_one_bad_subject_does_not_lose_the_others(monkeypatch):
    batch = [SUBJECT, {**SUBJECT, "id": "dv-2", "products": 5}, {**SUBJECT, "id": "dv-3"}]
    code, text = run(["rate", "--pack", "R2025", "-", "--no-trace"], json.dumps(batch), monkeypatch)
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 1
    assert [r.get("id") for r in rows] == ["dv-1", "dv-2", "dv-3"]
    assert rows[1]["line"] == 2 and rows[1]["error"]["code"] == "rules.E103"
    assert rows[0]["tier"] == rows[2]["tier"] == "HTTNV"


def test_a_bad_pool_does_not_lose_the_results(monkeypatch):
    """Two subjects with the same id in one pool: that pool is reported, every result and the
    other pools are still printed (before, the whole run printed one error)."""
    lines = [{**SUBJECT, "pool_key": "a"}, {**SUBJECT, "pool_key": "a"}]
    lines.append({**SUBJECT, "id": "dv-9", "pool_key": "b"})
    code, text = run(
        ["rate", "--pack", "R2025", "-", "--quotas", "--no-trace"],
        "\n".join(json.dumps(x) for x in lines),
        monkeypatch,
    )
    rows = [json.loads(x) for x in text.splitlines()]
    assert code == 1
    assert [r["tier"] for r in rows if "tier" in r] == ["HTTNV"] * 3
    quotas = {q["quota"]["pool_key"]: q["quota"] for q in rows if "quota" in q}
    assert quotas["a"]["error"]["code"] == "rules.E112" and quotas["b"]["allowed"] == 0


def test_strict_types_in_products_from_the_command_line(monkeypatch):
    s = {"id": "cc", "kind": "cong_chuc", "facts": {"general_score": 24}}
    for products, where in (([{"done": "no"}], "done"), ([{"delays": 2.7}], "delays")):
        code, text = run(
            ["rate", "--pack", "ND335", "-", "--lang", "vi"],
            json.dumps({**s, "products": products}),
            monkeypatch,
        )
        err = json.loads(text)["error"]
        assert code == 1 and err["code"] == "rules.E103"
        assert f"products[1].{where}" in err["message"] and "Giá trị" in err["message"]


# ---------------------------------------------------------------------------------------------
# NĐ 48 (S48-SYNC) from the command line


def _state_lines(h, c, key="phong-1"):
    crit = dict.fromkeys(
        ("chinh_tri_tu_tuong", "dao_duc_loi_song", "tac_phong_le_loi", "y_thuc_ky_luat"), "T"
    )
    base = {"pct_tasks_done": 100, "on_time_quality": True, "pct_late_or_poor": 0}
    rows = [
        {"id": f"h{i}", "kind": "vien_chuc", "pool_key": key, "criteria": crit, "facts": base}
        for i in range(h)
    ]
    rows += [
        {
            "id": f"x{i}",
            "kind": "vien_chuc",
            "pool_key": key,
            "criteria": crit,
            "facts": {**base, "pct_tasks_exceeded": 60 + i},
        }
        for i in range(c)
    ]
    return "\n".join(json.dumps(r) for r in rows)


def test_party_share_applies_nd48_from_the_command_line(monkeypatch):
    """10 HTTNV + 2 candidates allow 2 by the 20 % rule; with 10 % of party members HTXSNV,
    NĐ 48 allows 1 (floor(0.1 × 12)) — flagged F006 with the excess proposed for demotion."""
    argv = ["rate", "--pack", "ND90-48", "-", "--quotas", "--no-trace"]
    code, text = run([*argv, "--party-share", "10%"], _state_lines(10, 2), monkeypatch)
    q = next(json.loads(x)["quota"] for x in text.splitlines() if '"quota"' in x)
    assert code == 0 and q["allowed"] == 1 and q["proposed_demote"] == ["x0"]
    assert [f["code"] for f in q["flags"]] == ["rules.F006"]
    # Per pool key; another key falls back to the share given for all.
    code, text = run(
        [*argv, "--party-share", "1/2", "--party-share", "phong-1=0"],
        _state_lines(10, 2),
        monkeypatch,
    )
    q = next(json.loads(x)["quota"] for x in text.splitlines() if '"quota"' in x)
    assert q["allowed"] == 0


def test_party_share_missing_is_flagged_not_silent(monkeypatch):
    code, text = run(
        ["rate", "--pack", "ND90-48", "-", "--quotas", "--no-trace"],
        _state_lines(10, 2),
        monkeypatch,
    )
    q = next(json.loads(x)["quota"] for x in text.splitlines() if '"quota"' in x)
    assert code == 0 and [f["code"] for f in q["flags"]] == ["rules.F010"]


@pytest.mark.parametrize("value", ["abc", "1.5", "-0.1", "3/0", "x="])
def test_bad_party_share_is_refused(value, monkeypatch):
    code, text = run(
        ["rate", "--pack", "ND90-48", "-", "--quotas", "--party-share", value],
        _state_lines(1, 1),
        monkeypatch,
    )
    err = json.loads(text)["error"]
    assert code == 2 and err["code"] == "rules.E115" and value in err["message_vi"]


# ---------------------------------------------------------------------------------------------
# Streaming


def test_results_are_written_before_the_next_line_is_read():
    """NDJSON is rated line by line: the first result is out before the second line is read,
    so memory does not grow with the input."""
    out = io.StringIO()
    seen = []

    def lines():
        yield (json.dumps(SUBJECT) + "\n").encode()
        seen.append(out.getvalue())
        yield (json.dumps({**SUBJECT, "id": "dv-2"}) + "\n").encode()

    from kiemdiem.rules_engine import cli

    args = build_parser().parse_args(["rate", "--pack", "R2025", "-"])
    pack = cli._get_pack("R2025")
    reader = cli.SubjectReader(lines())
    assert cli._rate_stream(pack, reader, args, {}, out) == 0
    assert '"dv-1"' in seen[0]
    assert len(out.getvalue().splitlines()) == 2


def test_without_trace_chunks_go_through_the_batch_path(monkeypatch):
    """--no-trace rates chunks of BATCH subjects with the compiled query, each chunk printed
    before the next is read; the results are those of the one-subject path."""
    from kiemdiem.rules_engine import batch, cli

    calls = []
    real = batch.rate_without_trace
    monkeypatch.setattr(
        batch, "rate_without_trace", lambda p, s, con: calls.append(len(s)) or real(p, s, con=con)
    )
    monkeypatch.setattr(cli, "BATCH", 2)
    subjects = [{**SUBJECT, "id": f"dv-{i}"} for i in range(5)]
    subjects[3] = {**SUBJECT, "id": "dv-3", "facts": {"general_score": 10, "task_score": 20}}
    code, text = run(
        ["rate", "--pack", "R2025", "-", "--no-trace", "--lang", "en"],
        "\n".join(json.dumps(x) for x in subjects),
        monkeypatch,
    )
    assert code == 0 and calls == [2, 2, 1]
    got = [json.loads(x) for x in text.splitlines()]
    pack = cli._get_pack("R2025")
    from kiemdiem.rules_engine import evaluate

    assert got == [evaluate(pack, x).to_dict("en", trace=False) for x in subjects]


def test_pretty_printed_object_and_array_still_read(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps(SUBJECT, indent=2), encoding="utf-8")
    code, text = run(["rate", "--pack", "R2025", str(f), "--no-trace"])
    assert code == 0 and json.loads(text)["tier"] == "HTTNV"
    f.write_text(json.dumps([SUBJECT, {**SUBJECT, "id": "b"}], indent=2), encoding="utf-8")
    code, text = run(["rate", "--pack", "R2025", str(f), "--no-trace"])
    assert code == 0 and [json.loads(x)["id"] for x in text.splitlines()] == ["dv-1", "b"]


def test_explain_codes_for_staff(monkeypatch):
    code, text = run(["rate", "--pack", "R2025", "--explain"], json.dumps(SUBJECT), monkeypatch)
    assert code == 0 and "ALL25-B1" not in text and "Căn cứ:" in text
    code, text = run(
        ["rate", "--pack", "R2025", "--explain", "--codes"], json.dumps(SUBJECT), monkeypatch
    )
    assert "ALL25-B1" in text and "score >= $htt_min_score" in text


def test_a_pack_file_that_is_not_utf8_is_refused(tmp_path):
    bad = tmp_path / "local.toml"
    bad.write_bytes(b'id = "\xff"\n')
    code, text = run(["packs", "check", str(bad)])
    assert code == 1 and json.loads(text)["error"]["code"] == "rules.E001"
    code, text = run(["rate", "--pack", str(bad), str(bad)])
    assert code == 2 and json.loads(text)["error"]["code"] == "rules.E001"
