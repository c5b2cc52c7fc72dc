"""Tests for kiemdiem.imports.encodings — no Django, no database."""

from __future__ import annotations

import json
import unicodedata
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiemdiem.imports.encodings import (
    MESSAGES,
    REFUSED_KINDS,
    EncodingProblem,
    Problem,
    classify,
    column_verdict,
    decode_csv_bytes,
    is_vietnamese_syllable,
    repair_cell,
    tcvn3_to_unicode,
    unicode_to_tcvn3,
    unicode_to_vni,
    vni_to_unicode,
)

TONES = ["\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # grave, hook, tilde, acute, dot
VOWELS = "aăâeêioôơuưy"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def toned(vowel: str, tone: str) -> str:
    return nfc(vowel + tone)


ALL_LOWER = [v for v in VOWELS] + [toned(v, t) for v in VOWELS for t in TONES] + ["đ"]
ALL_UPPER = [c.upper() for c in ALL_LOWER]
VIETNAMESE_LETTERS = ALL_LOWER + ALL_UPPER

NAMES = [
    "Nguyễn Thị Ánh",
    "Đảng bộ xã Hưng Đạo",
    "Chi bộ thôn Đông",
    "Trường Tiểu học Lê Quý Đôn",
    "Ủy ban nhân dân",
    "Trần Văn Bình",
    "Phạm Thị Hồng Nhung",
    "Hoàng Quốc Việt",
    "Đặng Thùy Dương",
    "Võ Nguyên Giáp",
    "Bùi Đức Thắng",
    "Lý Thường Kiệt",
    "Huỳnh Tấn Phát",
    "Đỗ Mười",
    "phường Hàng Bạc, quận Hoàn Kiếm",
    "Cựu chiến binh",
    "Hội Liên hiệp Phụ nữ",
]


# --------------------------------------------------------------------------------------------
# Tables are data, shipped with the package, and complete
# --------------------------------------------------------------------------------------------


def test_tables_ship_with_the_package():
    base = resources.files("kiemdiem.imports").joinpath("encoding_tables")
    for name in ("tcvn3.json", "vni.json", "vietnamese.json"):
        json.loads(base.joinpath(name).read_text("utf-8"))


def test_vni_table_covers_every_vietnamese_letter():
    vni = json.loads(
        resources.files("kiemdiem.imports")
        .joinpath("encoding_tables", "vni.json")
        .read_text("utf-8")
    )["letters"]
    non_ascii = {c for c in VIETNAMESE_LETTERS if not c.isascii()}
    assert set(vni) == non_ascii
    assert len(vni) == 134


def test_tcvn3_table_covers_lowercase_and_the_seven_capitals():
    tcvn3 = json.loads(
        resources.files("kiemdiem.imports")
        .joinpath("encoding_tables", "tcvn3.json")
        .read_text("utf-8")
    )["bytes"]
    expected = {c for c in ALL_LOWER if not c.isascii()} | set("ĂÂÊÔƠƯĐ")
    assert set(tcvn3.values()) == expected
    assert len(tcvn3) == 74


# --------------------------------------------------------------------------------------------
# Known pairs, typed from knowledge of the encodings (not generated from the tables)
# --------------------------------------------------------------------------------------------

TCVN3_KNOWN = [
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("NguyÔn V¨n An", "Nguyễn Văn An"),
    ("Tr\u00adêng", "Trường"),  # ư is 0xAD: a soft hyphen, invisible in Excel
    ("§¶ng bé", "Đảng bộ"),
    ("Uû ban nh©n d©n", "Uỷ ban nhân dân"),
    ("Hµ Néi", "Hà Nội"),
    ("TrÇn ThÞ B×nh", "Trần Thị Bình"),
    ("Lª", "Lê"),
    ("Ph¹m", "Phạm"),
    ("Hoµng", "Hoàng"),
    ("§Æng", "Đặng"),
    ("Bïi", "Bùi"),
    ("§ç", "Đỗ"),
    ("Vò", "Vũ"),
    ("Hå ChÝ Minh", "Hồ Chí Minh"),
    ("Quèc", "Quốc"),
    ("§¹i héi", "Đại hội"),
    ("Chi bé th«n §«ng", "Chi bộ thôn Đông"),
    ("NguyÔn ThÞ ¸nh", "Nguyễn Thị Ánh"),  # Title Case restores the capital Á
    ("TR¦êNG", "TRƯỜNG"),  # written in a capitals font (.VnTimeH)
]

VNI_KNOWN = [
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("Nguyeãn Vaên An", "Nguyễn Văn An"),
    ("Tröôøng", "Trường"),
    ("Ngaøy", "Ngày"),
    ("Thöù Naêm", "Thứ Năm"),
    ("Thò", "Thị"),
    ("Tænh", "Tỉnh"),
    ("Ñaûng boä", "Đảng bộ"),
    ("Uûy ban nhaân daân", "Ủy ban nhân dân"),
    ("Haø Noäi", "Hà Nội"),
    ("Hoà Chí Minh", "Hồ Chí Minh"),
    ("Ñaëng", "Đặng"),
    ("Baéc Ninh", "Bắc Ninh"),
    ("Myõ", "Mỹ"),
    ("Huyønh", "Huỳnh"),
    ("Kyø hoïp", "Kỳ họp"),
    ("NGUYEÃN", "NGUYỄN"),
    ("ÑAÛNG", "ĐẢNG"),
    ("Nguyeãn Thò AÙnh", "Nguyễn Thị Ánh"),
]


READS_AS_UNICODE_ALONE = {"Vò", "Thò", "Hoà Chí Minh"}  # "thò", "hoà" are words


@pytest.mark.parametrize(("legacy", "expected"), TCVN3_KNOWN)
def test_tcvn3_known_pairs(legacy, expected):
    assert tcvn3_to_unicode(legacy) == expected
    verdict = classify(legacy)
    if legacy in READS_AS_UNICODE_ALONE:
        # Also valid Unicode Vietnamese: kept alone, converted by a TCVN3 column.
        assert (verdict.kind, verdict.alternatives["tcvn3"]) == ("unicode", expected)
        assert column_verdict(["NguyÔn V¨n An", legacy]).values[1] == expected
        return
    assert verdict.kind == "tcvn3", verdict
    assert verdict.fixed == expected


@pytest.mark.parametrize(("legacy", "expected"), VNI_KNOWN)
def test_vni_known_pairs(legacy, expected):
    assert vni_to_unicode(legacy) == expected
    verdict = classify(legacy)
    if legacy in READS_AS_UNICODE_ALONE:
        assert (verdict.kind, verdict.alternatives["vni"]) == ("unicode", expected)
        assert column_verdict(["Nguyeãn Vaên An", legacy]).values[1] == expected
        return
    assert verdict.kind == "vni", verdict
    assert verdict.fixed == expected


# TCVN3 (VN3) layout, row by row: for each vowel its five tones in the order
# huyền (grave), hỏi (hook), ngã (tilde), sắc (acute), nặng (dot).
TCVN3_ROWS = {
    "a": [0xB5, 0xB6, 0xB7, 0xB8, 0xB9],
    "ă": [0xBB, 0xBC, 0xBD, 0xBE, 0xC6],
    "â": [0xC7, 0xC8, 0xC9, 0xCA, 0xCB],
    "e": [0xCC, 0xCE, 0xCF, 0xD0, 0xD1],
    "ê": [0xD2, 0xD3, 0xD4, 0xD5, 0xD6],
    "i": [0xD7, 0xD8, 0xDC, 0xDD, 0xDE],
    "o": [0xDF, 0xE1, 0xE2, 0xE3, 0xE4],
    "ô": [0xE5, 0xE6, 0xE7, 0xE8, 0xE9],
    "ơ": [0xEA, 0xEB, 0xEC, 0xED, 0xEE],
    "u": [0xEF, 0xF1, 0xF2, 0xF3, 0xF4],
    "ư": [0xF5, 0xF6, 0xF7, 0xF8, 0xF9],
    "y": [0xFA, 0xFB, 0xFC, 0xFD, 0xFE],
}
TCVN3_PLAIN = dict(zip("ĂÂÊÔƠƯĐăâêôơưđ", range(0xA1, 0xAF), strict=True))


@pytest.mark.parametrize("vowel", list(TCVN3_ROWS))
def test_tcvn3_every_vowel_with_every_tone(vowel):
    for tone, byte in zip(TONES, TCVN3_ROWS[vowel], strict=True):
        letter = toned(vowel, tone)
        legacy = bytes([byte]).decode("cp1252")
        assert tcvn3_to_unicode(legacy) == letter
        assert unicode_to_tcvn3(letter) == legacy
        # capitals have no code in VN3: the lowercase byte, drawn by a capitals font
        assert unicode_to_tcvn3(letter.upper()) == legacy


def test_tcvn3_plain_letters_and_d_stroke():
    for letter, byte in TCVN3_PLAIN.items():
        legacy = bytes([byte]).decode("cp1252")
        assert tcvn3_to_unicode(legacy, restore_case=False) == letter
        assert unicode_to_tcvn3(letter) == legacy


# VNI marks, from the VNI keyboard layout: tone bytes follow the vowel.
VNI_TONE = dict(zip(TONES, "øûõùï", strict=True))
VNI_CIRCUMFLEX_TONE = dict(zip(TONES, "àåãáä", strict=True))
VNI_BREVE_TONE = dict(zip(TONES, "èúüéë", strict=True))
VNI_SINGLE = {
    "ơ": "ô",
    "ư": "ö",
    "đ": "ñ",
    "ỵ": "î",
    "ì": "ì",
    "ỉ": "æ",
    "ĩ": "ó",
    "í": "í",
    "ị": "ò",
}


def expected_vni(letter: str) -> str:
    """VNI form from the layout rules above (independent of the JSON table)."""
    lower = letter.lower()
    upper = letter != lower
    if lower in VNI_SINGLE:
        out = VNI_SINGLE[lower]
        return out.upper() if upper else out
    decomposed = unicodedata.normalize("NFD", lower)
    base, marks = decomposed[0], decomposed[1:]
    tone = next((m for m in marks if m in TONES), None)
    shape = next((m for m in marks if m not in TONES), None)
    if base in "ou" and shape == "\u031b":  # ơ / ư with a tone
        head = VNI_SINGLE["ơ" if base == "o" else "ư"]
        mark = VNI_TONE[tone]
    elif shape == "\u0302":
        head, mark = base, (VNI_CIRCUMFLEX_TONE[tone] if tone else "â")
    elif shape == "\u0306":
        head, mark = base, (VNI_BREVE_TONE[tone] if tone else "ê")
    else:
        head, mark = base, VNI_TONE[tone]
    out = head + mark
    return out.upper() if upper else out


@pytest.mark.parametrize("letter", [c for c in VIETNAMESE_LETTERS if not c.isascii()])
def test_vni_every_letter_both_cases(letter):
    legacy = expected_vni(letter)
    assert unicode_to_vni(letter) == legacy
    assert vni_to_unicode(legacy) == letter


# --------------------------------------------------------------------------------------------
# Round trips through the tables' inverse
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_vni_round_trip_names(name):
    legacy = unicode_to_vni(name)
    assert legacy != name
    verdict = classify(legacy)
    assert (verdict.kind, verdict.fixed) == ("vni", name)


@pytest.mark.parametrize("name", NAMES)
def test_tcvn3_round_trip_names(name):
    legacy = unicode_to_tcvn3(name)
    verdict = classify(legacy)
    assert verdict.kind == "tcvn3"
    if name == "Ủy ban nhân dân":
        # No "Ủ" in TCVN3 and no Title Case to go by: real files say "Uû ban" (see above).
        assert verdict.fixed == "ủy ban nhân dân"
    else:
        assert verdict.fixed == name


def test_tcvn3_capitals_round_trip():
    for name in ("NGUYỄN THỊ ÁNH", "ĐẢNG BỘ XÃ HƯNG ĐẠO", "ỦY BAN NHÂN DÂN"):
        assert tcvn3_to_unicode(unicode_to_tcvn3(name)) == name


VIETNAMESE_TEXT = st.text(
    alphabet=st.sampled_from(VIETNAMESE_LETTERS + list("bcdghklmnpqrstvx BCDGHKLMNPQRSTVX019,.-'")),
    max_size=60,
)
TCVN3_TEXT = st.text(
    alphabet=st.sampled_from(
        ALL_LOWER + list("ĂÂÊÔƠƯĐ") + list("bcdghklmnpqrstvx BCDGHKLMNPQRSTVX019,.-'")
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(VIETNAMESE_TEXT)
def test_property_vni_round_trip(text):
    assert vni_to_unicode(unicode_to_vni(text)) == nfc(text)


@settings(max_examples=300, deadline=None)
@given(TCVN3_TEXT)
def test_property_tcvn3_round_trip(text):
    # Every letter TCVN3 can hold (it has no capital vowels with tone marks).
    assert tcvn3_to_unicode(unicode_to_tcvn3(text), restore_case=False) == nfc(text)


@settings(max_examples=200, deadline=None)
@given(VIETNAMESE_TEXT)
def test_property_repair_never_returns_non_nfc(text):
    value, problem = repair_cell(text)
    if value is not None:
        assert value == nfc(value)
    else:
        assert problem is not None and problem.refused


# --------------------------------------------------------------------------------------------
# Unicode stays Unicode; output is NFC
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_unicode_names_untouched(name):
    verdict = classify(name)
    assert verdict.kind == "unicode"
    assert verdict.fixed == name
    assert repair_cell(name) == (name, None)


def test_nfd_input_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    value, problem = repair_cell(decomposed)
    assert value == "Nguyễn Thị Ánh" and problem is None
    assert unicodedata.is_normalized("NFC", value)


@pytest.mark.parametrize("text", ["Lê Vân", "Hà Tây", "Tô", "Châu"])
def test_unicode_within_cp1252_range_prefers_unicode(text):
    # These could be read as TCVN3/VNI too ("Lê" = TCVN3 "Lờ"), but Unicode wins on its own.
    assert classify(text).fixed == text


def test_outputs_are_nfc_for_legacy_and_mojibake():
    for legacy in ("NguyÔn V¨n An", "Nguyeãn Vaên An", "Nguyá»…n VÄƒn An"):
        value, _ = repair_cell(legacy)
        assert value == "Nguyễn Văn An"
        assert unicodedata.is_normalized("NFC", value)


# --------------------------------------------------------------------------------------------
# Mojibake: repaired when lossless, refused when bytes were lost
# --------------------------------------------------------------------------------------------


def _cp1252_ok(text: str) -> bool:
    try:
        text.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:  # e.g. "ờ" = E1 BB 9D, and 0x9D is undefined in cp1252
        return False
    return True


@pytest.mark.parametrize("name", [n for n in NAMES if _cp1252_ok(n)])
def test_mojibake_cp1252_is_repaired(name):
    garbled = name.encode("utf-8").decode("cp1252")
    verdict = classify(garbled)
    assert (verdict.kind, verdict.fixed) == ("mojibake_utf8_as_cp1252", name)
    value, problem = repair_cell(garbled, cell="C4")
    assert value == name and problem.code == "enc.I003" and problem.cells == ("C4",)


@pytest.mark.parametrize("name", NAMES)
def test_mojibake_latin1_is_repaired(name):
    garbled = name.encode("utf-8").decode("latin-1")  # C1 controls kept, nothing lost
    assert classify(garbled).fixed == name


def test_known_mojibake_example():
    assert classify("Nguyá»…n").fixed == "Nguyễn"
    assert classify("Ä‘á»“ng chÃ\xad").fixed == "đồng chí"
    # Đ is C4 90; 0x90 is undefined in cp1252, kept as U+0090 by a Latin-1 reader...
    assert classify("Ä\x90áº£ng bá»™").fixed == "Đảng bộ"
    # ... and refused when that byte was dropped on the way.
    assert classify("Äáº£ng bá»™").kind == "mojibake_lossy"


def test_double_mojibake_is_repaired():
    once = "Nguyễn".encode().decode("cp1252")
    twice = once.encode("utf-8").decode("cp1252")
    assert classify(twice).fixed == "Nguyễn"


def test_mojibake_refused_when_caller_wants_strict():
    value, problem = repair_cell("Nguyá»…n", cell="B9", repair_mojibake=False)
    assert value is None
    assert problem.code == "enc.E008" and problem.suggestion == "Nguyễn"
    assert "Nguyễn" in problem.message("vi") and "B9" in problem.message("en")


@pytest.mark.parametrize(
    "text",
    [
        "Nguyá»?n",  # "ờ"/"ễ"-style byte turned into "?"
        "Trá»\ufffdng",
        "TrÆ°á»?ng",
        "Ä?ảng",
    ],
)
def test_lossy_mojibake_refused(text):
    value, problem = repair_cell(text, cell="A1")
    assert value is None
    assert problem.code in ("enc.E002", "enc.E003")
    assert problem.cells == ("A1",)


def test_lossy_mojibake_from_a_real_encoder():
    # "ờ" is E1 BB 9D in UTF-8; 0x9D is undefined in cp1252, so a lenient decoder says "?"
    garbled = "Trường".encode().decode("cp1252", errors="replace")
    value, problem = repair_cell(garbled)
    assert value is None and problem.refused


@pytest.mark.parametrize("text", ["Nguy?n V?n An", "Tr??ng", "Nguy\ufffdn"])
def test_question_marks_inside_words_refused(text):
    value, problem = repair_cell(text)
    assert value is None and problem.code == "enc.E003"


def test_question_mark_at_end_is_fine():
    assert repair_cell("Có đúng không?") == ("Có đúng không?", None)
    assert repair_cell("Why?")[0] == "Why?"


# --------------------------------------------------------------------------------------------
# Dropped diacritics
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Nguyen Van An",
        "Tran Thi Binh",
        "Le Van Tam",
        "Chi bo thon Dong",
        "Dang bo xa Hung Dao",
        "Truong Tieu hoc Le Quy Don",
        "Uy ban nhan dan",
        "Phan Thanh Dat",
        "NGUYEN THI ANH",
        "Nguyen",
        "Duong",
        "Ha Noi",
        "Nguyen Thị Hoa",  # partly typed without marks
    ],
)
def test_dropped_diacritics_refused(text):
    verdict = classify(text)
    assert verdict.kind == "no_diacritics", verdict
    value, problem = repair_cell(text, cell="B7")
    assert value is None
    assert problem.code == "enc.E001" and problem.refused
    assert "B7" in problem.message("vi") and text in problem.message("en")


@pytest.mark.parametrize(
    "text",
    [
        "John Smith",
        "Mary",
        "Ksor",
        "Y Bih",
        "Ksor H'Nhi",
        "H'Mông",
        "Rơ Châm",
        "Phan Thanh Nam",  # correct Vietnamese without any mark
        "Mai Anh",
        "Lan",
        "Nam",
        "Kim Long",
        "CB-01",
        "12345",
        "an.nguyen@example.vn",
        "THCS",
        "UBND",
        "Phòng IT",
        "José Martí",
        "Müller",
        "François",
        "Hanoi",
        "https://example.vn/x",
        "0912 345 678",
    ],
)
def test_legitimate_text_not_refused(text):
    value, problem = repair_cell(text)
    assert value == nfc(text)
    assert problem is None or not problem.refused


@pytest.mark.parametrize("text", ["Tran", "Hung", "John Nguyen"])
def test_unsure_cases_pass_with_warning(text):
    value, problem = repair_cell(text, cell="D2")
    assert value == text
    assert problem is not None and problem.code == "enc.W001" and problem.severity == "warning"


def test_tone_must_sit_on_the_right_vowel():
    for good in ("hoà", "hòa", "thuý", "thúy", "khoẻ", "khỏe", "mía", "của", "người", "khuỷu"):
        assert is_vietnamese_syllable(good), good
    # TCVN3/VNI misreadings that only look Vietnamese with a misplaced tone or a Spanish ñ
    for bad in ("maõ", "deỏ", "ña", "hoàn\u0301"):
        assert not is_vietnamese_syllable(bad), bad


@pytest.mark.parametrize(
    "text",
    ["Jennifer", "Michael", "Tom Long", "Ann Lee", "Paris", "Committee", "Minh Khai", "Sa Ly"],
)
def test_foreign_and_plain_names_pass(text):
    assert repair_cell(text)[0] == text


def test_mojibake_with_no_break_space():
    # "à" is C3 A0: Windows-1252 shows "Ã" and a no-break space
    assert classify("BÃ\xa0n").fixed == "Bàn"


def test_minority_names_in_a_vni_column():
    names = ["Nguyễn Văn An", "Sa Rươne", "Sươl", "Hờ A Dế", "Thò Thị Mỷ"]
    col = column_verdict(unicode_to_vni(n) for n in names)
    assert (col.encoding, col.values) == ("vni", names)


def test_syllable_checker():
    for good in (
        "nguyễn",
        "Trường",
        "khuỷu",
        "giếng",
        "gì",
        "quyết",
        "quốc",
        "thuở",
        "ĐẢNG",
        "oanh",
    ):
        assert is_vietnamese_syllable(good), good
    for bad in (
        "nguyen",
        "viet",
        "john",
        "ksor",
        "bih",
        "nguyeãn",
        "kan",
        "ca\u0301c\u0300",
        "xyz",
    ):
        assert not is_vietnamese_syllable(bad), bad


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------


def test_tcvn3_column_reads_ambiguous_cells_as_tcvn3():
    # "Vò" alone is valid Unicode, but in a TCVN3 column it is "Vũ".
    col = column_verdict(["NguyÔn V¨n An", "Vò Thanh", "Lª ThÞ Hoa", "", "Ksor"])
    assert col.encoding == "tcvn3"
    assert col.values == ["Nguyễn Văn An", "Vũ Thanh", "Lê Thị Hoa", "", "Ksor"]
    assert [p.code for p in col.problems] == ["enc.I001"]
    assert col.problems[0].cells == ("#1", "#2", "#3")


def test_alone_the_ambiguous_cell_stays_unicode():
    verdict = classify("Vò Thanh")
    assert verdict.fixed == "Vò Thanh"
    assert verdict.alternatives["tcvn3"] == "Vũ Thanh"


def test_vni_column():
    col = column_verdict(unicode_to_vni(n) for n in NAMES)
    assert col.encoding == "vni"
    assert col.values == NAMES
    assert [p.code for p in col.problems] == ["enc.I002"]


def test_unaccented_cells_refused_among_accented_ones():
    col = column_verdict(
        ["Nguyễn Thị Ánh", "Tran", "Lê Vân", "Phan Thanh Nam", "Nu", "John"],
        refs=["B2", "B3", "B4", "B5", "B6", "B7"],
    )
    assert col.values == ["Nguyễn Thị Ánh", None, "Lê Vân", "Phan Thanh Nam", None, "John"]
    (problem,) = col.problems
    assert problem.code == "enc.E001"
    assert problem.cells == ("B3", "B6")
    assert col.refused_cells() == ["B3", "B6"]
    assert "B3, B6" in problem.message("vi")


def test_unaccented_alone_is_only_a_warning_but_clear_cases_are_refused():
    col = column_verdict(["Tran", "Hung", "Nguyen Van An"])
    assert col.values == ["Tran", "Hung", None]
    assert {p.code: p.cells for p in col.problems} == {
        "enc.E001": ("#3",),
        "enc.W001": ("#1", "#2"),
    }


def test_mixed_column_refuses_ambiguous_cells_and_warns():
    col = column_verdict(["Nguyễn Thị Ánh", "Lê Vân", "NguyÔn V¨n An", "Vò Thanh"])
    assert col.encoding == "mixed"
    # "Lê Vân" is far likelier Unicode (lexicon), "Vò Thanh" could be either.
    assert col.values == ["Nguyễn Thị Ánh", "Lê Vân", "Nguyễn Văn An", None]
    codes = {p.code: p.cells for p in col.problems}
    assert codes["enc.E005"] == ("#4",)
    assert codes["enc.W002"] == ("#3",)
    assert "TCVN3" in next(p for p in col.problems if p.code == "enc.E005").message("en")


def test_tcvn3_and_vni_in_one_column_is_mixed():
    col = column_verdict(["NguyÔn V¨n An", "Nguyeãn Vaên An"])
    assert col.encoding == "mixed"
    assert col.values == ["Nguyễn Văn An", "Nguyễn Văn An"]
    assert "enc.W002" in {p.code for p in col.problems}


def test_column_refs_must_match():
    with pytest.raises(ValueError):
        column_verdict(["a", "b"], refs=["A1"])


def test_garbled_legacy_refused():
    value, problem = repair_cell("Ng°y¨n V¨n")  # ° is unused by TCVN3 and VNI
    assert value is None and problem.code == "enc.E004"


# --------------------------------------------------------------------------------------------
# CSV bytes
# --------------------------------------------------------------------------------------------

CSV = (
    "ho_ten,don_vi,ghi_chu\n"
    "Nguyễn Thị Ánh,Đảng bộ xã Hưng Đạo,\n"
    "Trần Văn Bình,Chi bộ thôn Đông,Đảng viên dự bị\n"
    "Lê Vân,Trường Tiểu học Lê Quý Đôn,Ủy ban nhân dân\n"
)


def windows_1258(text: str) -> bytes:
    """Windows-1258 stores â ê ô ă ơ ư đ as letters and the tone as a combining mark."""
    out = []
    for ch in nfc(text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONES)
        out.append(nfc("".join(c for c in parts if c not in TONES)) + tones)
    return "".join(out).encode("cp1258")


def test_csv_utf8():
    assert decode_csv_bytes(CSV.encode("utf-8")) == (CSV, "utf-8")


def test_csv_utf8_bom():
    assert decode_csv_bytes(b"\xef\xbb\xbf" + CSV.encode("utf-8")) == (CSV, "utf-8-sig")


def test_csv_utf16():
    assert decode_csv_bytes(CSV.encode("utf-16")) == (CSV, "utf-16")


def test_csv_utf8_nfd_is_normalised():
    data = unicodedata.normalize("NFD", CSV).encode("utf-8")
    assert decode_csv_bytes(data) == (CSV, "utf-8")


def test_csv_windows_1258():
    data = windows_1258(CSV)
    assert b"\xcc" in data or b"\xec" in data  # really uses combining tone marks
    text, encoding = decode_csv_bytes(data)
    assert encoding == "cp1258"
    assert text == CSV
    assert unicodedata.is_normalized("NFC", text)


def test_csv_windows_1258_precomposed_where_available():
    data = windows_1258("Hà Nội,Tô Vân\n")
    assert decode_csv_bytes(data) == ("Hà Nội,Tô Vân\n", "cp1258")


def test_csv_tcvn3():
    data = unicode_to_tcvn3(CSV).encode("cp1252")
    text, encoding = decode_csv_bytes(data)
    assert encoding == "tcvn3"
    # TCVN3 has no "Ủ": a real file would say "Uû ban"; everything else comes back exactly.
    assert text == CSV.replace("Ủy ban", "ủy ban")


def test_csv_vni():
    data = unicode_to_vni(CSV).encode("cp1252")
    assert decode_csv_bytes(data) == (CSV, "vni")


def test_csv_bom_with_broken_content_refused():
    with pytest.raises(EncodingProblem) as info:
        decode_csv_bytes(b"\xef\xbb\xbfabc\xff")
    assert info.value.code == "enc.E007"


def test_csv_unknown_single_byte_refused():
    for data in ("José;Müller;Straße\n".encode("latin-1"), bytes(range(0x80, 0x100))):
        with pytest.raises(EncodingProblem) as info:
            decode_csv_bytes(data)
        assert info.value.code == "enc.E006"
        assert "UTF-8" in info.value.problem.message("vi")


def test_csv_utf8_with_legacy_cells_left_to_the_column_check():
    data = "ho_ten\nNguyÔn V¨n An\n".encode()
    text, encoding = decode_csv_bytes(data)
    assert encoding == "utf-8"
    rows = text.splitlines()[1:]
    assert column_verdict(rows).values == ["Nguyễn Văn An"]


# --------------------------------------------------------------------------------------------
# Problem codes and messages
# --------------------------------------------------------------------------------------------


def test_every_code_has_both_languages_and_formats():
    for code, texts in MESSAGES.items():
        assert set(texts) == {"vi", "en"}
        p = Problem(code, ("B2", "B3"), "x", "y", "TCVN3")
        assert p.message("vi") and p.message("en")
        assert p.severity in ("error", "warning", "info")


def test_refused_kinds_map_to_error_codes():
    for kind, text in {
        "no_diacritics": "Nguyen Van An",
        "damaged_replacement": "Nguy?n",
        "mojibake_lossy": "Nguyá»?n",
        "garbled": "Ng°y¨n V¨n",
    }.items():
        verdict = classify(text)
        assert verdict.kind == kind and kind in REFUSED_KINDS
        assert verdict.fixed is None
        assert verdict.problem("Z9").refused


def test_empty_cells():
    assert repair_cell("") == ("", None)
    assert repair_cell(None) == ("", None)
    assert repair_cell("   ") == ("   ", None)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.binary(max_size=40).map(lambda b: b.decode("latin-1")))
def test_property_any_text_gets_a_verdict(text):
    verdict = classify(text)
    assert (verdict.fixed is None) == verdict.refused
    value, problem = repair_cell(text, cell="X1")
    assert (value is None) == (problem is not None and problem.refused)
    if problem is not None:
        assert problem.code in MESSAGES and problem.cells == ("X1",)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_property_csv_decoding_returns_nfc_or_raises_a_coded_error(data):
    try:
        text, encoding = decode_csv_bytes(data)
    except EncodingProblem as exc:
        assert exc.code in ("enc.E006", "enc.E007")
    else:
        assert unicodedata.is_normalized("NFC", text) and encoding


# --------------------------------------------------------------------------------------------
# Issue 11: the per-cell and per-column judgement (letters, case, lost bytes, other encodings)
# --------------------------------------------------------------------------------------------


def test_letters_with_a_capital_of_their_own_are_lowercase():
    # ¨ © ª « ¬ ­ ® are ă â ê ô ơ ư đ; their capitals are ¡ ¢ £ ¤ ¥ ¦ §.
    assert classify("Lª Vò").fixed == "Lê Vũ"  # not "LÊ VŨ"
    assert classify("§µo ¤n").fixed == "Đào Ôn"
    assert classify("TR¦êNG").fixed == "TRƯỜNG"  # capitals of its own: the word is in capitals


def test_superscript_digits_are_tcvn3_letters():
    assert "¹".isdigit()  # what Python says, and why isdigit() is the wrong test
    verdict = classify("L¹c")
    assert (verdict.kind, verdict.fixed) == ("tcvn3", "Lạc")
    assert classify("Ph¹m V¨n L¹c").fixed == "Phạm Văn Lạc"


@pytest.mark.parametrize(("legacy", "expected"), [("ThÕ", "Thế"), ("TrÝ", "Trí"), ("HuÕ", "Huế")])
def test_a_capital_inside_a_word_marks_legacy_text(legacy, expected):
    verdict = classify(legacy)
    assert (verdict.kind, verdict.fixed) == ("tcvn3", expected)


def test_acronyms_alone_convert():
    assert classify("H§ND").fixed == "HĐND"
    assert classify("§CSVN").fixed == "ĐCSVN"
    assert classify("H§ND x· Yªn B×nh").fixed == "HĐND xã Yên Bình"
    assert classify("UBND").fixed == "UBND" and classify("HĐND").kind == "unicode"


def test_title_case_or_capitals_by_the_column():
    caps = column_verdict(["NGUYÔN", "TRÇN", "Hå", "Uû"])
    assert caps.values == ["NGUYỄN", "TRẦN", "HỒ", "UỶ"]
    title = column_verdict(["NguyÔn", "TrÇn", "Hå", "Uû", "¸nh"])
    assert title.values == ["Nguyễn", "Trần", "Hồ", "Uỷ", "Ánh"]
    # A cell that shows its own case keeps it, whatever the column.
    assert column_verdict(["NGUYÔN", "TRÇN", "Uû ban"]).values[2] == "Uỷ ban"


def test_a_name_column_capitalises_names_its_cells_cannot_tell():
    from kiemdiem.imports.encodings import TITLE, ColumnContext, classify_in_column

    assert classify("¸nh").fixed == "ánh"  # alone: a word, not a name
    names = ColumnContext(case=TITLE)
    assert classify_in_column("¸nh", names).fixed == "Ánh"
    assert classify_in_column("ý", ColumnContext(prefer="tcvn3", case=TITLE)).fixed == "Ý"


def test_a_lost_u_is_put_back_from_the_column_or_refused():
    # TCVN3 "ư" is byte 0xAD, the soft hyphen, which some programs drop as invisible.
    assert unicode_to_tcvn3("Trường") == "Tr\xadêng"
    column = column_verdict(["Tr\xadêng Hoµng", "Trêng Hoµng"])
    assert column.values == ["Trường Hoàng", "Trường Hoàng"]
    assert [p.code for p in column.problems] == ["enc.I001", "enc.W004"]
    alone = column_verdict(["NguyÔn", "Trêng Hoµng"])
    assert alone.values == ["Nguyễn", None]  # never "Trờng"
    refused = next(p for p in alone.problems if p.code == "enc.E009")
    assert refused.cells == ("#2",) and "Trường Hoàng" in refused.message("vi")


def test_lost_u_mending_needs_one_way():
    from kiemdiem.imports.encodings import _put_back_u

    assert _put_back_u("Trờng") == ("Trường", frozenset({"trường"}))
    assert _put_back_u("Nguyễn") is None  # nothing to mend


def _viscii(text: str) -> str:
    """VISCII bytes shown as Windows-1252 (glibc's table)."""
    data = _iconv_to(text, "VISCII")
    return "".join(chr(b) if b >= 0xA0 or b < 0x80 else bytes([b]).decode("cp1252") for b in data)


def test_viscii_is_refused_by_name():
    legacy = _viscii("Bùi Hải Hồng")
    assert legacy == "Bùi Häi H°ng"
    verdict = classify(legacy)
    assert verdict.refused and verdict.foreign == "VISCII"
    problem = verdict.problem("B2")
    assert problem.code == "enc.E010"
    assert "VISCII" in problem.message("vi") and "Bùi Hải Hồng" in problem.message("vi")
    for name in NAMES[:6]:
        assert classify(_viscii(name)).foreign == "VISCII", name


def test_vps_is_refused_not_read_as_tcvn3():
    # "Bùi Hải Hồng" in VPS. As TCVN3 every word is a syllable ("Bựi Họi Hềng"), but the
    # common "Bùi" would become an unknown word: refused as an unknown encoding.
    value, problem = repair_cell("Bùi Häi HÒng", cell="B2")
    assert value is None and problem.code == "enc.E004"
    assert "VPS" in problem.message("vi")


def test_tcvn3_vn1_capitals_are_refused_by_name():
    # VN1 writes capitals with tone marks in bytes VN3 leaves free: "NGUYỄN" has Ễ = 0xD9.
    vn1 = "NGUY" + chr(0xD9) + "N V" + chr(0xA1) + "N " + chr(0xDA)
    verdict = classify(vn1)
    assert verdict.refused and verdict.foreign == "TCVN 5712 (VN1)", verdict
    assert verdict.suggestion == "NGUYỄN VĂN Ế"


def test_viqr_is_refused_by_name():
    verdict = classify("Nguye^~n Va(n An")
    assert verdict.refused and verdict.foreign == "VIQR"
    assert verdict.suggestion == "Nguyễn Văn An"
    assert classify("Tru+o+`ng DDa(ng").suggestion == "Trường Đăng"
    for text in ("Hoa.", "O'Neil", "an.nguyen@example.vn", "Ho?", "Ksor H'Ben"):
        assert not classify(text).refused, text


@pytest.mark.parametrize("name", NAMES)
def test_legacy_names_are_never_taken_for_an_unsupported_encoding(name):
    for legacy in (unicode_to_tcvn3(name), unicode_to_vni(name)):
        assert classify(legacy).kind != "unsupported", legacy


def test_lexicon_names_in_tcvn3_are_never_taken_for_viscii():
    data = json.loads(
        resources.files("kiemdiem.imports")
        .joinpath("encoding_tables", "vietnamese.json")
        .read_text("utf-8")
    )
    wrong = [
        w
        for w in data["lexicon_marked"]
        if classify(unicode_to_tcvn3(w.capitalize())).kind == "unsupported"
    ]
    assert not wrong


def _iconv_to(text: str, encoding: str) -> bytes:
    import shutil
    import subprocess

    if shutil.which("iconv") is None:
        pytest.skip("iconv is not on this machine")
    return subprocess.run(
        ["iconv", "-f", "UTF-8", "-t", encoding], input=text.encode(), capture_output=True
    ).stdout


def _iconv(data: bytes, encoding: str) -> str | None:
    import shutil
    import subprocess

    if shutil.which("iconv") is None:
        pytest.skip("iconv is not on this machine")
    done = subprocess.run(["iconv", "-f", encoding, "-t", "UTF-8"], input=data, capture_output=True)
    return done.stdout.decode("utf-8") if done.returncode == 0 else None


@pytest.mark.parametrize(
    ("name", "encoding", "base"),
    [("viscii.json", "VISCII", None), ("tcvn5712_vn1.json", "TCVN5712-1", "tcvn3.json")],
)
def test_recognised_tables_agree_with_glibc(name, encoding, base):
    def table(file):
        data = resources.files("kiemdiem.imports").joinpath("encoding_tables", file)
        return {int(k, 16): v for k, v in json.loads(data.read_text("utf-8"))["bytes"].items()}

    ours = table(name)
    for byte, char in ours.items():
        assert _iconv(bytes([byte]), encoding) == char, hex(byte)
    if base:  # VN3 is VN1 without those bytes: the letters they share agree too
        for byte, char in table(base).items():
            assert _iconv(bytes([byte]), encoding) == char, hex(byte)


def test_invisible_characters_are_stripped_but_not_the_tcvn3_u():
    from kiemdiem.imports.encodings import strip_invisible

    assert strip_invisible("Ng\u200buy\u200cễn\u200d\ufeff\u2060\u200e") == "Nguyễn"
    assert strip_invisible("Tr\xadêng") == "Tr\xadêng"  # U+00AD is TCVN3's "ư"


def test_mojibake_whose_no_break_space_became_a_space():
    assert classify("HoÃ ng").fixed == "Hoàng"
    assert classify("NGÃ BA").fixed == "NGÃ BA"  # a real Ã before a space stays


def test_half_mojibake_is_repaired_by_ftfy():
    verdict = classify("Nguyễn VÄƒn An")
    assert (verdict.kind, verdict.fixed) == ("mojibake_utf8_as_cp1252", "Nguyễn Văn An")
