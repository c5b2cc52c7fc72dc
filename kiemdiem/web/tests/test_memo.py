"""Memos of the start page, the unit page and the board (kiemdiem/common/memo.py): kept for the
user a short while, forgotten as soon as the user writes, never a way past the door."""

import re
import time

import pytest
from django.test import override_settings
from django.urls import reverse

from kiemdiem.accounts import services as accounts
from kiemdiem.accounts.models import Grant
from kiemdiem.common import memo
from kiemdiem.orgtree import services as tree
from kiemdiem.testing import D, open_annual

pytestmark = pytest.mark.usefixtures("_memos_on")


@pytest.fixture
def _memos_on(settings):
    settings.KIEMDIEM_MEMO_SECONDS = 60


def _units_on_home(client) -> int:
    page = client.get(reverse("home")).content.decode()
    return int(re.search(r"<strong>([\d.,]+)</strong><span>(?:đơn vị|units)</span>", page)[1])


def _new_unit(province, code):
    return tree.unit_create(
        code=code,
        name=f"Chi bộ {code}",
        kind="chi_bo_co_so",
        parent=province.commune_a,
        valid_from=D(2024, 1, 1),
        actor=None,
    )


def test_the_start_page_is_kept_until_the_user_writes(client, province):
    client.force_login(province.users["staff_a"])
    before = _units_on_home(client)
    _new_unit(province, "M1")  # someone else's write: the memo stays (at most a minute)
    assert _units_on_home(client) == before
    # Any write of the user's own — here, choosing the language — forgets their memos.
    client.post(reverse("set-language"), {"language": "vi", "next": "/"})
    assert _units_on_home(client) == before + 1


def test_a_refused_write_forgets_too(client, province):
    client.force_login(province.users["staff_a"])
    before = _units_on_home(client)
    _new_unit(province, "M2")
    client.post(reverse("set-language"), {"language": "xx"})  # refused, but it was a write
    assert _units_on_home(client) == before + 1


def test_memos_expire(client, province, settings):
    settings.KIEMDIEM_MEMO_SECONDS = 1
    client.force_login(province.users["staff_a"])
    before = _units_on_home(client)
    _new_unit(province, "M3")
    time.sleep(1.2)
    assert _units_on_home(client) == before + 1


def test_memos_are_off_at_zero(client, province, settings):
    settings.KIEMDIEM_MEMO_SECONDS = 0
    client.force_login(province.users["staff_a"])
    before = _units_on_home(client)
    _new_unit(province, "M4")
    assert _units_on_home(client) == before + 1


def test_a_grant_given_shows_at_once(client, province, django_capture_on_commit_callbacks):
    user = province.users["nogrant"]
    client.force_login(user)
    assert "Chi bộ thôn Đông" not in client.get(reverse("tree") + "?q=chi bo").content.decode()
    assert _units_on_home(client) == 0
    with django_capture_on_commit_callbacks(execute=True):  # forgotten once it commits
        accounts.grant_add(user=user, role="staff", unit=province.commune_a, actor=None)
    assert _units_on_home(client) > 0


def test_each_user_has_their_own(client, province):
    client.force_login(province.users["staff_p"])
    whole = _units_on_home(client)
    client.force_login(province.users["staff_b"])
    assert _units_on_home(client) < whole


def test_the_door_runs_before_any_memo(client, province):
    """A memo never opens a page: a grant removed behind the services' back (so nothing is
    forgotten) closes the unit page and the board on the next request."""
    cycle = open_annual(province, 2025)
    client.force_login(province.users["staff_a"])
    unit_url = reverse("unit-detail", args=[province.cell_a1.pk])
    board_url = reverse("cycle-board", args=[cycle.pk, province.commune_a.pk])
    assert client.get(unit_url).status_code == 200
    assert client.get(board_url).status_code == 200
    Grant.objects.filter(user=province.users["staff_a"]).delete()
    assert client.get(unit_url).status_code == 404
    assert client.get(board_url).status_code == 404


def test_the_unit_page_and_the_board_say_what_they_show(client, province):
    cycle = open_annual(province, 2025)
    client.force_login(province.users["staff_a"])
    page = client.get(reverse("unit-detail", args=[province.commune_a.pk])).content.decode()
    assert "Chi bộ thôn Đông" in page  # the sub-units, from the memo's fragment
    board = client.get(reverse("cycle-board", args=[cycle.pk, province.commune_a.pk]))
    text = board.content.decode()
    assert "Chi bộ thôn Đông" in text and re.search(r"\d\d:\d\d", text)  # figures as at HH:MM
    # The fragment has no form: nothing a memo could replay a CSRF token from.
    assert "csrfmiddlewaretoken" not in text.split("<main", 1)[-1]


def test_the_autosave_of_a_draft_keeps_the_memos(rf, province):
    """A view that says ``keep`` (the draft autosave) leaves the user's memos; any other write
    replaces the user's generation, in every process (the shared cache)."""
    user = province.users["member"]

    def generation():
        request = rf.get("/")
        request.user = user
        return memo._generation(request, user.pk)

    first = generation()
    kept = rf.post("/")
    kept.user = user
    memo.keep(kept)
    memo.MemoMiddleware(lambda r: None)(kept)
    assert generation() == first
    written = rf.post("/")
    written.user = user
    memo.MemoMiddleware(lambda r: None)(written)
    assert generation() != first


@override_settings(KIEMDIEM_MEMO_SECONDS=60)
def test_a_write_request_never_reads_a_memo(rf, province):
    user = province.users["staff_a"]
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    get = rf.get("/")
    get.user = user
    assert memo.user_memo(get, "x", compute) == 1
    again = rf.get("/")
    again.user = user
    assert memo.user_memo(again, "x", compute) == 1  # kept
    post = rf.post("/")
    post.user = user
    assert memo.user_memo(post, "x", compute) == 2  # computed afresh
