"""A person rated differently in several places: found, shown, and the final tier chosen by the
competent level (§16.9 C4) — never the lowest or the highest by itself."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import places, services, subjects
from kiemdiem.cycles.models import PlaceDecision, Subject, SubjectKind, SubjectStatus
from kiemdiem.testing import open_annual


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def rate(subject, tier):
    """A recorded rating (the rating path itself is tested with ``decisions.services.decide``)."""
    Subject.objects.filter(pk=subject.pk).update(status=SubjectStatus.RATED, tier=tier)


@pytest.fixture
def an_two_places(cycle, province):
    """An, a leader of two units: rated HTTNV as a leader in commune B, HTNV as head of cell
    A1 (decided by commune A)."""
    an = province.members["an"]
    head = Subject.objects.get(cycle=cycle, person=an, kind=SubjectKind.HEAD)
    other = subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.LEADER,
        unit=province.commune_b,
        person=an,
        reason="Phó Bí thư Đảng ủy phường (kiêm nhiệm)",
        actor=None,
    )
    rate(other, "HTTNV")
    rate(head, "HTNV")
    return other, head


def shown(cycle, person, track="party") -> dict:
    """What the places page shows and posts back: the recorded choice and the ratings."""
    found = [c for c in places.conflicts(cycle, person_id=person.pk) if c.track == track]
    if not found:
        return {"shown_decision": "none", "shown_ratings": ""}
    return {"shown_decision": found[0].decision_token, "shown_ratings": found[0].fingerprint}


def choose(
    cycle, province, actor, tier="HTTNV", reason="Theo kết luận của Ban Thường vụ", seen=None
):
    return services.place_choose(
        cycle=cycle,
        person=province.members["an"],
        track="party",
        tier=tier,
        reason=reason,
        actor=actor,
        **(seen or shown(cycle, province.members["an"])),
    )


def test_two_places_with_different_tiers_are_found_and_no_final_tier_is_taken(
    cycle, province, an_two_places
):
    other, head = an_two_places
    found = places.conflicts(cycle)
    assert [(c.person_id, c.track) for c in found] == [(province.members["an"].pk, "party")]
    assert [s.pk for s in found[0].subjects] == [head.pk, other.pk]  # lowest first
    assert found[0].tiers == ["HTTNV", "HTNV"] and not found[0].settled
    # Neither the lowest (HTNV) nor the highest: nothing until the competent level chooses.
    assert places.final_tier(cycle.pk, province.members["an"].pk, "party") is None
    # Agreeing places are no conflict: the one tier is final.
    rate(head, "HTTNV")
    assert places.conflicts(cycle) == []
    assert places.final_tier(cycle.pk, province.members["an"].pk, "party") == "HTTNV"


def test_the_competent_level_chooses_with_a_reason_and_it_is_audited(
    cycle, province, an_two_places
):
    decider = province.users["decider"]
    decision = choose(cycle, province, decider, tier="HTNV")
    assert (decision.tier, decision.decided_by, decision.reason) == (
        "HTNV",
        decider,
        "Theo kết luận của Ban Thường vụ",
    )
    assert decision.decided_at is not None
    assert places.final_tier(cycle.pk, province.members["an"].pk, "party") == "HTNV"
    entry = LogEntry.objects.get(action="place.chosen")
    assert entry.actor == decider and entry.data["tier"] == ["", "HTNV"]
    # Choosing again replaces the choice, before → after in the log.
    choose(cycle, province, decider, tier="HTTNV")
    assert PlaceDecision.objects.get().tier == "HTTNV"
    assert LogEntry.objects.filter(action="place.chosen").latest("pk").data["tier"] == [
        "HTNV",
        "HTTNV",
    ]


def test_a_place_rated_again_reopens_the_choice(cycle, province, an_two_places):
    _other, head = an_two_places
    choose(cycle, province, province.users["decider"])
    rate(head, "KHTNV")
    (conflict,) = places.conflicts(cycle)
    assert conflict.decision is not None and not conflict.settled
    assert places.final_tier(cycle.pk, province.members["an"].pk, "party") is None


def test_only_the_level_deciding_every_place_may_choose(cycle, province, an_two_places):
    # A decider on commune A decides An's rating as head of cell A1, not the one in commune
    # B: refused, like B's decider, staff without the decide right, and An himself.
    commune_decider = accounts.user_create(username="dec_a", password="pass12345!", actor=None)
    accounts.grant_add(user=commune_decider, role="decider", unit=province.commune_a, actor=None)
    b_decider = accounts.user_create(username="dec_b", password="pass12345!", actor=None)
    accounts.grant_add(user=b_decider, role="decider", unit=province.commune_b, actor=None)
    an_self = province.users["secretary"]  # An's own login, here with the decide right too
    accounts.grant_add(user=an_self, role="decider", unit=province.province, actor=None)
    audit = LogEntry.objects.count()
    users = (commune_decider, b_decider, province.users["staff_p"], an_self)
    for user in users:
        with pytest.raises(PermissionDenied):
            choose(cycle, province, user)
    assert not PlaceDecision.objects.exists() and LogEntry.objects.count() == audit


@pytest.mark.parametrize(
    ("tier", "reason", "field"),
    [
        ("HTXSNV", "Lý do", "tier"),  # not a tier given in any place
        ("bogus", "Lý do", "tier"),
        ("HTTNV", "   ", "reason"),
    ],
)
def test_bad_choices_are_refused_naming_the_field(
    cycle, province, an_two_places, tier, reason, field
):
    with pytest.raises(ValidationError) as error:
        choose(cycle, province, province.users["decider"], tier=tier, reason=reason)
    assert field in error.value.message_dict
    assert not PlaceDecision.objects.exists()


def test_no_choice_for_a_person_rated_in_one_place(cycle, province, an_two_places):
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    rate(binh, "HTTNV")
    with pytest.raises(ValidationError) as error:
        services.place_choose(
            cycle=cycle,
            person=province.members["binh"],
            track="party",
            tier="HTTNV",
            reason="x",
            actor=province.users["decider"],
            **shown(cycle, province.members["binh"]),
        )
    assert "person" in error.value.message_dict


def test_the_page_shows_the_conflict_and_the_form_to_the_competent_level_only(
    client, cycle, province, an_two_places
):
    url = reverse("cycle-places", args=[cycle.pk])
    client.force_login(province.users["staff_a"])
    page = client.get(url).content.decode()
    assert "Nguyễn Văn An" in page and 'name="reason"' not in page
    detail = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert url in detail  # the cycle page points to the open conflict
    client.force_login(province.users["decider"])
    page = client.get(url).content.decode()
    assert 'name="reason"' in page
    choose_url = reverse("cycle-place-choose", args=[cycle.pk, province.members["an"].pk, "party"])
    seen = shown(cycle, province.members["an"])
    form = {"decision": seen["shown_decision"], "ratings": seen["shown_ratings"]}
    assert f'value="{form["ratings"]}"' in page and 'name="decision" value="none"' in page
    response = client.post(choose_url, {"tier": "HTTNV", "reason": "Theo đề nghị của xã", **form})
    assert response.status_code == 302
    assert PlaceDecision.objects.get().tier == "HTTNV"
    client.force_login(province.users["staff_a"])
    assert client.post(choose_url, {"tier": "HTNV", "reason": "x"}).status_code == 403
    assert PlaceDecision.objects.get().tier == "HTTNV"  # refused: nothing changed


# --- Scope and cost: the count is scoped before it is grouped; the list is a page at a time


def given(i: int) -> str:
    """A given name made of letters only: Zaa, Zab, …"""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "Z" + letters[i // 26] + letters[i % 26]


def two_places(cycle, province, n, first, second, name="Thử"):
    """``n`` persons rated HTTNV in ``first`` and HTNV in ``second`` (leaders of both)."""
    from kiemdiem.people import services as people

    persons = []
    for i in range(n):
        person = people.person_create(
            family_name="Đỗ", middle_name=name, given_name=given(i), actor=None
        )
        for unit, tier in ((first, "HTTNV"), (second, "HTNV")):
            Subject.objects.create(
                cycle=cycle,
                kind=SubjectKind.LEADER,
                track="party",
                person=person,
                unit=unit,
                status=SubjectStatus.RATED,
                tier=tier,
            )
        persons.append(person)
    return persons


def notice(page: str) -> int | None:
    """The number in the "rated differently in several places" notice (None: no notice)."""
    marker = 'class="notice warn"><a href="'
    if marker not in page:
        return None
    text = page[page.index(marker) :].split("</a>")[0].split(">", 2)[-1]
    return int(re.search(r"\d+", text).group())


def test_the_count_is_scoped_to_the_viewer_and_the_board_to_its_unit(
    client, cycle, province, an_two_places
):
    # An (A1 and B) and 3 persons of A1 and A2 are in commune A's sight; 5 of B and B1 are not.
    two_places(cycle, province, 3, province.cell_a1, province.cell_a2, name="An")
    two_places(cycle, province, 5, province.commune_b, province.cell_b1, name="Bến")
    staff_a, staff_p = province.users["staff_a"], province.users["staff_p"]
    assert places.open_count(cycle, staff_a) == 4
    assert places.open_count(cycle, staff_p) == 9
    assert places.open_count(cycle, staff_p, unit=province.commune_a) == 4
    assert places.open_count(cycle, staff_p, unit=province.cell_b1) == 5
    assert places.conflict_keys(cycle, staff_a).count() == 4
    # A recorded choice on these ratings leaves the count (and only where it is seen).
    choose(cycle, province, province.users["decider"])
    assert places.open_count(cycle, staff_a) == 3
    assert places.open_count(cycle, staff_p, unit=province.cell_b1) == 5
    client.force_login(staff_a)
    detail = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert notice(detail) == 3
    # The board of commune A, read by the province's staff, counts commune A's conflicts
    # only (formerly every conflict the reader could see in the whole cycle).
    client.force_login(staff_p)
    board_url = reverse("cycle-board", args=[cycle.pk, province.commune_a.pk])
    assert notice(client.get(board_url).content.decode()) == 3
    assert notice(client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()) == 8
    board_b = reverse("cycle-board", args=[cycle.pk, province.cell_b1.pk])
    assert notice(client.get(board_b).content.decode()) == 5


def test_the_cycle_page_and_the_board_count_without_reading_the_places(
    client, cycle, province, django_assert_max_num_queries, monkeypatch
):
    two_places(cycle, province, 30, province.cell_a1, province.commune_b)
    client.force_login(province.users["staff_p"])
    detail_url = reverse("cycle-detail", args=[cycle.pk])
    board_url = reverse("cycle-board", args=[cycle.pk, province.province.pk])
    client.get(detail_url)  # warm the per-process caches (sessions, content types)
    client.get(board_url)
    with django_assert_max_num_queries(20):
        few = client.get(detail_url)
    with django_assert_max_num_queries(18):
        client.get(board_url)

    # No place is read into Python to be reconciled: a count in the database (formerly every
    # rated place of every conflicting person of the cycle, on every load).
    def refuse(*args):
        raise AssertionError("the places are read on a summary page")

    monkeypatch.setattr(places, "_result", refuse)
    two_places(cycle, province, 30, province.cell_a2, province.commune_b, name="Hai")
    with django_assert_max_num_queries(20):
        many = client.get(detail_url)
    assert notice(few.content.decode()) == 30 and notice(many.content.decode()) == 60
    with django_assert_max_num_queries(18):
        assert notice(client.get(board_url).content.decode()) == 60


def test_the_places_page_lists_a_page_at_a_time(client, cycle, province):
    two_places(cycle, province, 25, province.cell_a1, province.commune_b)
    client.force_login(province.users["staff_p"])
    url = reverse("cycle-places", args=[cycle.pk])
    first = client.get(url).content.decode()
    second = client.get(url + "?page=2").content.decode()
    assert first.count('<section class="card">') == 20
    assert second.count('<section class="card">') == 5
    assert f"{given(0)} <" in first and f"{given(24)} <" in second
    assert f"{given(24)} <" not in first


def test_the_page_lists_only_the_places_the_viewer_may_see(client, cycle, province, an_two_places):
    other, _head = an_two_places  # commune B (HTTNV) and cell A1 (HTNV)
    other.refresh_from_db()
    url = reverse("cycle-places", args=[cycle.pk])
    client.force_login(province.users["staff_a"])
    page = client.get(url).content.decode()
    assert province.cell_a1.name in page
    # Commune B's place, its kind and its tier are not shown to commune A's staff: formerly
    # every place was listed as soon as one was in sight.
    assert province.commune_b.name not in page
    assert other.get_kind_display() not in page and other.get_tier_display() not in page
    assert "Còn được xếp loại tại 1 nơi khác mà bạn không được xem." in page
    # The competent level (who chooses) sees every place.
    client.force_login(province.users["decider"])
    page = client.get(url).content.decode()
    assert province.commune_b.name in page and province.cell_a1.name in page


# --- A stale page never writes over a newer choice or newer ratings


def test_a_second_clerk_on_a_stale_page_is_refused(cycle, province, an_two_places):
    decider = province.users["decider"]
    first_page = shown(cycle, province.members["an"])
    second_page = shown(cycle, province.members["an"])
    choose(cycle, province, decider, tier="HTNV", seen=first_page)
    audit = LogEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        choose(cycle, province, decider, tier="HTTNV", seen=second_page)
    assert "decision" in error.value.message_dict
    assert "Trang đã cũ" in error.value.message_dict["decision"][0]
    assert PlaceDecision.objects.get().tier == "HTNV" and LogEntry.objects.count() == audit
    # From a page opened after the first choice, the second one is recorded.
    choose(cycle, province, decider, tier="HTTNV")
    assert PlaceDecision.objects.get().tier == "HTTNV"


def test_a_choice_on_ratings_changed_since_the_page_opened_is_refused(
    cycle, province, an_two_places
):
    _other, head = an_two_places
    page = shown(cycle, province.members["an"])
    rate(head, "KHTNV")  # cell A1's place rated again: HTTNV and KHTNV now
    with pytest.raises(ValidationError) as error:
        choose(cycle, province, province.users["decider"], tier="HTTNV", seen=page)
    assert "Trang đã cũ" in error.value.message_dict["ratings"][0]
    assert not PlaceDecision.objects.exists()
    assert not LogEntry.objects.filter(action="place.chosen").exists()


def test_the_stale_form_is_refused_on_the_page_too(client, cycle, province, an_two_places):
    client.force_login(province.users["decider"])
    choose_url = reverse("cycle-place-choose", args=[cycle.pk, province.members["an"].pk, "party"])
    stale = {"decision": "none", "ratings": shown(cycle, province.members["an"])["shown_ratings"]}
    choose(cycle, province, province.users["decider"], tier="HTNV")
    response = client.post(choose_url, {"tier": "HTTNV", "reason": "x", **stale}, follow=True)
    assert "Trang đã cũ" in response.content.decode()
    assert PlaceDecision.objects.get().tier == "HTNV"
    # A form that posts nothing of what it showed is refused as well.
    client.post(choose_url, {"tier": "HTTNV", "reason": "x"})
    assert PlaceDecision.objects.get().tier == "HTNV"


# --- The audit entry is read where the places are audited


def test_the_choice_is_audited_under_the_unit_over_the_places(cycle, province):
    from kiemdiem.audit.selectors import log_list

    an = province.members["an"]
    head = Subject.objects.get(cycle=cycle, person=an, kind=SubjectKind.HEAD)  # cell A1
    leader = subjects.subject_add(
        cycle=cycle,
        kind=SubjectKind.LEADER,
        unit=province.commune_a,
        person=an,
        reason="Ủy viên Ban Thường vụ Đảng ủy xã",
        actor=None,
    )
    rate(head, "HTNV")
    rate(leader, "HTTNV")
    auditor_a = accounts.user_create(username="insp_a", password="pass12345!", actor=None)
    accounts.grant_add(user=auditor_a, role="inspector", unit=province.commune_a, actor=None)
    choose(cycle, province, province.users["decider"])
    entry = LogEntry.objects.get(action="place.chosen")
    assert entry.unit == province.commune_a  # formerly the cycle's root, the province
    assert list(log_list(auditor_a, action="place.chosen")) == [entry]
    assert list(log_list(province.users["inspector"], action="place.chosen")) == [entry]
    assert not log_list(province.users["staff_b"], action="place.chosen").exists()
