"""A list the regulations name as an .xlsx file: the same rows the page shows, through the
same door; the date of birth only of those whose personal fields the reader may see, every
text cell through ``common.spreadsheets.safe_cell``."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from kiemdiem.common.spreadsheets import safe_cell
from kiemdiem.people.models import Person
from kiemdiem.people.policies import personal_people


def personal_ids(user, ids: list[int], chunk: int = 5_000) -> set[int]:
    """Of ``ids``, the people whose personal fields ``user`` may see (a query per chunk)."""
    out: set[int] = set()
    people = Person.objects.all() if user is None else personal_people(user)
    for start in range(0, len(ids), chunk):
        out |= set(people.filter(pk__in=ids[start : start + chunk]).values_list("pk", flat=True))
    return out


def workbook(user, title: str, unit, years: list[int], rows, persons: bool) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("List")[:31]
    sheet.append([safe_cell(title)])
    sheet["A1"].font = Font(bold=True)
    sheet.append([safe_cell(unit.name)])
    head = [_("No."), _("Name") if persons else _("Organization")]
    if persons:
        head += [_("Date of birth"), _("Where rated")]
    head += [str(y) for y in years] + [_("Decided on")]
    sheet.append(head)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    ids = [r.person_id for r in rows if r.person_id]
    births = {}
    if persons and ids:
        allowed = personal_ids(user, ids)
        births = dict(Person.objects.filter(pk__in=sorted(allowed)).values_list("pk", "birth_date"))
    for i, r in enumerate(rows, start=1):
        line = [i, safe_cell(r.name)]
        if persons:
            born = births.get(r.person_id)
            line += [born.strftime("%d/%m/%Y") if born else "", safe_cell(r.unit_name)]
        line += [r.tiers.get(y, "") for y in years]
        last = r.decided.get(years[-1])
        line.append(timezone.localtime(last).strftime("%d/%m/%Y") if last else "")
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
