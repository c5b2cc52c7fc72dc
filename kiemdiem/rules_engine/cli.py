"""Command line for the engine: ``kiemdiem rate`` and ``kiemdiem packs``.

Registered into the top-level ``kiemdiem`` parser by ``kiemdiem/cli.py``; imports no Django.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from .errors import InputError, PackError, RulesError
from .evaluate import evaluate
from .pack import Pack, available_packs, load_pack, load_pack_file, pack_warnings
from .quotas import apply_all_quotas, pool_instance, reconcile_places


def register(sub: Any) -> None:
    """Add the engine's subcommands to an argparse sub-parser collection."""
    rate = sub.add_parser(
        "rate",
        help="rate subjects (one JSON object, a JSON array or NDJSON) and print results as JSON",
        description="Rate subjects under a rule pack. Input: one JSON subject, a JSON array, or "
        "NDJSON (one subject per line). Output: one JSON result, or NDJSON. "
        "See docs/rules-engine-input.md.",
    )
    rate.add_argument("--pack", required=True, help="pack id (e.g. R2025) or a local pack file")
    rate.add_argument("file", nargs="?", default="-", help="input file, or - for stdin")
    rate.add_argument("--lang", choices=("vi", "en"), help="render messages in one language")
    rate.add_argument("--no-trace", action="store_true", help="omit the trace")
    rate.add_argument(
        "--explain", action="store_true", help="print the explanation as text instead of JSON"
    )
    rate.add_argument(
        "--quotas",
        action="store_true",
        help="also check quota pools and multi-place conflicts (printed after the results)",
    )
    rate.set_defaults(func=cmd_rate)

    packs = sub.add_parser(
        "packs",
        help="list rule packs (versions, hashes, rule counts) or check a pack file",
        description="Without arguments: list the shipped packs. 'packs check FILE': validate a "
        "central or local pack file and print its hash, or the error with its code.",
    )
    packs.add_argument("action", nargs="?", choices=("list", "check"), default="list")
    packs.add_argument("file", nargs="?", help="pack file for 'check'")
    packs.add_argument("--json", action="store_true", help="JSON output")
    packs.set_defaults(func=cmd_packs)


def _dump(obj: Any, out: TextIO) -> None:
    out.write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n")


def _get_pack(ref: str) -> Pack:
    if ref.endswith(".toml"):
        return load_pack_file(ref)
    return load_pack(ref)


def read_subjects(text: str) -> tuple[bool, Iterator[tuple[int, Any]]]:
    """Parse input as one JSON value (object or array) or as NDJSON.

    Returns (single, iterator of (line number, parsed value or the exception))."""
    stripped = text.strip()
    if not stripped:
        return False, iter(())
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError:
        value = None
    else:
        if isinstance(value, list):
            return False, iter(enumerate(value, 1))
        return True, iter([(1, value)])

    def lines() -> Iterator[tuple[int, Any]]:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as err:
                yield n, InputError("rules.E111", detail=f"line {n}: invalid JSON ({err.msg})")

    return False, lines()


def cmd_rate(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        pack = _get_pack(args.pack)
    except PackError as err:
        _dump({"error": err.to_dict(args.lang)}, out)
        return 2
    if args.file == "-":
        text = sys.stdin.read()
    else:
        with open(args.file, encoding="utf-8") as fh:
            text = fh.read()
    single, items = read_subjects(text)
    status = 0
    # Output keeps the input order: a result, or the error of a rejected subject, per line.
    rows: list[tuple[str, Any]] = []
    results = []
    for n, item in items:
        try:
            if isinstance(item, RulesError):
                raise item
            result = evaluate(pack, item)
        except RulesError as err:
            status = 1
            sid = item.get("id") if isinstance(item, dict) else None
            rows.append(("error", {"line": n, "id": sid, "error": err.to_dict(args.lang)}))
            continue
        rows.append(("result", len(results)))
        results.append(result)
    outcomes = []
    conflicts = []
    if args.quotas and not single:
        # The quota check adds a step (and, for excess, flag F001) to each candidate's trace;
        # tiers are never changed here — the competent level decides.
        try:
            outcomes = apply_all_quotas(pack, results)
        except RulesError as err:
            _dump({"error": err.to_dict(args.lang)}, out)
            return 1
        positions: dict[tuple[str, str | None, str], list[int]] = {}
        for i, r in enumerate(results):
            key = pool_instance(r)
            if key is not None:
                positions.setdefault(key, []).append(i)
        for o in outcomes:
            key = (o.pool, o.pool_key, o.kind or "")
            for i, r in zip(positions[key], o.results, strict=True):
                results[i] = r
        conflicts = reconcile_places(results)
    for what, value in rows:
        if what == "error":
            _dump(value, out)
            continue
        result = results[value]
        if args.explain:
            out.write(result.explain(args.lang or "vi") + "\n\n")
        else:
            _dump(result.to_dict(args.lang, trace=not args.no_trace), out)
    for outcome in outcomes:
        _dump({"quota": outcome.to_dict(args.lang)}, out)
    for conflict in conflicts:
        _dump({"conflict": conflict.to_dict(args.lang)}, out)
    return status


def cmd_packs(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.action == "check":
        if not args.file:
            out.write("usage: kiemdiem packs check FILE\n")
            return 2
        try:
            pack = load_pack_file(args.file)
        except PackError as err:
            _dump({"ok": False, "file": args.file, "error": err.to_dict()}, out)
            return 1
        _dump(
            {
                "ok": True,
                "file": args.file,
                "pack": pack.info().to_dict(),
                "warnings": pack_warnings(pack),
            },
            out,
        )
        return 0
    infos = available_packs()
    if args.json:
        _dump([i.to_dict() for i in infos], out)
        return 0
    header = f"{'ID':<9} {'VERSION':<10} {'TRACK':<6} {'YEARS':<10} {'RULES':>5}  {'V/P/U':<9} HASH"
    out.write(header + "\n")
    for i in infos:
        years = f"{i.review_years[0]}–{i.review_years[1] if i.review_years[1] < 9999 else ''}"
        conf = f"{i.confidence['verified']}/{i.confidence['partly_verified']}/{i.confidence['unverified']}"
        out.write(
            f"{i.id:<9} {i.version:<10} {i.track:<6} {years:<10} {i.rule_count:>5}  {conf:<9} {i.hash}\n"
        )
        out.write(f"          {i.title_vi}\n")
    return 0
