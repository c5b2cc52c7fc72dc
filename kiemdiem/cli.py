"""The ``kiemdiem`` console command: a thin argparse dispatcher.

Each part of the project registers its own subcommands (``register(subparsers)``); this module
imports no Django, so ``kiemdiem rate`` and ``kiemdiem packs`` work without settings.
"""

from __future__ import annotations

import argparse
import sys

from kiemdiem.rules_engine import cli as rules_engine_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiemdiem",
        description="kiemdiem — kiểm điểm, đánh giá, xếp loại chất lượng",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    rules_engine_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
