"""Who may do what is decided in the permission door (``accounts.permissions``) and in each
app's ``policies.py`` — nowhere else — and actions are named by the ``Action`` enum.

Read from the source itself: a view, a service or an API module that decides a right inline
(``can``, ``has_any``, ``scope_prefixes``, ``has_perm``, a ``may_…`` function of its own) or
passes an action as a bare string fails here, with the file and line.
"""

import ast
from pathlib import Path

import kiemdiem
from kiemdiem.accounts.models import Action

ROOT = Path(kiemdiem.__file__).parent
DOOR = ROOT / "accounts" / "permissions.py"
# What a selector, a view or a service may take from the door: reading through it.
# Reading through the door, and keeping its per-request cache (forget, or fill with the grants
# the sign-in backend read with the user): none of these decides a right.
READING = {"restrict", "get_or_404", "forget_scope", "remember_grants"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or path == DOOR or parts[0] == "testing.py":
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path, node) -> str:
    return f"{path.relative_to(ROOT.parent)}:{node.lineno}"


def test_rights_are_decided_in_the_door_and_the_policies_only():
    found = []
    for path, tree in _modules():
        if path.name == "policies.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "kiemdiem.accounts.permissions":
                deciding = {alias.name for alias in node.names} - READING
                if deciding:
                    found.append(f"{_where(path, node)} imports {sorted(deciding)}")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                node.name.startswith("may_") or node.name in ("is_writer", "is_head_of")
            ):
                found.append(f"{_where(path, node)} defines {node.name}()")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "has_perm"
            ):
                found.append(f"{_where(path, node)} asks has_perm()")
    assert found == [], "\n".join(found)


def test_actions_are_never_bare_strings():
    names = set(Action.values)
    found = []
    for path, tree in _modules():
        if path.name == "models.py" and path.parent.name == "accounts":
            continue  # where the enum itself is defined
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            arguments = [*node.args, *(k.value for k in node.keywords)]
            for argument in arguments:
                if isinstance(argument, ast.Constant) and argument.value in names:
                    found.append(f"{_where(path, argument)} passes {argument.value!r}")
        for node in ast.walk(tree):  # defaults such as ``action: str = "view"``
            if isinstance(node, ast.arguments):
                for default in [*node.defaults, *node.kw_defaults]:
                    if isinstance(default, ast.Constant) and default.value in names:
                        found.append(f"{_where(path, default)} defaults to {default.value!r}")
    assert found == [], "\n".join(found)


def test_the_door_takes_enum_members_only(province):
    import pytest
    from django.contrib.auth.models import AnonymousUser

    from kiemdiem.accounts.permissions import restrict
    from kiemdiem.orgtree.models import Unit

    for user in (province.users["staff_p"], AnonymousUser()):
        with pytest.raises(ValueError, match="Action enum"):
            restrict(Unit.objects.all(), user, "view")
    assert restrict(Unit.objects.all(), province.users["staff_a"], Action.VIEW).count() == 4
