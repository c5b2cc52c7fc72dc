"""Vietnamese text helpers: Unicode normalisation and the Vietnamese sort order.

Sorting is done with a computed key stored beside the name, so that SQLite and PostgreSQL
order people identically without relying on either database's collation (SQLite has no
Vietnamese collation, and PostgreSQL's depends on how the server was initialised).

The order a Vietnamese reader expects:
  * by given name (tên), then middle name (tên đệm), then family name (họ);
  * letters in the Vietnamese alphabet order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u
    ư v x y (f j w z, which appear only in foreign names, slot in at their Latin places);
  * tone marks only break ties between words spelled with the same letters, in the dictionary
    order: ngang, huyền, hỏi, ngã, sắc, nặng.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Base letters in Vietnamese alphabetical order, with the foreign letters in their Latin places.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {ch: i for i, ch in enumerate(ALPHABET)}

# Combining marks that make a different letter (not a tone).
_LETTER_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
# Tone marks, ranked in dictionary order (0 = ngang, no mark).
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


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


def _word_key(word: str) -> tuple[str, str]:
    """Primary (letters) and secondary (tones) parts of one word's sort key."""
    letters: list[str] = []
    tones: list[str] = []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char == "\u0111":  # đ has no decomposition
            letters.append(char)
            continue
        if char in _TONE_RANK:
            tones.append(str(_TONE_RANK[char]))
            continue
        if unicodedata.combining(char):
            if letters and (letters[-1], char) in _LETTER_MARKS:
                letters[-1] = _LETTER_MARKS[(letters[-1], char)]
            continue
        letters.append(char)
    primary = "".join(
        f"{_LETTER_RANK[c] + 10:02d}" if c in _LETTER_RANK else f"9{ord(c):06d}" for c in letters
    )
    return primary, "".join(tones) or "0"


@lru_cache(maxsize=65536)  # names repeat: bulk imports compute the same keys again and again
def text_sort_key(text: str) -> str:
    """A byte-orderable key that sorts text the Vietnamese way (letters first, then tones)."""
    words = nfc(text).split(" ") if text else []
    primary = " ".join(_word_key(w)[0] for w in words)
    secondary = " ".join(_word_key(w)[1] for w in words)
    # "!" sorts below every digit, so a shorter word comes before a longer one it begins.
    return f"{primary}!{secondary}"


def name_sort_key(family: str, middle: str, given: str) -> str:
    """Sort key for a person: given name, then middle name, then family name."""
    return "|".join(text_sort_key(part) for part in (given, middle, family))


def fold_diacritics(text: str) -> str:
    """Lower-case text without diacritics, for tolerant search ("nguyen" finds "Nguyễn")."""
    decomposed = unicodedata.normalize("NFD", nfc(text).lower()).replace("\u0111", "d")
    return "".join(c for c in decomposed if not unicodedata.combining(c))
