"""Value types shared by the whole engine: ordinal tiers, criterion levels, discipline forms."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Tier(IntEnum):
    """Quality tier (mức xếp loại). Higher is better."""

    KHTNV = 1
    HTNV = 2
    HTTNV = 3
    HTXSNV = 4

    @classmethod
    def parse(cls, value: object) -> Tier:
        if isinstance(value, Tier):
            return value
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        raise ValueError(value)


class Level(IntEnum):
    """Criterion level (cấp độ tiêu chí). Higher is better."""

    K = 1
    TB = 2
    T = 3
    XS = 4

    @classmethod
    def parse(cls, value: object) -> Level:
        if isinstance(value, Level):
            return value
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        raise ValueError(value)


class Discipline(IntEnum):
    """Discipline form for individuals (QĐ 69-QĐ/TW), ordered by severity. Higher is heavier."""

    NONE = 0
    KHIEN_TRACH = 1
    CANH_CAO = 2
    CACH_CHUC = 3
    KHAI_TRU = 4

    @classmethod
    def parse(cls, value: object) -> Discipline:
        if isinstance(value, Discipline):
            return value
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        raise ValueError(value)


CONFIDENCES = ("verified", "partly_verified", "unverified")

STAGES = ("require", "exemption", "trigger", "tier", "cap", "check")

# Result status values.
RATED = "rated"
NOT_RATED = "not_rated"
UNDETERMINED = "undetermined"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a rule comes from: a document key (declared in the pack) and a clause."""

    doc: str
    clause: str
    doc_title: str = ""
    note: str = ""  # how far the clause was checked (for staff), never part of the label

    def label(self) -> str:
        title = self.doc_title or self.doc
        return f"{title}, {self.clause}" if self.clause else title
