"""The engine's adverse facts come from the register: a discipline entered for the year rates
the member KHTNV, one violation counts once, annulled entries stop counting, and the member
can neither tick nor untick them — on the page they are shown read-only."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.register import selectors, services
from kiemdiem.reviews import engine
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import FULL_2025, WRITTEN, employ, hold_post, open_annual, put_draft, written

D = datetime.date


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def binh(cycle, province):
    return Subject.objects.get(
        cycle=cycle, person=province.members["binh"], kind=SubjectKind.PARTY_MEMBER
    )


def discipline(province, *, year=2025, person="binh", **fields):
    values = {
        "kind": "discipline",
        "track": "party",
        "discipline_form": "KHIEN_TRACH",
        "decided_on": D(2025, 9, 1),
        "issuing_body": "Chi bộ thôn Đông",
        "document_number": "05-QĐ/CB",
        "year": year,
    } | fields
    return services.entry_record(actor=None, person=province.members[person], **values)


def tier(subject, rating=FULL_2025):
    return engine.evaluate(subject, rating)["tier"]


def test_a_discipline_for_2025_makes_the_2025_member_khtnv_unless_counted_in_2024(cycle, province):
    subject = binh(cycle, province)
    assert tier(subject) == "HTXSNV"
    entry = discipline(province)
    assert tier(subject) == "KHTNV"
    facts = selectors.adverse_facts(person_id=subject.person_id, year=2025, track="party")
    assert facts["disciplined_in_year"] and not facts["discipline_already_counted"]
    services.entry_update(entry=entry, counted_in_year=2024, actor=None)
    facts = selectors.adverse_facts(person_id=subject.person_id, year=2025, track="party")
    assert facts["disciplined_in_year"] and facts["discipline_already_counted"]
    assert tier(subject) != "KHTNV"
    # …and it counts in 2024's rating instead
    facts = selectors.adverse_facts(person_id=subject.person_id, year=2024, track="party")
    assert facts["disciplined_in_year"] and not facts["discipline_already_counted"]


def test_an_annulled_entry_stops_counting(cycle, province):
    subject = binh(cycle, province)
    entry = discipline(province)
    assert tier(subject) == "KHTNV"
    services.entry_annul(entry=entry, reason="Nhập nhầm người", actor=None)
    assert tier(subject) == "HTXSNV"


def test_other_years_tracks_and_people_do_not_count(cycle, province):
    subject = binh(cycle, province)
    discipline(province, year=2023, decided_on=D(2023, 5, 1))
    discipline(province, track="state", discipline_form="HA_BAC_LUONG")
    discipline(province, person="an")
    assert tier(subject) == "HTXSNV"


def test_a_conclusion_of_degradation_or_prohibitions_counts_unless_self_detected(cycle, province):
    subject = binh(cycle, province)
    services.entry_record(
        actor=None,
        person=province.members["binh"],
        kind="prohibitions",
        track="party",
        decided_on=D(2025, 8, 1),
        issuing_body="Ủy ban Kiểm tra",
        year=2025,
    )
    facts = engine.system_facts(subject, engine.pinned_pack(subject), "party_member")
    assert facts["violated_prohibitions"] and not facts["degradation_concluded"]
    assert tier(subject) == "KHTNV"
    entry = discipline(province, self_detected_and_remedied=True)
    facts = engine.system_facts(subject, engine.pinned_pack(subject), "party_member")
    assert not facts["self_detected_and_remedied"]  # the conclusion was not self-detected
    assert entry.self_detected_and_remedied


def test_the_member_cannot_tick_or_untick_register_facts(cycle, province):
    subject = binh(cycle, province)
    names = {i.name for i in engine.inputs_of(subject)}
    assert not names & engine.REGISTER_INPUTS
    assert "fact.general_score" in names
    discipline(province)
    review = reviews.review_start(subject=subject, actor=None)
    # the page sends what it likes: a register fact is not among its inputs and is dropped
    client = province.users["member"]
    web = APIClient()
    web.force_login(client)
    data = {f"s.{k}": v for k, v in written(subject).items() if isinstance(v, str)}
    data |= {f"r.{k}": v for k, v in FULL_2025.items()}
    data |= {"r.fact.disciplined_in_year": "false", "proposed_tier": "HTTNV"}
    web.post(reverse("review-save", args=[subject.pk]), data)
    review.refresh_from_db()
    assert "fact.disciplined_in_year" not in review.content["xep_loai"]
    assert review.engine_result["tier"] == "KHTNV", review.engine_result
    # the API refuses it by name
    body = {
        "content": {
            **written(subject),
            "xep_loai": {**FULL_2025, "fact.disciplined_in_year": False},
        }
    }
    response = put_draft(web, subject, body)
    assert response.status_code == 400
    assert "fact.disciplined_in_year" in str(response.json())
    assert "sổ theo dõi" in str(response.json()).lower()


def test_the_form_shows_the_register_facts_read_only_with_the_entries(client, cycle, province):
    subject = binh(cycle, province)
    discipline(province, counted_in_year=2024)
    reviews.review_start(subject=subject, actor=None)
    client.force_login(province.users["member"])
    page = client.get(reverse("review-edit", args=[subject.pk])).text
    block = page[page.index('id="register-facts"') :]
    block = block[: block.index("</div>")]
    assert "Theo sổ theo dõi kỷ luật" in block
    assert "Bị kỷ luật trong năm đánh giá" in block and "05-QĐ/CB" in block
    assert "2024" in block  # already counted there
    assert 'name="r.fact.disciplined_in_year"' not in page
    # a cell member reading her own page sees her entry; the same facts, without entries, for
    # a reader who may not see her personal fields is covered by the policy tests


def test_a_leaders_unit_corruption_comes_from_the_register(province):
    # the NĐ 335 leader's KHTNV trigger, once ticked on the form (test_state_leaders), now
    # comes from a corruption finding entered for the unit he leads
    employ(province.members["binh"], province.agency, title="Chủ tịch UBND xã")
    hold_post(province.members["binh"], province.agency, title="Chủ tịch", role="head")
    cycle = open_annual(province, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    leader = Subject.objects.get(cycle=cycle, person=province.members["binh"], track="state")
    used = engine.pinned_pack(leader).kind(engine.engine_kind(leader, engine.pinned_pack(leader)))
    assert "unit_corruption_handled" in used.fields_used
    assert not engine.register_facts(leader, used.fields_used)["unit_corruption_handled"]
    services.entry_record(
        actor=None,
        unit=province.agency,
        kind="corruption",
        track="state",
        decided_on=D(2026, 6, 1),
        issuing_body="Thanh tra tỉnh",
        year=2026,
    )
    assert engine.register_facts(leader, used.fields_used)["unit_corruption_handled"]


def test_unit_facts_count_members_and_subunits(cycle, province):
    # the commune's leadership collective: a member of it disciplined, a cell under it too
    from kiemdiem.orgtree import services as tree

    committee = tree.unit_create(
        code="ABCH",
        name="Ban Chấp hành Đảng bộ xã An Bình",
        kind="ban_chap_hanh",
        parent=province.commune_a,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    hold_post(province.members["cuong"], committee, title="Ủy viên")
    unit = province.commune_a.pk
    facts = selectors.adverse_facts(unit_id=unit, year=2025, track="party")
    assert facts["subunits_disciplined_count"] == 0 and not facts["collective_disciplined"]
    discipline(province, person="cuong", discipline_form="CANH_CAO")
    services.entry_record(
        actor=None,
        unit=province.cell_a2,
        kind="discipline",
        track="party",
        discipline_form="KHIEN_TRACH",
        decided_on=D(2025, 7, 1),
        issuing_body="Đảng ủy xã",
        year=2025,
    )
    facts = selectors.adverse_facts(unit_id=unit, year=2025, track="party")
    assert facts["leadership_member_disciplined"] and facts["member_max_discipline"] == "CANH_CAO"
    assert facts["subunits_disciplined_count"] == 1 and facts["subunit_or_member_disciplined"]
    assert not facts["collective_disciplined"] and not facts["org_disciplined"]
    collective = selectors.adverse_facts(unit_id=committee.pk, year=2025, track="party")
    assert collective["leadership_member_disciplined"] and not collective["member_degraded"]
    # the cell itself was disciplined; its sibling was not
    assert selectors.adverse_facts(unit_id=province.cell_a2.pk, year=2025, track="party")[
        "collective_disciplined"
    ]
    assert not selectors.adverse_facts(unit_id=province.cell_a1.pk, year=2025, track="party")[
        "collective_disciplined"
    ]


def test_written_constant_still_saves_without_register_facts(cycle, province):
    subject = binh(cycle, province)
    review = reviews.review_start(subject=subject, actor=None)
    review = reviews.review_save(
        review=review, content={**WRITTEN, "xep_loai": FULL_2025}, proposed_tier="HTTNV", actor=None
    )
    assert review.engine_result["tier"] == "HTXSNV"


def test_the_register_is_empty_for_a_year_nothing_bears_on(cycle, province):
    """The bulk writers' shortcut (``register_is_empty(year)``): an entry of another year,
    or an annulled one, leaves a year's facts at their ``NOTHING`` values; an entry of the
    year, or counted in it, does not."""
    subject = binh(cycle, province)
    assert selectors.register_is_empty() and selectors.register_is_empty(2025)
    entry = discipline(province, year=2023, decided_on=D(2023, 9, 1))
    assert not selectors.register_is_empty()
    assert selectors.register_is_empty(2025)
    facts = selectors.adverse_facts(person_id=subject.person_id, year=2025, track="party")
    assert facts and facts == selectors.nothing_counts(facts)
    services.entry_update(entry=entry, counted_in_year=2025, actor=None)
    assert not selectors.register_is_empty(2025)
    services.entry_annul(entry=entry, reason="Nhập nhầm", actor=None)
    assert selectors.register_is_empty(2025) and selectors.register_is_empty()
