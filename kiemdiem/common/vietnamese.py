"""Vietnamese text helpers: Unicode normalisation and the Vietnamese sort order.

Sorting is done with a computed key stored beside the name, so that SQLite and PostgreSQL
order people identically without relying on either database's collation (SQLite has no
Vietnamese collation, and PostgreSQL's depends on how the server was initialised).

The order a Vietnamese reader expects (docs/architecture.md §5 has the examples):
  * by given name (tên), then middle name (tên đệm), then family name (họ);
  * within a name, syllable by syllable as a dictionary does: first the syllable's letters in
    the Vietnamese alphabet order a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y
    (f j w z, which appear only in foreign names, slot in at their Latin places), then its
    tone in the order ngang, huyền, hỏi, ngã, sắc, nặng, then what follows it;
  * a name that is the start of another sorts first ("Thị" before "Thị Ánh");
  * syllables are separated by a space, a hyphen or an apostrophe, which sort below every
    letter in that order (Hoa < Hoa Mai < Hoa-Mai < Hoa'Mai < Hoai), as in ICU's collation.

This is ICU's ``vi`` collation (letters first, tones second) with one change: each syllable's
tone is compared right after that syllable's letters, not after the letters of the whole text,
and wherever the mark sits on the vowel ("Hòa" and "Hoà" are the same name).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Base letters in Vietnamese alphabetical order, with the foreign letters in their Latin places.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"

# Combining marks that make a different letter (not a tone).
_LETTER_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}

# The key is ASCII compared byte by byte. Two keys that agree so far differ next in codes of
# the same kind, or in codes of neighbouring kinds where one name or syllable ends earlier;
# so each kind's codes sit below the next kind's:
#   "!"          end of a name part (given, middle, family): below everything
#   "#" "$" "%"  space, hyphen, apostrophe between syllables; "&" + 7 digits any other
#                punctuation or symbol (its code point)
#   "0".."5"     the tone closing each syllable: ngang, huyền, hỏi, ngã, sắc, nặng
#   "6".."F"     the digits 0-9, then "G".."m" the letters of ALPHABET (one code each)
#   "~" + 7 digits  any other character (other alphabets), by code point
_PART_END = "!"
_SEPARATORS = {
    " ": "#",
    "-": "$",
    "\u2010": "$",  # hyphen
    "\u2011": "$",  # non-breaking hyphen
    "'": "%",
    "\u2019": "%",  # right single quotation mark, what word processors type for '
    "\u02bc": "%",  # modifier letter apostrophe
}
_ORDERED = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"  # ascending ASCII codes
_NO_TONE = "0"
_TONES = dict(zip("\u0300\u0309\u0303\u0301\u0323", _ORDERED[1:6], strict=True))
_CODES = dict(zip("0123456789" + ALPHABET, _ORDERED[6:], strict=True))


def nfc(text: str | None) -> str:
    """Return text in Unicode NFC with surrounding and repeated inner spaces removed."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).split())


def nfc_text(text: str | None) -> str:
    """Return running text (several lines) in Unicode NFC, line breaks kept, ends trimmed."""
    if not text:
        return ""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()


@lru_cache(maxsize=65536)  # names repeat: bulk imports compute the same keys again and again
def text_sort_key(text: str) -> str:
    """A byte-orderable key that sorts text the Vietnamese way, syllable by syllable.

    Each syllable becomes its letter codes followed by its tone code; separators keep their
    place between syllables. Case and accents other than the tones and the letter marks
    (ă â ê ô ơ ư) are ignored.
    """
    out: list[str] = []
    letter = ""  # the last base letter, which a following letter mark may change
    tone = ""  # the current syllable's tone code; "" between syllables
    for char in unicodedata.normalize("NFD", nfc(text).lower()):
        if char in _TONES:
            if tone == _NO_TONE:  # a syllable has one tone; a stray second mark is ignored
                tone = _TONES[char]
        elif unicodedata.combining(char):
            if (letter, char) in _LETTER_MARKS:
                letter = _LETTER_MARKS[(letter, char)]
                out[-1] = _CODES[letter]
        elif char in _CODES:
            out.append(_CODES[char])
            letter, tone = char, tone or _NO_TONE
        elif unicodedata.category(char) == "Cf":
            continue  # invisible: soft hyphen, zero-width joiner
        elif char in _SEPARATORS or unicodedata.category(char)[0] in "PSZC":
            out.append(tone)  # closes the syllable before it ("" if there is none)
            out.append(_SEPARATORS.get(char) or f"&{ord(char):07d}")
            letter, tone = "", ""
        else:
            out.append(f"~{ord(char):07d}")
            letter, tone = "", tone or _NO_TONE
    out.append(tone)
    return "".join(out)


def name_sort_key(family: str, middle: str, given: str) -> str:
    """Sort key for a person: given name, then middle name, then family name."""
    return _PART_END.join(text_sort_key(part) for part in (given, middle, family))


def fold_diacritics(text: str) -> str:
    """Lower-case text without diacritics, for tolerant search ("nguyen" finds "Nguyễn")."""
    decomposed = unicodedata.normalize("NFD", nfc(text).lower()).replace("\u0111", "d")
    return "".join(c for c in decomposed if not unicodedata.combining(c))
