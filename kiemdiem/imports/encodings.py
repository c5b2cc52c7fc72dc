"""Legacy Vietnamese encodings: detect, convert, refuse.

Pure Python (no Django). The import pipeline calls :func:`column_verdict` once per column
and/or :func:`repair_cell` per cell, and :func:`decode_csv_bytes` once per CSV file.

What is **converted** to Unicode NFC:

* TCVN3 (ABC, ``.VnTime`` fonts) and VNI Windows (``VNI-Times``) text as it appears when the
  file is opened without its font, i.e. the legacy bytes shown as Windows-1252 characters:
  ``"NguyÔn V¨n An"`` (TCVN3) and ``"Nguyeãn Vaên An"`` (VNI) both become ``"Nguyễn Văn An"``.
  The tables are data (``encoding_tables/*.json``); no maintained library exists for this.
  TCVN3 has no capital vowels with tone marks (documents switched to a capitals font such as
  ``.VnTimeH``), so those decode as lowercase and a word written in capitals is re-capitalised
  (``"TR¦êNG"`` → ``"TRƯỜNG"``).
* UTF-8 mojibake — UTF-8 bytes that were read as Windows-1252 or Latin-1, e.g.
  ``"Nguyá»…n"`` — **is repaired** when, and only when, the reverse step (encode as
  Windows-1252/Latin-1, decode as strict UTF-8) succeeds for the whole cell. That step is
  lossless by construction: every character maps back to exactly one byte and the bytes must
  form valid UTF-8, so nothing is guessed. Refusing such cells would only make users retype
  correct data. The repair is reported (code ``enc.I003``) so it stays visible, and callers
  that want the strict reading of the issue pass ``repair_mojibake=False`` to refuse instead
  (``enc.E008``, the message shows the repaired text).
* Windows-1258 CSV files (tone marks stored as combining characters) are decoded and NFC
  normalised.

What is **refused** (an error naming the cells, nothing stored):

* mojibake that lost bytes (``"Nguyá»?n"``: a byte undefined in Windows-1252 became ``?``),
  ``?`` or U+FFFD in the middle of a word (``"Nguy?n V?n An"``): ``enc.E002``/``enc.E003``;
* Vietnamese whose diacritics were dropped (``"Nguyen Van An"``, ``"Tran Thi Binh"``,
  ``"Chi bo thon Dong"``): ``enc.E001``. Judged with the rules of Vietnamese syllables plus a
  small lexicon; only when confident (see :func:`classify`). Less certain cases pass with the
  warning ``enc.W001``; inside a column where most cells carry diacritics they are refused;
* text that looks like a legacy encoding but does not decode cleanly: ``enc.E004``;
* cells of a column mixing encodings that could be read either way: ``enc.E005``.

Legitimate ASCII is not refused: codes, numbers, e-mail addresses, foreign names ("John
Smith"), ethnic-minority names ("Ksor", "Y Bih"), and Vietnamese that is correctly written
without marks ("Phan Thanh Nam", "Mai Anh").
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

__all__ = [
    "CONVERSION_CODES",
    "MESSAGES",
    "NEUTRAL",
    "ColumnContext",
    "ColumnVerdict",
    "EncodingProblem",
    "Problem",
    "TextVerdict",
    "classify",
    "classify_in_column",
    "column_context",
    "column_verdict",
    "decode_csv_bytes",
    "is_vietnamese_syllable",
    "repair_cell",
    "strip_invisible",
    "tcvn3_to_unicode",
    "unicode_to_tcvn3",
    "unicode_to_vni",
    "vni_to_unicode",
]

# --------------------------------------------------------------------------------------------
# Problem codes and messages
# --------------------------------------------------------------------------------------------

#: Stable codes. ``E`` = refused (error), ``W`` = accepted with a warning, ``I`` = information
#: about a conversion that was made. Placeholders: {cells}, {original}, {suggestion},
#: {encoding}.
MESSAGES: dict[str, dict[str, str]] = {
    "enc.E001": {
        "vi": "Ô {cells}: chữ tiếng Việt bị mất dấu (“{original}”). Hãy nhập lại đầy đủ dấu "
        "(Unicode); hệ thống không tự đoán dấu.",
        "en": "Cell {cells}: Vietnamese text has lost its diacritics (“{original}”). Re-enter "
        "it with full diacritics (Unicode); the system does not guess them.",
    },
    "enc.E002": {
        "vi": "Ô {cells}: văn bản bị lỗi mã hoá (UTF-8 bị đọc nhầm bảng mã) và đã mất ký tự "
        "(“{original}”), không thể khôi phục.",
        "en": "Cell {cells}: the text is mojibake (UTF-8 read with the wrong code page) and "
        "some characters were lost (“{original}”); it cannot be recovered.",
    },
    "enc.E003": {
        "vi": "Ô {cells}: văn bản chứa ký tự thay thế “?” hoặc “�” giữa chữ (“{original}”) — "
        "dấu đã bị mất khi lưu sai bảng mã.",
        "en": "Cell {cells}: the text contains replacement characters “?” or “�” inside "
        "words (“{original}”) — the diacritics were lost when it was saved in the wrong "
        "encoding.",
    },
    "enc.E004": {
        "vi": "Ô {cells}: không nhận ra bảng mã của “{original}” (không phải Unicode, TCVN3 "
        "hay VNI hợp lệ; các bảng mã khác, như VPS, không được hỗ trợ). Hãy chuyển tệp sang "
        "Unicode rồi nhập lại.",
        "en": "Cell {cells}: cannot recognise the encoding of “{original}” (it is not valid "
        "Unicode, TCVN3 or VNI text; other encodings, such as VPS, are not supported). Convert "
        "the file to Unicode and import again.",
    },
    "enc.E005": {
        "vi": "Ô {cells}: cột có nhiều bảng mã lẫn lộn; không xác định được “{original}” là "
        "Unicode hay {encoding}. Hãy chuyển cả tệp sang Unicode.",
        "en": "Cell {cells}: the column mixes encodings; cannot tell whether “{original}” is "
        "Unicode or {encoding}. Convert the whole file to Unicode.",
    },
    "enc.E006": {
        "vi": "Tệp CSV không ở bảng mã được hỗ trợ (UTF-8, UTF-8 có BOM, UTF-16, "
        "Windows-1258, TCVN3, VNI). Hãy lưu lại dưới dạng “CSV UTF-8”.",
        "en": "The CSV file is not in a supported encoding (UTF-8, UTF-8 with BOM, UTF-16, "
        "Windows-1258, TCVN3, VNI). Save it again as “CSV UTF-8”.",
    },
    "enc.E007": {
        "vi": "Tệp CSV có dấu hiệu UTF-8/UTF-16 (BOM) nhưng nội dung không hợp lệ (byte "
        "{original}). Tệp có thể bị hỏng.",
        "en": "The CSV file starts with a UTF-8/UTF-16 byte-order mark but its content is not "
        "valid (byte {original}). The file may be damaged.",
    },
    "enc.E008": {
        "vi": "Ô {cells}: văn bản bị lỗi mã hoá (UTF-8 bị đọc nhầm bảng mã): “{original}”, "
        "có thể là “{suggestion}”. Hãy sửa tệp rồi nhập lại.",
        "en": "Cell {cells}: the text is mojibake (UTF-8 read with the wrong code page): "
        "“{original}”, probably “{suggestion}”. Fix the file and import again.",
    },
    "enc.E009": {
        "vi": "Ô {cells}: chữ “ư” của bảng mã TCVN3 (byte 0xAD) có vẻ đã bị mất trong "
        "“{original}”, có thể là “{suggestion}”. Hệ thống không tự thêm chữ; hãy sửa tệp rồi "
        "nhập lại.",
        "en": "Cell {cells}: a TCVN3 “ư” (byte 0xAD) seems lost in “{original}”, probably "
        "“{suggestion}”. The system does not add letters; fix the file and import again.",
    },
    "enc.E010": {
        "vi": "Ô {cells}: “{original}” có vẻ được gõ bằng bảng mã {encoding} (“{suggestion}”), "
        "hệ thống không hỗ trợ bảng mã này. Hãy chuyển tệp sang Unicode (ví dụ bằng công cụ "
        "chuyển mã của Unikey) rồi nhập lại.",
        "en": "Cell {cells}: “{original}” looks typed in the {encoding} encoding "
        "(“{suggestion}”), which the system does not support. Convert the file to Unicode "
        "(e.g. with Unikey's converter) and import again.",
    },
    "enc.W001": {
        "vi": "Ô {cells}: “{original}” có thể đã bị mất dấu tiếng Việt; hãy kiểm tra.",
        "en": "Cell {cells}: “{original}” may have lost its Vietnamese diacritics; please check.",
    },
    "enc.W002": {
        "vi": "Ô {cells}: cột có nhiều bảng mã lẫn lộn ({encoding}); các ô rõ ràng đã được "
        "chuyển từng ô, hãy kiểm tra.",
        "en": "Cell {cells}: the column mixes encodings ({encoding}); unambiguous cells were "
        "converted one by one, please check.",
    },
    "enc.W003": {
        "vi": "Ô {cells}: đã chuyển “{original}” → “{suggestion}” từ {encoding} nhưng chưa "
        "chắc chắn; hãy kiểm tra.",
        "en": "Cell {cells}: converted “{original}” → “{suggestion}” from {encoding} with low "
        "confidence; please check.",
    },
    "enc.W004": {
        "vi": "Ô {cells}: “{original}” bị mất chữ “ư” của TCVN3; đã khôi phục thành "
        "“{suggestion}” theo các ô khác trong cột, hãy kiểm tra.",
        "en": "Cell {cells}: “{original}” had lost a TCVN3 “ư”; restored as “{suggestion}” "
        "from the other cells of its column, please check.",
    },
    "enc.I001": {
        "vi": "Ô {cells}: đã chuyển từ bảng mã TCVN3 (ABC) sang Unicode.",
        "en": "Cell {cells}: converted from TCVN3 (ABC) to Unicode.",
    },
    "enc.I002": {
        "vi": "Ô {cells}: đã chuyển từ bảng mã VNI sang Unicode.",
        "en": "Cell {cells}: converted from VNI to Unicode.",
    },
    "enc.I003": {
        "vi": "Ô {cells}: đã sửa lỗi mã hoá UTF-8 (đọc nhầm Windows-1252) — không mất ký tự.",
        "en": "Cell {cells}: repaired UTF-8 mojibake (read as Windows-1252) — nothing was lost.",
    },
}

_SEVERITY = {"E": "error", "W": "warning", "I": "info"}
#: Codes saying that a cell was converted (its stored text differs from the text in the file).
CONVERSION_CODES = frozenset({"enc.I001", "enc.I002", "enc.I003", "enc.W003", "enc.W004"})


@dataclass(frozen=True)
class Problem:
    """A finding about one or more cells (``cells`` are the caller's references, e.g. "B7")."""

    code: str
    cells: tuple[str, ...] = ()
    original: str = ""
    suggestion: str = ""
    encoding: str = ""

    @property
    def severity(self) -> str:
        return _SEVERITY[self.code.split(".")[1][0]]

    @property
    def refused(self) -> bool:
        return self.severity == "error"

    def message(self, lang: str = "vi") -> str:
        template = MESSAGES[self.code]["vi" if lang.startswith("vi") else "en"]
        cells = ", ".join(self.cells) if self.cells else "?"
        return template.format(
            cells=cells,
            original=_shorten(self.original),
            suggestion=_shorten(self.suggestion),
            encoding=self.encoding,
        )


class EncodingProblem(ValueError):
    """Raised by :func:`decode_csv_bytes` when a file cannot be decoded safely."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(f"{problem.code}: {problem.message('en')}")

    @property
    def code(self) -> str:
        return self.problem.code


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Tables (data) and conversions
# --------------------------------------------------------------------------------------------


@cache
def _load(name: str) -> dict:
    data = resources.files(__package__).joinpath("encoding_tables", name).read_text("utf-8")
    return json.loads(data)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@cache
def _char_to_byte() -> dict[str, int]:
    """Character → byte for text that is really single bytes shown as Windows-1252/Latin-1."""
    out = {chr(b): b for b in range(256)}  # Latin-1 reading (also C1 controls 0x80-0x9F)
    for b in range(0x80, 0xA0):
        try:
            out[bytes([b]).decode("cp1252")] = b
        except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D: undefined in cp1252
            pass
    return out


def _to_bytes(text: str) -> bytes | None:
    table = _char_to_byte()
    try:
        return bytes(table[ch] for ch in text)
    except KeyError:
        return None


@cache
def _tcvn3_tables() -> tuple[dict[int, str], dict[str, str]]:
    decode = {int(k, 16): v for k, v in _load("tcvn3.json")["bytes"].items()}
    encode = {v: chr(k) for k, v in decode.items()}  # bytes ≥ 0xA1: cp1252 char == chr(byte)
    return decode, encode


@cache
def _tcvn3_lower_slots() -> frozenset[int]:
    """Bytes whose case TCVN3 does not tell: letters it has in lowercase only.

    Those are the vowels with tone marks. ă â ê ô ơ ư đ have capitals of their own
    (``¨ © ª « ¬ ­ ®`` against ``¡ ¢ £ ¤ ¥ ¦ §``), so ``"Lª"`` is certainly "Lê", never "LÊ".
    """
    decode, _ = _tcvn3_tables()
    letters = set(decode.values())
    return frozenset(b for b, ch in decode.items() if ch.islower() and ch.upper() not in letters)


def _tcvn3_decode(text: str) -> tuple[str, int, list[bool]]:
    """Decode; return (text, number of bytes VN3 leaves unused, case-unknown flags)."""
    decode, _ = _tcvn3_tables()
    lower_slots = _tcvn3_lower_slots()
    table = _char_to_byte()
    out: list[str] = []
    slots: list[bool] = []
    unused = 0
    for ch in text:
        b = table.get(ch)
        if b is not None and b in decode:
            out.append(decode[b])
            slots.append(b in lower_slots)
            continue
        if b is not None and b > 0xA0:
            unused += 1
        out.append(ch)
        slots.append(False)
    return "".join(out), unused, slots


#: A column's case style (``ColumnContext.case``): names in Title Case, or text in capitals.
TITLE, UPPER = "title", "upper"


def _restore_tcvn3_case(text: str, slots: list[bool], case: str = "") -> str:
    """Capitalise the vowels with tone marks that TCVN3 could only write in lowercase.

    Each word is judged by the letters whose case TCVN3 does tell (``slots`` marks the others):
    a word with one of its own in lowercase is not in capitals (``Lª`` → "Lê"); a word with two
    or more of its own, all capitals, is (``TR¦êNG`` → "TRƯỜNG"). A word with at most one such
    letter (``Hå``, ``Uû``, ``ý``) follows its cell when the cell is in capitals (``§Ò ¸N``),
    else its column's style ``case``: ``UPPER`` writes it in capitals ("HỒ"), ``TITLE`` gives
    every word a capital initial ("Hồ", a given name ``¸nh`` → "Ánh"). Without a style, a word
    starting with such a vowel gets a capital when the cell's other words all have one
    (``NguyÔn ThÞ ¸nh`` → "Nguyễn Thị Ánh"); ``Uû ban`` stays "Uỷ ban".
    """
    chars = list(text)
    # Judge each field separately: a CSV line or a cell like "phường X, quận Y".
    for seg in re.finditer(r"[^,;\t\r\n\"]+", text):
        _restore_segment(chars, slots, seg.start(), seg.end(), case)
    return "".join(chars)


def _restore_segment(chars: list[str], slots: list[bool], start: int, end: int, case: str) -> None:
    known = [chars[i] for i in range(start, end) if chars[i].isalpha() and not slots[i]]
    # The cell itself tells when it is in capitals (two known letters, all capitals) or not
    # (a known lowercase letter); only a cell that tells neither takes its column's style.
    lower = any(c.islower() for c in known)
    caps = (len(known) >= 2 and not lower) or (case == UPPER and not lower)
    segment = "".join(chars[start:end])
    words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", segment)]
    for a, b in words:
        own = [chars[i] for i in range(a, b) if chars[i].isalpha() and not slots[i]]
        if any(c.islower() for c in own):
            continue
        if len(own) >= 2 or caps:
            for i in range(a, b):
                if slots[i]:
                    chars[i] = chars[i].upper()
    initials = [a for a, _ in words if chars[a].isalpha()]
    for a, _ in words:
        if not (slots[a] and chars[a].islower()):
            continue
        rest = [i for i in initials if i != a]
        if case == TITLE or (rest and all(chars[i].isupper() and not slots[i] for i in rest)):
            chars[a] = chars[a].upper()


def tcvn3_to_unicode(text: str, *, restore_case: bool = True, case: str = "") -> str:
    """Convert TCVN3 text (bytes shown as Windows-1252 characters) to Unicode NFC.

    ``case``: the style of the text's column (``TITLE`` or ``UPPER``) for the letters whose
    case TCVN3 does not tell; see :func:`_restore_tcvn3_case`.
    """
    decoded, _, slots = _tcvn3_decode(text)
    if restore_case:
        decoded = _restore_tcvn3_case(decoded, slots, case)
    return _nfc(decoded)


def unicode_to_tcvn3(text: str) -> str:
    """Inverse of :func:`tcvn3_to_unicode` (as Windows-1252 characters).

    Capital vowels with tone marks do not exist in TCVN3 (VN3): they are written with the
    lowercase byte, as a ``.VnTimeH`` capitals font would draw them.
    """
    _, encode = _tcvn3_tables()
    out = []
    for ch in _nfc(text):
        if ch in encode:
            out.append(encode[ch])
        elif ch.lower() in encode:
            out.append(encode[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


@cache
def _vni_tables() -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str], frozenset]:
    letters: dict[str, str] = _load("vni.json")["letters"]
    single: dict[str, str] = {}
    pair: dict[tuple[str, str], str] = {}
    marks: set[str] = set()
    for uni, seq in letters.items():
        if len(seq) == 1:
            single[seq] = uni
        else:
            base, mark = seq
            pair[(base, mark)] = uni
            marks.add(mark)
    # Tolerate a mark byte typed in the other case; the base letter decides the case.
    for (base, mark), uni in list(pair.items()):
        pair.setdefault((base, mark.swapcase()), uni)
    return single, pair, letters, frozenset(marks | {m.swapcase() for m in marks})


def _vni_decode(text: str) -> tuple[str, int]:
    """Decode VNI; return (text, number of mark bytes that attach to nothing)."""
    single, pair, _, marks = _vni_tables()
    out: list[str] = []
    stray = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if i + 1 < len(text) and (ch, text[i + 1]) in pair:
            out.append(pair[(ch, text[i + 1])])
            i += 2
            continue
        if ch in single:
            out.append(single[ch])
        else:
            if ch in marks:
                stray += 1
            out.append(ch)
        i += 1
    return "".join(out), stray


def vni_to_unicode(text: str) -> str:
    """Convert VNI Windows text (bytes shown as Windows-1252 characters) to Unicode NFC."""
    return _nfc(_vni_decode(text)[0])


def unicode_to_vni(text: str) -> str:
    """Inverse of :func:`vni_to_unicode` (as Windows-1252 characters)."""
    letters = _vni_tables()[2]
    return "".join(letters.get(ch, ch) for ch in _nfc(text))


# UTF-8 continuation byte 0xA0 is a no-break space in Windows-1252 ("à" is "Ã\xa0", "ơ" is
# "Æ\xa0"); a program that turned it into a plain space left "HoÃ ng".
_SPACED_A0 = re.compile(r"(?<=[ÃÆº»]) (?=\S)")


def _unmojibake(text: str) -> str | None:
    """Undo UTF-8-read-as-cp1252/Latin-1 (up to three layers); None if not mojibake.

    A space after a character that starts such a pair is also tried as the no-break space it
    may have been; the reading is still judged as Vietnamese by the caller.
    """
    found = _undo_layers(text)
    if found is None and _SPACED_A0.search(text):
        found = _undo_layers(_SPACED_A0.sub("\xa0", text))
    return found


def _undo_layers(text: str) -> str | None:
    cur = text
    for _ in range(3):
        raw = _to_bytes(cur)
        if raw is None or raw.isascii():
            break
        try:
            nxt = raw.decode("utf-8")
        except UnicodeDecodeError:
            break
        cur = nxt
    return _nfc(cur) if cur != text else None


# A UTF-8 lead byte of a Vietnamese letter shown as Windows-1252, then a continuation byte.
_MOJIBAKE_PAIR = re.compile(r"[ÂÃÄÅÆá][\u0080-\u00bf\u0152-\u2122]")


def _ftfy_repair(text: str) -> str | None:
    """ftfy's repair of mojibake inside text that is not all bytes ("Nguyễn Thá»‹ Lan")."""
    if not _MOJIBAKE_PAIR.search(text):
        return None  # nothing ftfy could repair: spare the common Unicode cell its cost
    import ftfy

    fixed = ftfy.fix_encoding(text)
    return _nfc(fixed) if fixed != text else None


@cache
def _invisible() -> re.Pattern:
    # Format characters (category Cf): zero-width space and joiners, the BOM, the word joiner,
    # direction marks, tags. U+00AD, the soft hyphen, is one too but stays: it is TCVN3's "ư".
    blocks = (
        range(0x10000),
        range(0x11000, 0x11100),  # Kaithi
        range(0x13430, 0x13460),  # Egyptian hieroglyph format controls
        range(0x1BCA0, 0x1BCA4),  # shorthand format controls
        range(0x1D173, 0x1D17B),  # musical symbol formatting
        range(0xE0000, 0xE0080),  # tags
    )
    chars = "".join(
        chr(c) for block in blocks for c in block if unicodedata.category(chr(c)) == "Cf"
    )
    return re.compile("[" + re.escape(chars.replace("\u00ad", "")) + "]")


def strip_invisible(text: str) -> str:
    """``text`` without invisible characters (U+200B, U+200C, U+FEFF …), never meant in a cell."""
    return _invisible().sub("", text) if not text.isascii() else text


# --- encodings that are recognised and refused by name ------------------------------------


@cache
def _byte_table(name: str) -> dict[int, str]:
    return {int(k, 16): v for k, v in _load(name)["bytes"].items()}


def _decode_with(text: str, table: dict[int, str]) -> str | None:
    """Single bytes (shown as Windows-1252) read through ``table``; None when nothing changes."""
    to_byte = _char_to_byte()
    out = []
    changed = False
    for ch in text:
        b = to_byte.get(ch)
        if b is not None and b in table:
            out.append(table[b])
            changed = True
        else:
            out.append(ch)
    return _nfc("".join(out)) if changed else None


def _vn1_decode(text: str) -> str | None:
    """TCVN 5712 VN1: VN3 plus capitals with tone marks and combining tone marks of its own."""
    extra = _byte_table("tcvn5712_vn1.json")
    to_byte = _char_to_byte()
    if not any(to_byte.get(ch) in extra for ch in text):
        return None  # the same text as TCVN3 (VN3)
    return _decode_with(text, {**_tcvn3_tables()[0], **extra})


def _foreign_reading(text: str, best: float) -> tuple[str, str] | None:
    """(encoding, reading) when reading ``text`` as VISCII or VN1 is clearly better than
    ``best`` (the value of the best supported reading): every word Vietnamese, and more."""
    for name, reading in (
        ("VISCII", _decode_with(text, _byte_table("viscii.json"))),
        ("TCVN 5712 (VN1)", _vn1_decode(text)),
    ):
        if reading is None:
            continue
        score = _score(reading)
        if score.bad == 0 and score.good and score.value(0.0) >= best + 1.0:
            return name, reading
    return None


_VIQR_SHAPES = {"(": {"a": "ă"}, "^": {"a": "â", "e": "ê", "o": "ô"}, "+": {"o": "ơ", "u": "ư"}}
_VIQR_TONES = {"`": "\u0300", "'": "\u0301", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
_VIQR_MARKS = re.compile(r"(?i)([aeiouy])([(^+]?)([`'?~.]?)|\b(dd)")


def _viqr_reading(text: str) -> str | None:
    """The reading of ASCII ``text`` as VIQR ("Nguye^~n Va(n An"), when it is clearly VIQR:
    every word carrying marks reads as a Vietnamese syllable, and a shape mark (``( ^ +``),
    a mark inside a word or a ``dd`` shows it, or two such words do."""
    if _CODE_LIKE.search(text) and " " not in text.strip():
        return None
    strong = marked = 0

    def letter(m: re.Match) -> str:
        if m.group(4):
            return "Đ" if m.group(4)[0] == "D" else "đ"
        vowel, shape, tone = m.groups()[:3]
        if shape:
            shaped = _VIQR_SHAPES[shape].get(vowel.lower())
            if shaped is None:
                return m.group(0)
            vowel = shaped.upper() if vowel.isupper() else shaped
        return _nfc(vowel + _VIQR_TONES.get(tone, "")) if tone else vowel

    words = []
    for token in text.split():
        reading = _VIQR_MARKS.sub(letter, token)
        if reading == token:
            words.append(token)
            continue
        for run in re.findall(r"[^\W\d_]+", reading):
            if run.isascii():
                continue
            if not is_vietnamese_syllable(run):
                return None
            marked += 1
        strong += bool(re.search(r"[(^+]|[`'?~.][A-Za-z]|\b[Dd][Dd]", token))
        words.append(reading)
    if marked and (strong or marked >= 2):
        return " ".join(words)
    return None


# UTF-8 lead bytes of Vietnamese letters followed by a continuation byte: "á»", "áº", "Ä‘",
# "Æ°", "Ã¡" ... — they essentially never occur in real text, in TCVN3 or in VNI.
_MOJIBAKE_SIGNATURE = re.compile(rb"\xe1[\xba\xbb]|[\xc3\xc4\xc5\xc6][\x80-\xbf]")

# --------------------------------------------------------------------------------------------
# Vietnamese syllables
# --------------------------------------------------------------------------------------------

_TONES = {
    "\u0300": "grave",
    "\u0301": "acute",
    "\u0303": "tilde",
    "\u0309": "hook",
    "\u0323": "dot",
}
_STOP_TONES = {"acute", "dot"}


@cache
def _syllable_data() -> tuple[tuple[str, ...], frozenset[str]]:
    data = _load("vietnamese.json")
    onsets = tuple(sorted(data["onsets"], key=len, reverse=True)) + ("",)
    return onsets, frozenset(data["rhymes"])


_VOWELS = frozenset("aăâeêioôơuưy")
_SHAPED = frozenset("ăâêôơư")


def _split_tone(word: str) -> tuple[str, str | None, int] | None:
    """(lowercase word without tone mark, tone, index of the toned letter); None if invalid.

    Invalid: not a run of Vietnamese letters, two tones, or a tone on a consonant ("ña").
    """
    tone: str | None = None
    where = -1
    base: list[str] = []
    for ch in _nfc(word.lower()):
        parts = unicodedata.normalize("NFD", ch)
        marks = [_TONES[c] for c in parts if c in _TONES]
        letter = _nfc("".join(c for c in parts if c not in _TONES))
        if len(letter) != 1 or not ("a" <= letter <= "z" or letter in "ăâđêôơư"):
            return None
        if marks:
            if tone is not None or len(marks) > 1 or letter not in _VOWELS:
                return None
            tone, where = marks[0], len(base)
        base.append(letter)
    if not base:
        return None
    return "".join(base), tone, where


def _tone_position_ok(onset: str, rhyme: str, where: int) -> bool:
    """Is the tone on the right vowel? Both the old ("hoà", "thuý") and new ("hòa",
    "thúy") placements are accepted; "maõ" or "deỏ" are not."""
    if where < 0:
        return True
    k = 0
    while k < len(rhyme) and rhyme[k] in _VOWELS:
        k += 1
    if k == 0:  # "gì", "gìn": the i of gi carries the tone
        return onset == "gi" and where == 1
    shaped = [i for i in range(k) if rhyme[i] in _SHAPED]
    if shaped:
        allowed = {shaped[-1]}
    elif k < len(rhyme) or k == 1:
        allowed = {k - 1}
    elif k == 2:
        allowed = {0, 1} if rhyme[:2] in ("oa", "oe", "uy") else {0}
    else:
        allowed = {1}
    return where - len(onset) in allowed


def _rhyme_ok(onset: str, rhyme: str) -> bool:
    _, rhymes = _syllable_data()
    if onset == "gi":
        return (rhyme in rhymes or "i" + rhyme in rhymes) and not rhyme.startswith("i")
    if onset == "qu":
        return (rhyme in rhymes or "u" + rhyme in rhymes) and rhyme[:1] not in ("u", "ư", "")
    if rhyme not in rhymes:
        return False
    front = rhyme[0] in "ieêy"
    if onset in ("k", "gh", "ngh") and not front:
        return False
    if onset in ("c", "g", "ng") and front:
        return False
    return not (rhyme.startswith("yê") and onset)


def _analyse(word: str) -> tuple[bool, bool] | None:
    """(structure valid, tone valid) for a word, or None when it is not Vietnamese-shaped."""
    split = _split_tone(word)
    if split is None:
        return None
    base, tone, where = split
    onsets, _ = _syllable_data()
    best: tuple[bool, bool] | None = None
    for onset in onsets:
        if not base.startswith(onset):
            continue
        rhyme = base[len(onset) :]
        if not rhyme and onset != "gi":
            continue
        if not _rhyme_ok(onset, rhyme) or not _tone_position_ok(onset, rhyme, where):
            continue
        stop = base.endswith(("p", "t", "c", "ch"))
        tone_ok = not stop or tone in _STOP_TONES
        if tone_ok:
            return True, True
        best = (True, False)
    return best


def _unlearns(as_is: str, reading: str) -> bool:
    """Whether ``reading`` turns a common word of ``as_is`` into one that is not common.

    Both texts have the same words in the same places (legacy decoding keeps the spaces).
    """
    _, marked, _ = _lexicon()
    pairs = zip(as_is.split(), reading.split(), strict=False)
    return any(
        a != b and a.lower() in marked and b.lower() not in marked and not a.isascii()
        for a, b in pairs
    )


def _put_back_u(text: str) -> tuple[str, frozenset[str]] | None:
    """``text`` with each word that is no syllable mended by one "ư" ("Trờng" → "Trường"), and
    the mended words (lowercase); None unless every such word mends in exactly one way.

    TCVN3 writes "ư" as byte 0xAD, the soft hyphen, which some programs drop as invisible.
    """
    mended: dict[str, str] = {}
    for word in set(re.findall(r"[^\W\d_]+", text)):
        if word.isascii() or is_vietnamese_syllable(word) or _ACRONYM.fullmatch(word):
            continue
        u = "Ư" if word.isupper() else "ư"
        found = {
            word[:i] + u + word[i:]
            for i in range(1, len(word) + 1)
            if is_vietnamese_syllable(word[:i] + u + word[i:])
        }
        if len(found) != 1:
            return None
        mended[word] = found.pop()
    if not mended:
        return None
    pattern = re.compile("|".join(sorted(map(re.escape, mended), key=len, reverse=True)))
    fixed = pattern.sub(lambda m: mended[m.group(0)], text)
    return fixed, frozenset(w.lower() for w in mended.values())


def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` (any case, NFC or NFD) is a well-formed Vietnamese syllable."""
    return _analyse(word) == (True, True)


def _fold(text: str) -> str:
    out = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return out.replace("đ", "d").replace("Đ", "D").lower()


@cache
def _foldable() -> frozenset[str]:
    """ASCII shapes of every spellable syllable (any tone)."""
    onsets, rhymes = _syllable_data()
    out = set()
    for onset in onsets:
        for rhyme in rhymes:
            candidates = [rhyme]
            if onset == "gi" and rhyme.startswith("i"):
                candidates.append(rhyme[1:])
            if onset == "qu" and rhyme.startswith("u"):
                candidates.append(rhyme[1:])
            for r in candidates:
                if (r or onset == "gi") and _rhyme_ok(onset, r):
                    out.add(_fold(onset + r))
    return frozenset(out)


@cache
def _lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    data = _load("vietnamese.json")
    plain = frozenset(data["lexicon_plain"])
    marked = frozenset(_nfc(w) for w in data["lexicon_marked"])
    return plain, marked, frozenset(_fold(w) for w in marked)


# --------------------------------------------------------------------------------------------
# Scoring text as Vietnamese
# --------------------------------------------------------------------------------------------

# Split on whitespace, ASCII punctuation (never a legacy letter) and typographic punctuation.
_SPLIT = re.compile(r"[\s!\"#$%&()*+,./:;<=>?@\[\\\]^_`{|}~\-–—“”‘’„…•]+")
_APOSTROPHES = re.compile(r"['ʼ’]")
_VIET_LETTERS = frozenset(
    _nfc(c)
    for c in "ăâđêôơưĂÂĐÊÔƠƯ"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ"
)


@dataclass(frozen=True)
class _Score:
    good: int = 0  # non-ASCII words that are Vietnamese syllables
    bad: int = 0  # non-ASCII words that are not (+ undecodable legacy bytes)
    lex: int = 0  # good words found in the lexicon

    def value(self, prior: float) -> float:
        return self.good + 0.6 * self.lex - 2.0 * self.bad + prior


# An acronym such as HĐND or ĐCSVN: capitals only, not a syllable but a word all the same.
_ACRONYM = re.compile(r"[A-ZĐ]{2,8}")


def _capital_inside(word: str) -> bool:
    """A word with lowercase letters and a capital that is not ASCII after its first letter
    ("ThÕ", "TrÝ", "HÒng"). No Vietnamese word is written so, but legacy letters shown as
    Windows-1252 are ("Õ" is TCVN3 for ế)."""
    return any(c.isupper() and not c.isascii() for c in word[1:]) and any(c.islower() for c in word)


def _score(text: str, extra_bad: int = 0) -> _Score:
    """Count the non-ASCII words of ``text`` that are (good) or are not (bad) Vietnamese.

    A capital inside a word ("ThÕ") is no Vietnamese word. Only ASCII digits make a number:
    ``¹`` is a digit to Python but the TCVN3 letter "ạ".
    """
    _, marked, _ = _lexicon()
    good = bad = lex = 0
    for token in _SPLIT.split(text):
        for part in _APOSTROPHES.split(token):
            if not part or part.isascii() or any("0" <= c <= "9" for c in part):
                continue
            if _capital_inside(part):
                bad += 1
            elif is_vietnamese_syllable(part):
                good += 1
                lex += part.lower() in marked
            elif _ACRONYM.fullmatch(part):
                good += 1
            else:
                bad += 1
    return _Score(good, bad + extra_bad, lex)


# ASCII-token categories for the dropped-diacritics judgement
_NON_VIET = "non_viet"  # cannot be a Vietnamese syllable at all (John, Ksor, Bih)
_NEEDS_SHAPE = "needs_shape"  # needs â/ê/ô/ơ/ư/ă to exist (Nguyen, Duong, Hieu)
_NEEDS_TONE = "needs_tone"  # needs a tone to exist (Viet → Việt? no: Dat, Duc, Quoc)
_DROPPED = "dropped"  # valid as is but the common word is marked (Tran, Le, Van, Binh)
_PLAIN = "plain"  # a Vietnamese syllable that is fine without marks (Nam, Lan, Phan)


def _ascii_token_category(token: str) -> str:
    low = token.lower()
    if low not in _foldable():
        return _NON_VIET
    plain, _, marked_folded = _lexicon()
    analysis = _analyse(low)
    if analysis is None or not analysis[0]:
        return _NEEDS_SHAPE
    if not analysis[1]:
        return _NEEDS_TONE
    if low in plain:
        return _PLAIN
    if low in marked_folded:
        return _DROPPED
    return _PLAIN


_CODE_LIKE = re.compile(r"@|://|[_/\\]|[A-Za-z]+\d|\d+[A-Za-z]|\w\.\w")


def _ascii_tokens(text: str) -> list[str]:
    """ASCII letter words worth judging (acronyms and single letters are skipped)."""
    words = [w for w in re.findall(r"[^\W\d_]+", text) if w.isascii()]
    mixed_case = any(not w.isupper() for w in words)
    out = []
    for w in words:
        if len(w) == 1:
            continue
        if mixed_case and w.isupper():  # THCS, UBND, IT inside normal text
            continue
        out.append(w)
    return out


@dataclass(frozen=True)
class _Dropped:
    level: str  # "none" | "suspect" | "refuse"
    confidence: float


def _judge_dropped(text: str, *, marked_context: bool) -> _Dropped:
    """Judge the ASCII words of ``text`` for lost diacritics."""
    if _CODE_LIKE.search(text) and " " not in text.strip():
        return _Dropped("none", 0.0)
    tokens = _ascii_tokens(text)
    if not tokens:
        return _Dropped("none", 0.0)
    cats = [_ascii_token_category(t) for t in tokens]
    if _NON_VIET in cats:
        suspicious = any(c in (_NEEDS_SHAPE, _NEEDS_TONE) for c in cats)
        return _Dropped("suspect", 0.4) if suspicious else _Dropped("none", 0.0)
    n = len(cats)
    shape = cats.count(_NEEDS_SHAPE)
    tone = cats.count(_NEEDS_TONE)
    dropped = cats.count(_DROPPED)
    if shape:
        return _Dropped("refuse", 0.95)
    if n >= 2 and tone:
        return _Dropped("refuse", 0.9)
    if n >= 2 and (dropped + tone) / n > 0.5:
        return _Dropped("refuse", 0.85)
    if dropped or tone:
        return _Dropped("refuse", 0.75) if marked_context else _Dropped("suspect", 0.5)
    return _Dropped("none", 0.0)


# --------------------------------------------------------------------------------------------
# Cell classification
# --------------------------------------------------------------------------------------------

#: Kinds that are refused (no value is stored).
REFUSED_KINDS = frozenset(
    {
        "no_diacritics",
        "damaged_replacement",
        "mojibake_lossy",
        "garbled",
        "ambiguous",
        "lost_u",
        "unsupported",
    }
)
_KIND_CODE = {
    "no_diacritics": "enc.E001",
    "mojibake_lossy": "enc.E002",
    "damaged_replacement": "enc.E003",
    "garbled": "enc.E004",
    "ambiguous": "enc.E005",
    "lost_u": "enc.E009",
    "unsupported": "enc.E010",
    "no_diacritics_suspect": "enc.W001",
    "tcvn3": "enc.I001",
    "vni": "enc.I002",
    "mojibake_utf8_as_cp1252": "enc.I003",
}
_ENCODING_LABEL = {"tcvn3": "TCVN3", "vni": "VNI", "mojibake_utf8_as_cp1252": "UTF-8/Windows-1252"}


@dataclass(frozen=True)
class TextVerdict:
    """What a cell's text is and what to store.

    ``kind`` is one of: ``empty``, ``ascii``, ``unicode``, ``tcvn3``, ``vni``,
    ``mojibake_utf8_as_cp1252`` (convertible: ``fixed`` holds the NFC text),
    ``no_diacritics_suspect`` (accepted with a warning), or a refused kind
    (:data:`REFUSED_KINDS`: ``fixed`` is None). ``alternatives`` lists other plausible
    readings (kind → text), which :func:`column_verdict` uses to settle ambiguous cells.
    """

    kind: str
    confidence: float
    fixed: str | None
    original: str
    alternatives: dict[str, str] = field(default_factory=dict)
    low_confidence: bool = False
    #: score lead of the chosen reading over the best alternative (large when there is none)
    margin: float = 10.0
    #: a refused cell's likely text (lost ư put back; the reading in an unsupported encoding)
    suggestion: str = ""
    #: the unsupported encoding the text is in (``unsupported``)
    foreign: str = ""
    #: a TCVN3 cell whose lost ư bytes were put back from its column's words
    restored: bool = False

    @property
    def refused(self) -> bool:
        return self.kind in REFUSED_KINDS

    @property
    def converted(self) -> bool:
        return self.kind in ("tcvn3", "vni", "mojibake_utf8_as_cp1252")

    def problem(self, cell: str | None = None, *, repair_mojibake: bool = True) -> Problem | None:
        cells = (cell,) if cell else ()
        if self.kind == "mojibake_utf8_as_cp1252" and not repair_mojibake:
            return Problem("enc.E008", cells, self.original, self.fixed or "")
        if self.restored:
            return Problem("enc.W004", cells, self.original, self.fixed or "", "TCVN3")
        if self.converted and self.low_confidence:
            return Problem(
                "enc.W003", cells, self.original, self.fixed or "", _ENCODING_LABEL[self.kind]
            )
        code = _KIND_CODE.get(self.kind)
        if code is None:
            return None
        if self.kind == "ambiguous":
            label = " / ".join(
                _ENCODING_LABEL[k] for k in self.alternatives if k in _ENCODING_LABEL
            )
        elif self.kind == "unsupported":
            label = self.foreign
        else:
            label = _ENCODING_LABEL.get(self.kind, "")
        return Problem(code, cells, self.original, self.fixed or self.suggestion, label)


# "?" between two letters, or U+FFFD anywhere: characters were replaced when saving.
_REPLACEMENT = re.compile(r"\ufffd|[^\W\d_]\?+[^\W\d_]")
# A letter glued to a Windows-1252 symbol that is a TCVN3 letter (¨ © ª « ¬ SHY ® µ ¶ · ¸ ¹ »…)
_LEGACY_SYMBOL = re.compile(
    r"[^\W\d_][\u00a1-\u00af\u00b2-\u00bf]|[\u00a1-\u00af\u00b2-\u00bf][^\W\d_]"
)

_PRIORS = {"unicode": 0.5, "mojibake_utf8_as_cp1252": 1.0, "tcvn3": 0.0, "vni": 0.0}


def classify(
    text: str | None,
    *,
    prefer: str | None = None,
    case: str = "",
    words: frozenset[str] = frozenset(),
) -> TextVerdict:
    """Classify one cell's text; see the module docstring for the policy.

    Candidate readings (as is; TCVN3; VNI; UTF-8 mojibake undone) are scored by how many of
    their non-ASCII words are well-formed Vietnamese syllables (+ a lexicon bonus); as-is
    Unicode wins ties. ``prefer`` (a kind, set by :func:`column_verdict` from the column's
    dominant encoding) tips ambiguous cells towards that reading; ``case`` is the column's
    style for letters whose case TCVN3 does not tell (:func:`tcvn3_to_unicode`); ``words``
    are the column's words that put back a lost TCVN3 "ư" (:func:`column_context`).

    ASCII text is checked for dropped diacritics: it is refused (``no_diacritics``) when a
    word cannot exist without marks (``Nguyen``, ``Duong``, ``Hieu``), when two or more
    Vietnamese words include one that needs a tone (``Phan Thanh Dat``), or when more than
    half of them are common words normally written with marks (``Tran Thi Binh``). A single
    such word alone (``Tran``) is only ``no_diacritics_suspect``. Any word that cannot be
    Vietnamese (``John``, ``Ksor``, ``Bih``) makes the text foreign/minority: not refused.

    Text in an encoding the importer does not convert (VISCII, TCVN 5712 VN1 with its own
    capitals, VIQR) is refused by name (``unsupported``) when that reading is clearly the best.
    """
    if text is None:
        text = ""
    original = text
    if not text.strip():
        return TextVerdict("empty", 1.0, text, original)
    nfc = _nfc(text)
    if _REPLACEMENT.search(text):
        return TextVerdict("damaged_replacement", 0.95, None, original)
    if " ".join(nfc.split()).isascii():  # a no-break space alone does not make text Unicode
        viqr = _viqr_reading(nfc)
        if viqr is not None:
            return TextVerdict("unsupported", 0.9, None, original, suggestion=viqr, foreign="VIQR")
        judged = _judge_dropped(nfc, marked_context=False)
        if judged.level == "refuse":
            return TextVerdict("no_diacritics", judged.confidence, None, original)
        if judged.level == "suspect":
            return TextVerdict("no_diacritics_suspect", judged.confidence, nfc, original)
        return TextVerdict("ascii", 1.0, nfc, original)

    scored: dict[str, tuple[str, _Score]] = {"unicode": (nfc, _score(nfc))}
    raw = _to_bytes(text)
    lost_u = ""  # the TCVN3 reading with a lost "ư" put back, when the column cannot confirm it
    restored = False
    if raw is not None:
        moj = _unmojibake(text)
        if moj is not None:
            scored["mojibake_utf8_as_cp1252"] = (moj, _score(moj))
        elif _MOJIBAKE_SIGNATURE.search(raw):
            return TextVerdict("mojibake_lossy", 0.9, None, original)
        decoded, unused, slots = _tcvn3_decode(text)
        fixed = _nfc(_restore_tcvn3_case(decoded, slots, case))
        # "ý" is the same character in TCVN3 and Unicode, but TCVN3's is lowercase only.
        if decoded != text or fixed != nfc:
            score = _score(fixed, unused)
            if score.bad > unused:
                repaired = _put_back_u(fixed)
                if repaired is not None:
                    new_text, new_words = repaired
                    if new_words <= words:
                        fixed, score, restored = new_text, _score(new_text, unused), True
                    else:
                        lost_u = new_text
            scored["tcvn3"] = (fixed, score)
        decoded, stray = _vni_decode(text)
        if decoded != text:
            fixed = _nfc(decoded)
            scored["vni"] = (fixed, _score(fixed, stray))
    else:
        # Mojibake pasted next to good text is no longer bytes: ftfy repairs such cells.
        moj = _ftfy_repair(text)
        if moj is not None:
            scored["mojibake_utf8_as_cp1252"] = (moj, _score(moj))

    def value(kind: str) -> float:
        prior = _PRIORS[kind] + (1.5 if kind == prefer else 0.0)
        return scored[kind][1].value(prior)

    ranked = sorted(scored, key=value, reverse=True)
    if (
        ranked[0] in ("tcvn3", "vni")
        and ranked[0] != prefer
        and scored["unicode"][1].bad == 0
        and value(ranked[0]) - value("unicode") < 1.0
    ):
        # Valid Unicode Vietnamese is not re-read as a legacy encoding on a lexicon hunch.
        ranked.remove("unicode")
        ranked.insert(0, "unicode")
    best = ranked[0]
    best_text, best_score = scored[best]
    if raw is not None:
        foreign = _foreign_reading(text, value(best))
        if foreign is not None:
            name, reading = foreign
            return TextVerdict("unsupported", 0.9, None, original, suggestion=reading, foreign=name)
    alternatives = {
        k: scored[k][0]
        for k in ranked[1:]
        if scored[k][1].bad == 0 and scored[k][1].good > 0 and scored[k][0] != best_text
    }
    margin = value(best) - (value(ranked[1]) if len(ranked) > 1 else -10.0)
    rival = max((value(k) for k in alternatives), default=None)
    lead = 10.0 if rival is None else value(best) - rival
    unicode_score = scored["unicode"][1]

    if lost_u and (
        best == "tcvn3" or prefer == "tcvn3" or (best == "unicode" and unicode_score.bad)
    ):
        # A TCVN3 "ư" (byte 0xAD, the soft hyphen) was lost: "Tr­êng" became "Trêng", which
        # reads "Trờng". Never store another word; the column may confirm the repair.
        return TextVerdict("lost_u", 0.8, None, original, suggestion=lost_u)
    if restored and prefer == "tcvn3" and best != "tcvn3":
        best = "tcvn3"  # mended from its TCVN3 column: "Trêng" is not the Unicode "trêng"
        best_text, best_score = scored[best]
        alternatives.pop(best, None)
    if best == "unicode":
        if unicode_score.bad and raw is not None and _LEGACY_SYMBOL.search(text):
            # Looks like legacy-font text, yet no table decodes it cleanly.
            return TextVerdict("garbled", 0.8, None, original, alternatives)
        confidence = 1.0 if raw is None else (0.9 if not alternatives else 0.6)
        kind = "unicode"
        fixed_text = nfc
    else:
        tolerated = best == "mojibake_utf8_as_cp1252" or (
            best == prefer and best_score.bad <= unicode_score.bad
        )
        if best_score.bad and not tolerated:
            return TextVerdict("garbled", 0.7, None, original, {best: best_text, **alternatives})
        if best in ("tcvn3", "vni") and unicode_score.bad and _unlearns(nfc, best_text):
            # "Bùi Häi HÒng" is VPS: as TCVN3 every word is a syllable ("Bựi Họi Hềng"), but
            # "Bùi", a common word as typed, becomes an unknown one. Another encoding: refuse.
            return TextVerdict("garbled", 0.7, None, original, {best: best_text, **alternatives})
        kind = best
        fixed_text = best_text
        confidence = 0.95 if unicode_score.bad and margin >= 1.0 and not best_score.bad else 0.6
    # Unicode-with-marks text may still hold words that lost theirs ("Nguyen Thị Hoa").
    if any(c in _VIET_LETTERS for c in fixed_text):
        judged = _judge_dropped(fixed_text, marked_context=True)
        if judged.level == "refuse" and judged.confidence >= 0.95:
            return TextVerdict("no_diacritics", 0.9, None, original, alternatives)
    return TextVerdict(
        kind,
        confidence,
        fixed_text,
        original,
        alternatives,
        low_confidence=kind != "unicode" and confidence < 0.9,
        margin=lead,
        restored=restored and kind == "tcvn3",
    )


def repair_cell(
    text: str | None, *, cell: str | None = None, repair_mojibake: bool = True
) -> tuple[str | None, Problem | None]:
    """Return ``(value, problem)`` for one cell on its own.

    ``value`` is clean NFC text, or None when the cell is refused (then ``problem`` is an
    ``enc.E…`` error naming ``cell``). A warning or an info problem may come with a value.
    Prefer :func:`column_verdict` when the whole column is at hand: it uses the column's
    encoding to settle ambiguous cells and refuses unaccented names among accented ones.
    """
    verdict = classify(text)
    problem = verdict.problem(cell, repair_mojibake=repair_mojibake)
    if problem is not None and problem.refused:
        return None, problem
    return verdict.fixed, problem


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnVerdict:
    """Judgement of a whole column.

    ``encoding``: ``empty``, ``ascii``, ``unicode``, ``tcvn3``, ``vni``,
    ``mojibake_utf8_as_cp1252`` or ``mixed``. ``values[i]`` is what to store for cell i
    (None when refused). ``problems`` has one :class:`Problem` per code, naming its cells.
    """

    encoding: str
    cells: list[TextVerdict]
    values: list[str | None]
    problems: list[Problem]

    @property
    def refused(self) -> bool:
        return any(p.refused for p in self.problems)

    def refused_cells(self) -> list[str]:
        return [c for p in self.problems if p.refused for c in p.cells]


_LEGACY = ("tcvn3", "vni", "mojibake_utf8_as_cp1252")


@dataclass(frozen=True)
class ColumnContext:
    """What the rest of a column says about how to read each of its cells.

    ``prefer``: the column's one legacy encoding (cells that read validly both ways are read in
    it); ``rivals``: the encodings of a mixed column (a cell whose readings in two of them are
    close is refused); ``escalate``: most Vietnamese cells carry diacritics (unaccented ones
    that were only suspect are refused); ``label``: the mix, for ``enc.W002``; ``case`` and
    ``words``: see :func:`classify`.
    """

    prefer: str | None = None
    rivals: frozenset[str] = frozenset()
    escalate: bool = False
    label: str = ""
    #: the column's style for letters whose case TCVN3 does not tell: ``TITLE``, ``UPPER``, ""
    case: str = ""
    #: the column's words (lowercase) that mend its TCVN3 cells which lost an "ư"
    words: frozenset[str] = frozenset()

    @property
    def mixed(self) -> bool:
        return bool(self.rivals)


#: A column that says nothing beyond each cell: :func:`classify` alone.
NEUTRAL = ColumnContext()


def _within(text: str | None, v: TextVerdict, ctx: ColumnContext) -> TextVerdict:
    """A cell's verdict once the column's encoding is known (before the diacritics rule)."""
    if ctx.prefer or (
        (ctx.case or ctx.words) and (v.kind in ("tcvn3", "lost_u") or "tcvn3" in v.alternatives)
    ):
        if v.kind != "empty":
            v = classify(text, prefer=ctx.prefer, case=ctx.case, words=ctx.words)
        if v.kind == ctx.prefer:
            v = _confident(v)
    if ctx.rivals and not ctx.prefer:
        v = _settle_mixed(v, ctx.rivals)
    return v


def _column_case(cells) -> str:
    """A column's case style from the letters whose case its cells do tell (ASCII ones)."""
    caps = cased = title = initials = 0
    for text, n, _v in cells:
        for word in (text or "").split():
            letters = [c for c in word if c.isascii() and c.isalpha()]
            if len(letters) >= 2:
                cased += n
                caps += n * all(c.isupper() for c in letters)
            if word[0].isascii() and word[0].isalpha():
                initials += n
                title += n * word[0].isupper()
    if cased and 2 * caps > cased:
        return UPPER
    if initials and title >= 0.9 * initials:
        return TITLE
    return ""


def _mending_words(cells, stage: ColumnContext) -> frozenset[str]:
    """Words of the column that mend its TCVN3 cells which lost an "ư" ("Trường" written
    in full elsewhere in the column mends "Trêng")."""
    wanted: set[str] = set()
    for text, _n, v in cells:
        if text and (v.kind == "lost_u" or (stage.prefer == "tcvn3" and not text.isascii())):
            mended = _put_back_u(tcvn3_to_unicode(text, case=stage.case))
            if mended is not None:
                wanted |= mended[1]
    if not wanted:
        return frozenset()
    present = set()
    for _text, _n, v in cells:
        if v.fixed:
            present.update(w.lower() for w in re.findall(r"[^\W\d_]+", v.fixed))
    return frozenset(wanted & present)


def column_context(
    counts: Iterable[tuple[str | None, int]], *, judge=classify, case: str = ""
) -> ColumnContext:
    """The context of a column from its distinct texts and how often each occurs.

    Streaming callers count the texts of a column while they read it, then call this once;
    ``judge`` may be a cached :func:`classify`. The rules are :func:`column_verdict`'s.
    ``case``: the style the column's kind implies (``TITLE`` for people's names) when its
    cells do not show one.
    """
    cells = [(text, n, judge(text)) for text, n in counts]
    case = _column_case(cells) or case
    definite_unicode = sum(
        n
        for text, n, v in cells
        if v.kind == "unicode" and text is not None and _to_bytes(text) is None
    )
    kinds = {"tcvn3" if v.kind == "lost_u" else v.kind for _t, _n, v in cells}
    legacy_present = [k for k in ("tcvn3", "vni") if k in kinds]
    mixed = bool(legacy_present) and (definite_unicode > 0 or len(legacy_present) > 1)
    if mixed:
        rivals = frozenset(legacy_present) | ({"unicode"} if definite_unicode else frozenset())
        label = ", ".join(
            sorted(_ENCODING_LABEL[k] for k in legacy_present)
            + ["Unicode"] * bool(definite_unicode)
        )
        stage = ColumnContext(rivals=rivals, label=label, case=case)
    elif legacy_present:
        stage = ColumnContext(prefer=legacy_present[0], case=case)
    else:
        stage = ColumnContext(case=case)
    words = _mending_words(cells, stage)
    if words:
        stage = dataclasses.replace(stage, words=words)
    marked = unmarked = 0
    for text, n, v in cells:
        if stage != NEUTRAL:
            v = _within(text, v, stage)
        if v.fixed and any(c in _VIET_LETTERS for c in v.fixed):
            marked += n
        elif v.kind in ("no_diacritics", "no_diacritics_suspect"):
            unmarked += n
    escalate = bool(marked) and marked >= unmarked
    return dataclasses.replace(stage, escalate=escalate)


def classify_in_column(
    text: str | None, ctx: ColumnContext, verdict: TextVerdict | None = None
) -> TextVerdict:
    """:func:`classify` for a cell of a column whose context is ``ctx``."""
    v = verdict if verdict is not None else classify(text)
    if ctx == NEUTRAL:
        return v
    v = _within(text, v, ctx)
    if ctx.escalate:
        v = _escalate_dropped(v)
    return v


def column_verdict(
    values: Iterable[str | None],
    refs: Sequence[str] | None = None,
    *,
    repair_mojibake: bool = True,
) -> ColumnVerdict:
    """Judge a column: a file is normally one encoding throughout, so the column decides.

    * One legacy encoding and no cell that can only be Unicode: ambiguous cells are read in
      that encoding (``"Lê"`` in a TCVN3 column is ``"Lờ"``).
    * Mixed column (legacy cells next to cells that can only be Unicode, or TCVN3 next to
      VNI): clear cells are converted one by one (warning ``enc.W002``); cells that could be
      read either way are refused (``enc.E005``).
    * When at least half of the Vietnamese cells carry diacritics, unaccented Vietnamese cells
      that were only suspect on their own are refused (``enc.E001``).

    ``refs`` names the cells in problems (e.g. ``["B2", "B3", …]``); default ``#1``, ``#2`` ….
    The same rules, for a column read row by row: :func:`column_context` once the column has
    been read, then :func:`classify_in_column` for each cell.
    """
    texts = list(values)
    names = list(refs) if refs is not None else [f"#{i + 1}" for i in range(len(texts))]
    if len(names) != len(texts):
        raise ValueError("refs must name every value")
    own: dict[str | None, TextVerdict] = {}
    for t in texts:
        if t not in own:
            own[t] = classify(t)
    counts: dict[str | None, int] = {}
    for t in texts:
        counts[t] = counts.get(t, 0) + 1
    ctx = column_context(counts.items(), judge=own.__getitem__)
    verdicts = [classify_in_column(t, ctx, own[t]) for t in texts]

    problems: dict[str, Problem] = {}
    for name, v in zip(names, verdicts, strict=True):
        p = v.problem(name, repair_mojibake=repair_mojibake)
        if p is None:
            continue
        if p.code in problems:
            prev = problems[p.code]
            problems[p.code] = Problem(
                p.code, prev.cells + p.cells, prev.original, prev.suggestion, prev.encoding
            )
        else:
            problems[p.code] = p
    if ctx.mixed:
        cells = tuple(n for n, v in zip(names, verdicts, strict=True) if v.kind in _LEGACY)
        problems["enc.W002"] = Problem("enc.W002", cells, encoding=ctx.label)

    stored = []
    for v in verdicts:
        p = v.problem(repair_mojibake=repair_mojibake)
        stored.append(None if v.refused or (p is not None and p.refused) else v.fixed)
    kinds = {v.kind for v in verdicts} - {"empty"}
    if ctx.mixed:
        encoding = "mixed"
    elif ctx.prefer:
        encoding = ctx.prefer
    elif "mojibake_utf8_as_cp1252" in kinds:
        encoding = "mojibake_utf8_as_cp1252"
    elif "unicode" in kinds:
        encoding = "unicode"
    elif kinds:
        encoding = "ascii"
    else:
        encoding = "empty"
    return ColumnVerdict(
        encoding, verdicts, stored, sorted(problems.values(), key=lambda p: p.code)
    )


def _confident(v: TextVerdict) -> TextVerdict:
    return dataclasses.replace(v, confidence=max(v.confidence, 0.9), low_confidence=False)


def _settle_mixed(v: TextVerdict, rivals: set[str]) -> TextVerdict:
    """In a mixed column, refuse a cell whose rival reading (in an encoding present) is close."""
    competing = (set(v.alternatives) | {v.kind}) & rivals
    if v.kind in ("unicode", *_LEGACY) and len(competing) > 1 and v.margin < 1.0:
        readings = {v.kind: v.fixed or "", **v.alternatives}
        return TextVerdict("ambiguous", 0.5, None, v.original, readings, margin=v.margin)
    return v


def _escalate_dropped(v: TextVerdict) -> TextVerdict:
    if v.kind == "no_diacritics_suspect" and v.confidence >= 0.5:
        return TextVerdict("no_diacritics", 0.8, None, v.original, v.alternatives)
    if v.kind == "ascii" and v.fixed:
        judged = _judge_dropped(v.fixed, marked_context=True)
        if judged.level == "refuse":
            return TextVerdict("no_diacritics", judged.confidence, None, v.original)
    return v


# --------------------------------------------------------------------------------------------
# CSV files
# --------------------------------------------------------------------------------------------


def decode_csv_bytes(data: bytes, *, legacy_as_shown: bool = False) -> tuple[str, str]:
    """Decode a CSV file's bytes to NFC text; return ``(text, encoding_name)``.

    ``legacy_as_shown``: a TCVN3 or VNI file is returned as its bytes shown as characters
    (as an .xls holds such text), not converted, so that each column is judged and converted
    on its own — names by their column's case, for one.

    Order: UTF-8 with BOM (``utf-8-sig``), UTF-16 with BOM (``utf-16``), strict UTF-8
    (``utf-8``); otherwise a single-byte file is read as Windows-1258 (``cp1258``, combining
    tone marks composed to NFC), TCVN3 (``tcvn3``) or VNI (``vni``) — whichever reads as
    Vietnamese; the returned text is already converted. A UTF-8 file may still contain cells
    typed in a legacy font: :func:`column_verdict` handles those.

    Raises :class:`EncodingProblem` (``enc.E007`` damaged BOM file, ``enc.E006`` unknown
    encoding) rather than return text it is unsure of.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _nfc(_strict(data[3:], "utf-8")), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _nfc(_strict(data, "utf-16")), "utf-16"
    try:
        return _nfc(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass

    candidates: dict[str, tuple[str, _Score]] = {}
    try:
        text = _nfc(data.decode("cp1258"))
        candidates["cp1258"] = (text, _score(text))
    except UnicodeDecodeError:
        pass
    shown = "".join(chr(b) for b in data)  # same characters as cp1252 for bytes ≥ 0xA0
    decoded, unused, slots = _tcvn3_decode(shown)
    text = _nfc(_restore_tcvn3_case(decoded, slots))
    candidates["tcvn3"] = (text, _score(text, unused))
    decoded, stray = _vni_decode(shown)
    text = _nfc(decoded)
    candidates["vni"] = (text, _score(text, stray))

    def quality(item: tuple[str, tuple[str, _Score]]) -> tuple[float, float]:
        s = item[1][1]
        total = s.good + s.bad
        return (s.good / total if total else 0.0, s.good + 0.6 * s.lex)

    ranked = sorted(candidates.items(), key=quality, reverse=True)
    name, (text, score) = ranked[0]
    ratio = quality(ranked[0])[0]
    runner_up = quality(ranked[1])[0] if len(ranked) > 1 else 0.0
    if score.good >= 1 and ratio >= 0.9 and ratio - runner_up >= 0.2:
        if legacy_as_shown and name in ("tcvn3", "vni"):
            return shown, name
        return text, name
    first_bad = next((i for i, b in enumerate(data) if b >= 0x80), 0)
    raise EncodingProblem(Problem("enc.E006", original=f"0x{data[first_bad]:02X}@{first_bad}"))


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise EncodingProblem(
            Problem("enc.E007", original=f"0x{data[exc.start]:02X}@{exc.start}")
        ) from exc
