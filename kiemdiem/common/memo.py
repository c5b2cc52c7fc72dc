"""Short-lived memos of what every page asks again for the same user: the menu's flags, the
start page's to-dos and counts.

Those answers are per user, cost ten to forty queries, and change seldom between two clicks;
recomputing them on every request made the start page a tenth as fast as a bare page
(bench/web/RESULTS.md). A memo is kept for ``KIEMDIEM_MEMO_SECONDS`` (60 by default; 0 turns
memos off) and is **forgotten at once when the user writes anything**:

* each user has a *generation*, a random token in the shared cache (``caches["default"]``:
  the file cache or Redis every process sees); a memo is stored under the generation it was
  computed in;
* ``MemoMiddleware`` replaces the token after every request that may write (any method but
  GET, HEAD, OPTIONS), so the user's next page, in whichever process, recomputes — their own
  changes show immediately; ``forget(user_id)`` does the same for writes made *for* a user by
  someone else when they change what the user may do (a grant given or taken);
* other people's changes (a subject that became ready to decide, a new notification) show
  within the memo's lifetime.

The token is replaced, never incremented, so two writes that race cannot leave a memo
computed between them looking current; it is read before the memo is computed, so a write
that commits during the computation replaces it. The memos themselves live in this process's
memory (``caches["memo"]``, a bounded LocMemCache): reading one costs no database query and
no file. A request that may write never reads a memo (it computes afresh).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import get_language

T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MISSING = object()


def _generation_key(user_id: int) -> str:
    return f"memo-generation:{user_id}"


def seconds() -> int:
    return int(getattr(settings, "KIEMDIEM_MEMO_SECONDS", 60))


def forget(user_id: int | None) -> None:
    """Drop every memo of ``user_id``: their next request recomputes, in every process."""
    if user_id is not None and seconds() > 0:
        caches["default"].set(_generation_key(user_id), uuid.uuid4().hex, timeout=None)


def _generation(request, user_id: int) -> str:
    token = getattr(request, "_memo_generation", None)
    if token is None:
        shared = caches["default"]
        token = shared.get(_generation_key(user_id))
        if token is None:
            shared.add(_generation_key(user_id), uuid.uuid4().hex, timeout=None)
            token = shared.get(_generation_key(user_id)) or uuid.uuid4().hex
        request._memo_generation = token
    return token


def user_memo(request, name: str, compute: Callable[[], T]) -> T:
    """``compute()``'s answer for the signed-in user, kept as the module says. ``name`` names
    the part (one memo per user, language and name)."""
    user = getattr(request, "user", None)
    lifetime = seconds()
    if (
        lifetime <= 0
        or user is None
        or not user.is_authenticated
        or request.method not in SAFE_METHODS
    ):
        return compute()
    key = f"memo:{user.pk}:{_generation(request, user.pk)}:{get_language()}:{name}"
    local = caches["memo"]
    value = local.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        local.set(key, value, lifetime)
    return value


def keep(request) -> None:
    """Say that this write changes nothing a memo shows (the autosave of a draft's text, many
    times a minute while a member types): the user's memos are kept."""
    request._memo_kept = True


class MemoMiddleware:
    """Forget the user's memos after every request that may have written something (unless
    the view said ``keep``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and not getattr(request, "_memo_kept", False):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                forget(user.pk)
        return response


def memo_fragment(request, name: str, template: str, build_context: Callable[[], dict]):
    """The HTML of ``template`` rendered with ``build_context()``, kept as a memo of the user
    (see ``user_memo``): the heavy, data-bound part of a page (a board, a roster), while the
    view still opens the page's records through the door on every request. The fragment
    holds no form (a CSRF token must not be replayed from a memo)."""
    from django.template.loader import render_to_string

    return user_memo(request, name, lambda: render_to_string(template, build_context(), request))
