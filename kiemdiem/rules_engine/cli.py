"""Command line for the engine: ``kiemdiem rate`` and ``kiemdiem packs``.

Registered into the top-level ``kiemdiem`` parser by ``kiemdiem/cli.py``; imports no Django.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import Any, TextIO

from .errors import InputError, PackError, RulesError
from .evaluate import Result, evaluate
from .pack import Pack, available_packs, load_pack, load_pack_file, pack_warnings
from .quotas import apply_quotas, pool_instance, reconcile_places


def register(sub: Any) -> None:
    """Add the engine's subcommands to an argparse sub-parser collection."""
    rate = sub.add_parser(
        "rate",
        help="rate subjects (one JSON object, a JSON array or NDJSON) and print results as JSON",
        description="Rate subjects under a rule pack. Input: one JSON subject, a JSON array, or "
        "NDJSON (one subject per line). Output: one JSON result, or NDJSON. "
        "See docs/rules-engine-input.md.",
        epilog="exit codes: 0 every subject rated; 1 some subjects (or a quota pool) rejected, "
        "each error printed in its place, the others rated; 2 nothing rated (pack or input "
        "unreadable, empty input, invalid option)",
    )
    rate.add_argument("--pack", required=True, help="pack id (e.g. R2025) or a local pack file")
    rate.add_argument("file", nargs="?", default="-", help="input file, or - for stdin")
    rate.add_argument("--lang", choices=("vi", "en"), help="render messages in one language")
    rate.add_argument("--no-trace", action="store_true", help="omit the trace")
    rate.add_argument(
        "--explain", action="store_true", help="print the explanation as text instead of JSON"
    )
    rate.add_argument(
        "--codes",
        action="store_true",
        help="with --explain: add rule codes, expressions and verification notes (for staff)",
    )
    rate.add_argument(
        "--quotas",
        action="store_true",
        help="also check quota pools and multi-place conflicts (printed after the results)",
    )
    rate.add_argument(
        "--party-share",
        action="append",
        metavar="[POOL_KEY=]SHARE",
        help="with --quotas: the share of party members rated HTXSNV (0.25, 25%% or 3/12) for "
        "the NĐ 48 rule (state HTXSNV share ≤ party share), for every pool or for one pool_key; "
        "repeatable",
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
    _write(json.dumps(obj, ensure_ascii=False, sort_keys=False) + "\n", out)


def _write(text: str, out: TextIO) -> None:
    # A lone surrogate (valid as a JSON escape, "\udc80") cannot be written as UTF-8: it is
    # written as its escape instead of ending the run with a traceback.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    out.write(text)


def _get_pack(ref: str) -> Pack:
    if ref.endswith(".toml"):
        return load_pack_file(ref)
    return load_pack(ref)


def _parse_json(text: str, line: int = 1) -> Any:
    """One JSON value; every way it can fail (syntax, nesting too deep, integers too long to
    convert) becomes an ``InputError`` naming the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        vi = f"lỗi cú pháp ở cột {err.colno} ({err.msg})"
        en = f"syntax error at column {err.colno} ({err.msg})"
    except RecursionError:
        vi, en = "lồng nhau quá sâu", "nested too deeply"
    except ValueError:  # an integer of thousands of digits
        vi, en = "có số quá dài", "a number is too long"
    raise InputError("rules.E116", line=line, what_vi=vi, what_en=en)


def _decode(raw: bytes | str, line: int = 1) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        # Never echo the bytes back: name the position only.
        raise InputError(
            "rules.E117", line=line, byte=f"{raw[err.start]:02x}", pos=err.start + 1
        ) from None


class SubjectReader:
    """Subjects from a stream, read as they come: NDJSON line by line (constant memory), or, if
    the first line is not a JSON value on its own, the whole input as one JSON object or array.

    Iterating yields ``(line number, subject value or InputError)``; ``single`` tells whether
    the input was one JSON object; ``empty`` whether it held nothing."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.single = False
        self.empty = True

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        lines = iter(self.stream)
        n = 0
        first: bytes | str | None = None
        for raw in lines:
            n += 1
            if n == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf" if isinstance(raw, bytes) else "\ufeff")
            if raw.strip():
                first = raw
                break
        if first is None:
            return
        self.empty = False
        try:
            value = _parse_json(_decode(first, n), n)
        except InputError:
            value = _NOT_ONE_LINE
        if value is _NOT_ONE_LINE:
            # A pretty-printed object or array: read it whole.
            rest = [first, *lines]
            whole: Any = _NOT_ONE_LINE
            try:
                whole = _parse_json("".join(_decode(r) for r in rest))
            except InputError:
                pass
            if isinstance(whole, list):
                yield from enumerate(whole, 1)
                return
            if whole is not _NOT_ONE_LINE:
                self.single = isinstance(whole, dict)
                yield 1, whole
                return
            yield from self._lines(rest, n)
            return
        yield from self._values(n, value)
        yield from self._lines(lines, n + 1)

    def _lines(self, lines: Iterable[bytes | str], start: int) -> Iterator[tuple[int, Any]]:
        for n, raw in enumerate(lines, start):
            if not raw.strip():
                continue
            try:
                value = _parse_json(_decode(raw, n), n)
            except InputError as err:
                yield n, err
                continue
            yield from self._values(n, value)

    @staticmethod
    def _values(n: int, value: Any) -> Iterator[tuple[int, Any]]:
        if isinstance(value, list):  # an array: subjects are numbered by position, as above
            yield from enumerate(value, 1)
        else:
            yield n, value


_NOT_ONE_LINE = object()


def read_subjects(text: str) -> tuple[bool, Iterator[tuple[int, Any]]]:
    """Parse input text as one JSON value (object or array) or as NDJSON.

    Returns (single, iterator of (line number, parsed value or the exception))."""
    reader = SubjectReader(io.StringIO(text))
    items = list(reader)
    return reader.single, iter(items)


def parse_party_shares(values: list[str] | None) -> dict[str | None, Fraction]:
    """``--party-share`` values: ``0.25``, ``25%`` or ``3/12`` for every pool instance, or
    ``POOL_KEY=…`` for one. Raises ``InputError`` naming the bad value."""
    shares: dict[str | None, Fraction] = {}
    for raw in values or []:
        key, sep, text = raw.rpartition("=")
        text = text.strip()
        try:
            if text.endswith("%"):
                share = Fraction(text[:-1].strip()) / 100
            else:
                share = Fraction(text)
        except (ValueError, ZeroDivisionError):
            share = None
        if share is None or not 0 <= share <= 1:
            raise InputError("rules.E115", value=raw)
        shares[key if sep else None] = share
    return shares


def _open_input(path: str) -> Any:
    if path == "-":
        return getattr(sys.stdin, "buffer", sys.stdin)
    return open(path, "rb")  # noqa: SIM115 - closed by the caller


def cmd_rate(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Exit codes: 0 every subject rated; 1 some subjects (or a quota pool) rejected, each
    error printed in its place, the others rated; 2 nothing rated: the pack cannot be loaded,
    the input cannot be read or is empty, or an option value is invalid."""
    out = out or sys.stdout
    lang = args.lang
    try:
        pack = _get_pack(args.pack)
    except PackError as err:
        _dump({"error": err.to_dict(lang)}, out)
        return 2
    try:
        party_shares = parse_party_shares(getattr(args, "party_share", None))
    except InputError as err:
        _dump({"error": err.to_dict(lang)}, out)
        return 2
    try:
        stream = _open_input(args.file)
    except OSError as err:
        detail = err.strerror or type(err).__name__
        _dump({"error": InputError("rules.E113", path=args.file, detail=detail).to_dict(lang)}, out)
        return 2
    try:
        reader = SubjectReader(stream)
        status = _rate_stream(pack, reader, args, party_shares, out)
    except OSError as err:  # e.g. reading a directory
        detail = err.strerror or type(err).__name__
        _dump({"error": InputError("rules.E113", path=args.file, detail=detail).to_dict(lang)}, out)
        return 2
    finally:
        if args.file != "-":
            stream.close()
    if reader.empty:
        _dump({"error": InputError("rules.E114", path=args.file).to_dict(lang)}, out)
        return 2
    return status


def _rate_one(
    pack: Pack, n: int, item: Any, lang: str | None
) -> tuple[Result, None] | tuple[None, dict[str, Any]]:
    """(result, None) or (None, the error line of a rejected subject)."""
    try:
        if isinstance(item, RulesError):
            raise item
        return evaluate(pack, item), None
    except RulesError as err:
        return None, _error_line(n, item, err, lang)


BATCH = 2000  # subjects per compiled query: memory stays flat, DuckDB still pays off


def _rate_batches(pack: Pack, reader: SubjectReader, lang: str | None, out: TextIO) -> int:
    """Without a trace: chunks of subjects through the compiled DuckDB query (the batch path),
    each chunk printed, in input order, before the next is read."""
    import duckdb

    from . import batch

    # One in-memory database for the whole run, one thread: the chunks are small, and every
    # thread would keep its own buffers.
    con = duckdb.connect(config={"threads": 1})
    status = 0
    chunk: list[tuple[int, Any]] = []

    def flush() -> None:
        nonlocal status
        good = [(n, item) for n, item in chunk if not isinstance(item, RulesError)]
        rated = iter(batch.rate_without_trace(pack, [item for _, item in good], con=con))
        for n, item in chunk:
            got = item if isinstance(item, RulesError) else next(rated)
            if isinstance(got, RulesError):
                status = 1
                _dump(_error_line(n, item, got, lang), out)
            else:
                _dump(got.to_dict(lang, trace=False), out)
        chunk.clear()

    try:
        for n, item in reader:
            chunk.append((n, item))
            if len(chunk) >= BATCH:
                flush()
        flush()
    finally:
        con.close()
    return status


def _error_line(n: int, item: Any, err: RulesError, lang: str | None) -> dict[str, Any]:
    sid = item.get("id") if isinstance(item, dict) else None
    if not isinstance(sid, str | int) or isinstance(sid, bool):
        sid = None
    return {"line": n, "id": sid, "error": err.to_dict(lang)}


def _rate_stream(
    pack: Pack,
    reader: SubjectReader,
    args: argparse.Namespace,
    party_shares: dict[str | None, Fraction],
    out: TextIO,
) -> int:
    lang = args.lang
    status = 0
    if args.no_trace and not args.explain and not args.quotas:
        return _rate_batches(pack, reader, lang, out)
    if not args.quotas:
        # Streamed: each result is printed as soon as it is computed and then forgotten.
        for n, item in reader:
            result, error = _rate_one(pack, n, item, lang)
            if result is None:
                status = 1
                _dump(error, out)
            elif args.explain:
                _write(result.explain(lang or "vi", codes=args.codes) + "\n\n", out)
            else:
                _dump(result.to_dict(lang, trace=not args.no_trace), out)
        return status
    # With --quotas the results wait for the quota check, which adds a step (and, for excess,
    # flag F001) to each candidate's trace; tiers are never changed here.
    rows: list[tuple[str, Any]] = []
    results: list[Result] = []
    for n, item in reader:
        result, error = _rate_one(pack, n, item, lang)
        if result is None:
            status = 1
            rows.append(("error", error))
        else:
            rows.append(("result", len(results)))
            results.append(result)
    outcomes: list[dict[str, Any]] = []
    conflicts = []
    if not reader.single:
        groups: dict[tuple[str, str | None, str], list[int]] = {}
        for i, r in enumerate(results):
            instance = pool_instance(r)
            if instance is not None:
                groups.setdefault(instance, []).append(i)
        for (pool, key, kind), positions in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])
        ):
            share = party_shares.get(key, party_shares.get(None))
            try:
                outcome = apply_quotas(
                    pack, [results[i] for i in positions], pool, pool_key=key, party_share=share
                )
            except RulesError as err:
                # One bad pool (a duplicate id) is reported; the other pools are still checked.
                status = 1
                outcomes.append(
                    {
                        "quota": {
                            "pool": pool,
                            "pool_key": key,
                            "kind": kind,
                            "error": err.to_dict(lang),
                        }
                    }
                )
                continue
            for i, r in zip(positions, outcome.results, strict=True):
                results[i] = r
            outcomes.append({"quota": outcome.to_dict(lang)})
        conflicts = reconcile_places(results)
    for what, value in rows:
        if what == "error":
            _dump(value, out)
            continue
        result = results[value]
        if args.explain:
            _write(result.explain(lang or "vi", codes=args.codes) + "\n\n", out)
        else:
            _dump(result.to_dict(lang, trace=not args.no_trace), out)
    for line in outcomes:
        _dump(line, out)
    for conflict in conflicts:
        _dump({"conflict": conflict.to_dict(lang)}, out)
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
