"""The short codes of a meeting: the room's check-in code and each member's personal code.

Both are derived (HMAC of the server's secret), never stored. The room code changes every
``MEETINGS_ROOM_CODE_SECONDS`` (60 by default) and the one just before is still taken, so a
code read off the screen a moment ago works; it is accepted only while the meeting is open.
The personal code is the member's own for this meeting — shown on their own page only — and
confirms their ballot on the secretary's shared device. Wrong codes are counted per user and
meeting (``MEETINGS_CODE_TRIES`` per ``MEETINGS_CODE_WINDOW`` seconds) and then refused.
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac

DIGITS = 6


def _digits(key: str, value: str) -> str:
    digest = salted_hmac(key, value, algorithm="sha256").hexdigest()
    return str(int(digest[:15], 16) % 10**DIGITS).zfill(DIGITS)


def period() -> int:
    return int(getattr(settings, "MEETINGS_ROOM_CODE_SECONDS", 60))


def room_code(meeting, at: float | None = None) -> str:
    window = int((time.time() if at is None else at) // period())
    return _digits("kiemdiem.meetings.room", f"{meeting.pk}:{window}")


def room_code_ok(meeting, code: str, at: float | None = None) -> bool:
    now = time.time() if at is None else at
    code = (code or "").strip()
    return any(
        constant_time_compare(code, room_code(meeting, now - back * period())) for back in (0, 1)
    )


def personal_code(meeting, person) -> str:
    return _digits("kiemdiem.meetings.personal", f"{meeting.pk}:{person.pk}")


def personal_code_ok(meeting, person, code: str) -> bool:
    return hmac.compare_digest((code or "").strip(), personal_code(meeting, person))


def tries_left(kind: str, user, meeting) -> bool:
    """Count one try; False once the user has used up their tries on this meeting."""
    limit = int(getattr(settings, "MEETINGS_CODE_TRIES", 10))
    window = int(getattr(settings, "MEETINGS_CODE_WINDOW", 300))
    key = f"meetings:tries:{kind}:{getattr(user, 'pk', 0)}:{meeting.pk}"
    cache.add(key, 0, window)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        used = 1
    return used <= limit


def forget_tries(kind: str, user, meeting) -> None:
    cache.delete(f"meetings:tries:{kind}:{getattr(user, 'pk', 0)}:{meeting.pk}")
