"""The header fields every document shares: the issuing body and its superior, the number line
"Số …-BC/ĐU" and the date line "<địa danh>, ngày … tháng … năm …" (docs/documents.md,
"Number and place").

This module knows no domain model: it reads ``name``, ``kind`` and ``parent`` of the unit the
caller hands it and of the units above it (``chain``, top first, the unit itself last — an
app above ``orgtree`` passes ``orgtree.selectors.breadcrumbs(unit) + [unit]``).

* **Number**: a document the system writes has not been entered in the unit's register of
  outgoing documents, so the number itself is a dotted blank to write in by hand, followed by
  the document kind's and the issuing body's abbreviations as the party writes them:
  ``Số ……-BC/ĐU``. The state's documents put them the other way round (``Số: ……/BC-…``).
* **Place** (địa danh): the locality where the issuing body sits, as the party writes it — for
  a body of a commune or ward (the commune's committee and everything under it) the commune's
  name, otherwise the province's. The tree has no field for it, so it is derived from the
  names: the nearest commune-level committee at or above the unit (kind ``dang_bo_xa``), else
  the top-level provincial committee (``dang_bo_tinh``), with the "Đảng bộ tỉnh/thành phố/
  xã/phường/thị trấn/đặc khu" prefix taken off ("Đảng bộ xã An Bình" → "An Bình"; a ward named
  by a number keeps its word: "Đảng bộ phường 12" → "Phường 12"). Where neither is found (a
  central body) the place is left dotted to write in.
* **Date**: "ngày 05 tháng 3 năm 2025" — a day below 10 and the months 1 and 2 written with a
  leading zero, the others without (the rule of the party's and the state's document forms).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from django.utils import timezone

DOTS = "……"
DATE_BLANK = f"{DOTS}, ngày … tháng … năm 20…"

# Kinds of document (the abbreviation before the slash).
KIND_ABBREVIATIONS = {
    "bao_cao": "BC",  # báo cáo
    "bien_ban": "BB",  # biên bản
    "quyet_dinh": "QĐ",  # quyết định
    "thong_bao": "TB",  # thông báo
    "danh_sach": "DS",  # danh sách
}

# The issuing body by unit kind (after the slash). A leadership collective writes in the name
# of its organization (the standing committee of a provincial committee signs "…/TU"), so it
# takes its parent's.
ISSUER_ABBREVIATIONS = {
    "dang_bo_tinh": "TU",  # Tỉnh ủy / Thành ủy
    "dang_bo_xa": "ĐU",  # Đảng ủy xã, phường
    "dang_bo_tren_co_so": "ĐU",
    "dang_bo_co_so": "ĐU",
    "dang_bo_bo_phan": "ĐU",
    "chi_bo_co_so": "CB",
    "chi_bo_truc_thuoc": "CB",
    "dang_doan": "ĐĐ",
    "ban_can_su": "BCSĐ",
}
COLLECTIVE_KINDS = {"ban_chap_hanh", "ban_thuong_vu", "chi_uy", "ban_lanh_dao"}
COMMUNE_KIND = "dang_bo_xa"
PROVINCE_KIND = "dang_bo_tinh"

_PREFIX = re.compile(
    r"^\s*(?:đảng bộ|đảng ủy|tỉnh ủy|thành ủy)\s+"
    r"(?P<word>tỉnh|thành phố|xã|phường|thị trấn|đặc khu)?\s*",
    re.IGNORECASE,
)


def place_from_name(name: str) -> str:
    """The place in a name: "Đảng bộ tỉnh Đồng Nai" → "Đồng Nai", "Đảng bộ phường 12" →
    "Phường 12"."""
    match = _PREFIX.match(name or "")
    if not match:
        return (name or "").strip()
    rest = name[match.end() :].strip()
    word = match.group("word")
    if word and (not rest or rest[0].isdigit()):
        return f"{word[0].upper()}{word[1:].lower()} {rest}".strip()
    return rest


def place_name(chain: Sequence) -> str:
    """The place of the date line for the last unit of ``chain`` (top first), or ""."""
    for unit in reversed(chain):
        if getattr(unit, "kind", "") == COMMUNE_KIND:
            return place_from_name(unit.name)
    for unit in chain:
        if getattr(unit, "kind", "") == PROVINCE_KIND:
            return place_from_name(unit.name)
    return ""


def issuer_abbreviation(chain: Sequence) -> str:
    """The issuing body's abbreviation for the last unit of ``chain``, or "" (not a party
    body: a state agency, a mass organization)."""
    for unit in reversed(chain):
        kind = getattr(unit, "kind", "")
        if kind in COLLECTIVE_KINDS:
            continue
        return ISSUER_ABBREVIATIONS.get(kind, "")
    return ""


def number_line(kind: str, chain: Sequence, *, state: bool = False) -> str:
    """The number line with a dotted blank for the number: "Số ……-BC/ĐU" (party), "Số: ……/BC-……"
    (state). ``kind`` is a key of ``KIND_ABBREVIATIONS``."""
    abbreviation = KIND_ABBREVIATIONS[kind]
    if state:
        return f"Số: {DOTS}/{abbreviation}-{DOTS}"
    issuer = issuer_abbreviation(chain) or DOTS
    return f"Số {DOTS}-{abbreviation}/{issuer}"


# Who signs for a collective ("T/M …"), by the kind of the unit that writes the report.
ON_BEHALF = {
    "dang_bo_tinh": "T/M BAN THƯỜNG VỤ",
    "dang_bo_xa": "T/M ĐẢNG ỦY",
    "dang_bo_tren_co_so": "T/M ĐẢNG ỦY",
    "dang_bo_co_so": "T/M ĐẢNG ỦY",
    "dang_bo_bo_phan": "T/M ĐẢNG ỦY",
    "chi_bo_co_so": "T/M CHI BỘ",
    "chi_bo_truc_thuoc": "T/M CHI BỘ",
    "ban_chap_hanh": "T/M BAN CHẤP HÀNH",
    "ban_thuong_vu": "T/M BAN THƯỜNG VỤ",
    "chi_uy": "T/M CHI ỦY",
    "dang_doan": "T/M ĐẢNG ĐOÀN",
    "ban_can_su": "T/M BAN CÁN SỰ ĐẢNG",
    "ban_lanh_dao": "T/M TẬP THỂ LÃNH ĐẠO",
}


def on_behalf_of(kind: str) -> str:
    """The signer's title of a collective's report: "T/M CHI BỘ", "T/M ĐẢNG ỦY"… ("T/M TẬP
    THỂ" for a kind not listed)."""
    return ON_BEHALF.get(kind, "T/M TẬP THỂ")


def date_words(day: datetime.date) -> str:
    """The date in words, "ngày 05 tháng 3 năm 2025": a leading zero for days below 10 and
    for the months 1 and 2."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(when, place: str = "") -> str:
    """The date line, "<place>, ngày … tháng … năm …", each part dotted where not known."""
    if not when:
        return f"{place or DOTS}, ngày … tháng … năm 20…"
    if isinstance(when, datetime.datetime) and timezone.is_aware(when):
        when = timezone.localtime(when)
    return f"{place or DOTS}, {date_words(when)}"


def header(chain: Sequence, *, kind: str | None, when=None, state: bool = False) -> dict:
    """The header fields of a document issued by the last unit of ``chain``: ``org_parent``,
    ``org_name``, ``number`` (empty when ``kind`` is None: a form without a number, such as a
    member's self-review), ``state`` and ``date_line``."""
    unit = chain[-1]
    parent = chain[-2] if len(chain) > 1 else None
    return {
        "org_parent": (parent.name if parent is not None else "").upper(),
        "org_name": unit.name.upper(),
        "number": number_line(kind, chain, state=state) if kind else "",
        "state": state,
        "date_line": date_line(when, place_name(chain)),
    }
