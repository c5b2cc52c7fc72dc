"""The examples in docs/rules-engine-input.md rate as the document says — all of them, and
there is at least one for every subject kind of every pack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiemdiem.rules_engine import available_packs, evaluate, load_pack

DOC = Path(__file__).resolve().parents[3] / "docs" / "rules-engine-input.md"
EXAMPLE = re.compile(r"<!-- pack: (\S+) expect: (\S+) -->\s*```json\n(.*?)```", re.S)

pytestmark = pytest.mark.skipif(not DOC.exists(), reason="docs not shipped with the package")


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def examples():
    if not DOC.exists():  # pragma: no cover - docs not shipped with the package
        return []
    return [
        pytest.param(pack, expect, body, id=f"{pack}-{json.loads(body)['id']}")
        for pack, expect, body in EXAMPLE.findall(_text())
    ]


def test_every_json_example_is_checked():
    """A ```json block without its "pack/expect" marker would silently escape the test."""
    text = _text()
    assert text.count("```json") == len(EXAMPLE.findall(text)) > 0


def test_doc_has_an_example_for_every_kind_of_every_pack():
    covered = {(pack, json.loads(body)["kind"]) for pack, _, body in EXAMPLE.findall(_text())}
    wanted = {(info.id, kind) for info in available_packs() for kind in info.kinds}
    assert wanted - covered == set()


@pytest.mark.parametrize(("pack_id", "expect", "body"), examples())
def test_doc_example(pack_id, expect, body):
    r = evaluate(load_pack(pack_id), json.loads(body))
    assert (r.tier.name if r.tier else r.status) == expect
