"""The subject's tier has one writer: ``decisions`` (``services`` and its bulk path). Read from
the source itself: any other module that assigns ``….tier`` / ``rated_at`` / ``rated_by`` /
``rating_note``, passes them to ``update()``, or saves them by ``update_fields`` fails here,
with the file and line. (Tests may set up rated subjects directly.)"""

import ast
from pathlib import Path

import kiemdiem

ROOT = Path(kiemdiem.__file__).parent
COPIED = {"tier", "rated_at", "rated_by", "rating_note"}  # the subject's copy of the decision
WRITERS = {ROOT / "decisions" / "services.py", ROOT / "decisions" / "bulk.py"}
# Names that are not the subject's copy.
NOT_SUBJECT = {
    # CycleIndex.tier: the index's in-memory map of the cycle's tiers, read by the bulk paths.
    ROOT / "cycles" / "selectors.py": {"self.tier"},
    # Holder.tier: a row of the comparison of equivalent positions, built in memory.
    ROOT / "insights" / "comparison.py": {"holder.tier"},
}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or parts[0] == "testing.py":
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _writes(tree) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for t in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(t, ast.Attribute) and t.attr in COPIED:
                    found.append((node.lineno, ast.unparse(t)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("update", "bulk_update", "update_or_create"):
                for keyword in node.keywords:
                    if keyword.arg in COPIED:
                        found.append((node.lineno, f"{node.func.attr}({keyword.arg}=…)"))
            for keyword in node.keywords:
                if keyword.arg == "update_fields" and isinstance(
                    keyword.value, ast.List | ast.Tuple
                ):
                    names = {e.value for e in keyword.value.elts if isinstance(e, ast.Constant)}
                    if names & COPIED:
                        found.append((node.lineno, f"update_fields={sorted(names & COPIED)}"))
    return found


def test_only_decisions_writes_the_subjects_tier():
    found = []
    for path, tree in _modules():
        if path in WRITERS:
            continue
        allowed = NOT_SUBJECT.get(path, set())
        for line, what in _writes(tree):
            if what not in allowed:
                found.append(f"{path.relative_to(ROOT.parent)}:{line} writes {what}")
    assert found == [], "\n".join(found)


def test_the_check_sees_a_write():
    """The reader above is not blind: the writers themselves are flagged by it."""
    tree = ast.parse((ROOT / "decisions" / "services.py").read_text(encoding="utf-8"))
    assert any("subject.tier" in what for _line, what in _writes(tree))
    bulk = ast.parse((ROOT / "decisions" / "bulk.py").read_text(encoding="utf-8"))
    assert any("update(tier=" in what for _line, what in _writes(bulk))
