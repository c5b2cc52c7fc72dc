import datetime
import unicodedata

import pytest
from django.core.exceptions import ValidationError

from kiemdiem.audit.models import LogEntry
from kiemdiem.common.vietnamese import name_sort_key, text_sort_key
from kiemdiem.people import services
from kiemdiem.people.models import Affiliation, MemberStatus, Person

D = datetime.date


def test_names_are_stored_in_nfc(db):
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    person = services.person_create(
        family_name=decomposed, middle_name="Thị  ", given_name=" Ánh", actor=None
    )
    person.refresh_from_db()
    assert person.family_name == "Nguyễn" and unicodedata.is_normalized("NFC", person.family_name)
    assert person.full_name == "Nguyễn Thị Ánh"
    assert person.search_text == "nguyen thi anh"


@pytest.mark.parametrize(
    "ordered",
    [
        # letters in the Vietnamese alphabet order
        ["An", "Ăn", "Ân", "Bình", "Dũng", "Đức", "Em", "Ê", "Giang"],
        ["Oanh", "Ông", "Ơn", "Phúc", "Uyên", "Ưng", "Vân", "Xuân", "Yến"],
        # tone marks only break ties: ngang, huyền, hỏi, ngã, sắc, nặng
        ["Anh", "Ảnh", "Ánh", "Ạnh"],
        ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"],
        # a shorter name before a longer one it begins
        ["Hà", "Hải", "Hạnh"],
    ],
)
def test_vietnamese_letter_and_tone_order(ordered):
    assert sorted(reversed(ordered), key=text_sort_key) == ordered


def test_people_sort_by_given_then_middle_then_family_in_the_database(db):
    names = [
        ("Trần", "Văn", "Bình"),
        ("Nguyễn", "Thị", "Ánh"),
        ("Lê", "Văn", "An"),
        ("Đỗ", "Văn", "An"),
        ("Bùi", "Thị", "An"),
        ("Vũ", "Đức", "Đạt"),
        ("Phạm", "Văn", "Dũng"),
        ("Hoàng", "Thị", "Ân"),
    ]
    for family, middle, given in names:
        services.person_create(family_name=family, middle_name=middle, given_name=given, actor=None)
    ordered = list(Person.objects.ordered().values_list("full_name", flat=True))
    assert ordered == [
        "Bùi Thị An",
        "Đỗ Văn An",
        "Lê Văn An",
        "Nguyễn Thị Ánh",
        "Hoàng Thị Ân",
        "Trần Văn Bình",
        "Phạm Văn Dũng",
        "Vũ Đức Đạt",
    ]
    assert name_sort_key("Lê", "Văn", "An") < name_sort_key("Bùi", "Thị", "Ân")


def test_bad_citizen_id_is_refused_and_nothing_written(db):
    count = Person.objects.count(), LogEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.person_create(family_name="Lê", given_name="Na", citizen_id="12ab", actor=None)
    assert "citizen_id" in error.value.message_dict
    assert (Person.objects.count(), LogEntry.objects.count()) == count


def test_a_member_cannot_be_in_two_cells_at_once(province):
    with pytest.raises(ValidationError) as error:
        services.affiliation_start(
            person=province.members["an"],
            unit=province.cell_b1,
            kind="cell",
            valid_from=D(2024, 1, 1),
            actor=None,
        )
    assert "unit" in error.value.message_dict
    assert (
        Affiliation.objects.current().filter(person=province.members["an"], kind="cell").count()
        == 1
    )


def test_transfer_closes_one_cell_and_opens_the_other(province):
    binh = province.members["binh"]
    services.member_transfer(
        person=binh, to_cell=province.cell_b1, effective=D(2025, 3, 1), actor=None
    )
    spans = list(
        Affiliation.objects.filter(person=binh, kind="cell")
        .order_by("valid_from")
        .values_list("unit__code", "valid_from", "valid_to")
    )
    assert spans == [("A1", D(2020, 1, 1), D(2025, 3, 1)), ("B1", D(2025, 3, 1), None)]
    assert LogEntry.objects.filter(action="member.transferred", object_id=str(binh.pk)).exists()


def test_only_members_join_a_cell_and_employment_needs_a_state_unit(province):
    outsider = services.person_create(family_name="Lý", given_name="Hoa", actor=None)
    with pytest.raises(ValidationError):
        services.affiliation_start(
            person=outsider,
            unit=province.cell_a1,
            kind="cell",
            valid_from=D(2024, 1, 1),
            actor=None,
        )
    with pytest.raises(ValidationError):
        services.affiliation_start(
            person=outsider,
            unit=province.cell_a1,
            kind="employment",
            state_category="cong_chuc",
            valid_from=D(2024, 1, 1),
            actor=None,
        )
    job = services.affiliation_start(
        person=outsider,
        unit=province.agency,
        kind="employment",
        state_category="cong_chuc",
        title="Công chức văn phòng",
        valid_from=D(2024, 1, 1),
        actor=None,
    )
    assert job.unit == province.agency


def test_concurrent_posts_and_one_head_per_unit(province):
    an = province.members["an"]
    services.affiliation_start(
        person=an,
        unit=province.agency,
        kind="position",
        title="Chủ tịch UBND",
        role="head",
        concurrent=True,
        valid_from=D(2024, 1, 1),
        actor=None,
    )
    assert Affiliation.objects.current().filter(person=an, kind="position").count() == 2
    with pytest.raises(ValidationError) as error:
        services.affiliation_start(
            person=province.members["binh"],
            unit=province.cell_a1,
            kind="position",
            title="Bí thư",
            role="head",
            valid_from=D(2024, 1, 1),
            actor=None,
        )
    assert "role" in error.value.message_dict


def test_status_spans_and_exemption(province):
    member = province.members["cuong"].membership
    services.member_status_change(
        member=member, status="exempt", effective=D(2025, 2, 1), reason="Tuổi cao", actor=None
    )
    assert member.status_on(D(2025, 1, 31)).status == "active"
    assert member.status_on(D(2025, 2, 1)).status == "exempt"
    with pytest.raises(ValidationError):
        services.member_status_change(
            member=member, status="exempt", effective=D(2025, 3, 1), actor=None
        )
    assert MemberStatus.objects.filter(member=member).count() == 2


def test_membership_dates_are_checked(province):
    person = services.person_create(
        family_name="Đinh", given_name="Lan", birth_date=D(2010, 1, 1), actor=None
    )
    with pytest.raises(ValidationError) as error:
        services.member_admit(person=person, admitted_on=D(2020, 1, 1), actor=None)
    assert "admitted_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.member_admit(
            person=person, admitted_on=D(2029, 1, 1), official_on=D(2028, 1, 1), actor=None
        )


def test_cadre_authority_is_not_always_the_parent(province):
    an = province.members["an"]
    services.authority_assign(
        person=an, authority=province.standing, valid_from=D(2025, 7, 1), actor=None
    )
    assert an.authorities.get(valid_to__isnull=True).authority == province.standing
    services.authority_assign(
        person=an, authority=province.commune_a, valid_from=D(2025, 9, 1), actor=None
    )
    assert list(an.authorities.order_by("valid_from").values_list("valid_to", flat=True)) == [
        D(2025, 9, 1),
        None,
    ]


@pytest.mark.parametrize("kind", ["cell", "residence"])
def test_enrolling_into_a_party_cell_needs_the_membership_and_makes_nothing_without_it(
    province, kind
):
    """Refused before the person is made: the same answer on the page, in the API, anywhere."""
    before = Person.objects.count(), LogEntry.objects.count()
    with pytest.raises(ValidationError) as error:
        services.person_enrol(
            unit=province.cell_a1,
            kind=kind,
            valid_from=D(2024, 1, 1),
            person_fields={"family_name": "Đỗ", "given_name": "Hoa"},
            membership=None,
            actor=None,
        )
    assert list(error.value.message_dict) == ["admitted_on"]
    assert (Person.objects.count(), LogEntry.objects.count()) == before


def test_only_a_member_has_a_membership_to_change(province):
    assert services.membership_of(province.members["an"]).person == province.members["an"]
    outsider = services.person_create(family_name="Đỗ", given_name="Hoa", actor=None)
    with pytest.raises(ValidationError):
        services.membership_of(outsider)
