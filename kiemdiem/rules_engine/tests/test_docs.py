"""The examples in docs/rules-engine-input.md rate as the document says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiemdiem.rules_engine import evaluate, load_pack

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules-engine-input.md"
EXAMPLE = re.compile(r"<!-- pack: (\S+) expect: (\S+) -->\s*```json\n(.*?)```", re.S)


def examples():
    if not DOC.exists():  # pragma: no cover - docs not shipped with the package
        return []
    return [
        pytest.param(pack, expect, body, id=f"{pack}-{json.loads(body)['id']}")
        for pack, expect, body in EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    ]


def test_doc_has_examples_for_every_pack():
    packs = {p.values[0] for p in examples()}
    assert packs == {"R2019", "R2023", "R2025", "ND335", "ND90-48"}


@pytest.mark.parametrize(("pack_id", "expect", "body"), examples())
def test_doc_example(pack_id, expect, body):
    r = evaluate(load_pack(pack_id), json.loads(body))
    assert (r.tier.name if r.tier else r.status) == expect
