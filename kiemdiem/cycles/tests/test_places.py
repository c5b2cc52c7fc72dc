"""A person rated differently in several places: found, shown, and the final tier chosen by the
competent level (§16.9 C4) — never the lowest or the highest by itself."""

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
    """A recorded rating (the rating path itself is tested with ``subject_rate``)."""
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
