"""Every choice list is decided under the stored-codes convention: docs/architecture.md
("Stored codes") lists each one with exactly its values."""

import re
from pathlib import Path

from django.conf import settings
from django.db import models

DOC = Path(settings.BASE_DIR) / "docs" / "architecture.md"


def _choice_lists():
    """{"app.Enum": [values]} for every TextChoices of ours (all models modules are loaded)."""
    found, todo = {}, list(models.TextChoices.__subclasses__())
    while todo:
        enum = todo.pop()
        todo.extend(enum.__subclasses__())
        if enum.__module__.startswith("kiemdiem."):
            found[f"{enum.__module__.split('.')[1]}.{enum.__name__}"] = list(enum.values)
    return found


def _documented():
    """{"app.Enum": [values]} from the table's rows: | `app.Enum` | `v1` `v2` … | why |"""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`\w+\.\w+`", cells[0]):
            values = re.findall(r"`([^`]*)`", cells[1])
            rows[cells[0].strip("`")] = ["" if v == '""' else v for v in values]
    return rows


def test_every_choice_list_is_in_the_stored_codes_table_with_its_values():
    code, documented = _choice_lists(), _documented()
    assert code, "no TextChoices found"
    assert code == documented
