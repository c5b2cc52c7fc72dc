"""The bulk paths of the people services refuse what the services refuse, and write what they
write (the demo compares a whole province: demo/tests/test_generator.py)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from kiemdiem.audit.models import LogEntry
from kiemdiem.orgtree.models import Unit
from kiemdiem.people import bulk
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation, PartyMember, Person

pytestmark = pytest.mark.django_db
D = datetime.date


def person(given="Hoa", citizen_id=None, **extra):
    fields = {"family_name": "Đỗ", "middle_name": "Thị", "given_name": given}
    fields["birth_date"] = D(1985, 3, 4)
    if citizen_id:
        fields["citizen_id"] = citizen_id
    return {**fields, **extra}


def member(**extra):
    return {"admitted_on": D(2012, 5, 19), "official_on": D(2013, 5, 19), **extra}


def test_people_and_members_as_the_services_write_them(province):
    staff = province.users["staff_a"]
    rows = [
        bulk.NewPerson(
            person("Hoa", "001085012345"),
            province.cell_a1,
            member(card_number="77", unit=province.cell_a1),
        ),
        bulk.NewPerson(person("Lan"), province.cell_a2),
    ]
    with transaction.atomic():
        hoa, lan = bulk.people_create_bulk(rows, actor=staff)
        one = people.person_create(actor=staff, unit=province.cell_a1, **person("Mai"))
        people.member_admit(
            person=one, actor=staff, **member(card_number="78", unit=province.cell_a1)
        )
    assert hoa.membership.card_number == "77" and not hasattr(lan, "membership")
    assert Person.objects.get(pk=hoa.pk).sort_key == hoa.sort_key

    def entries(target, action):
        entry = LogEntry.objects.get(object_id=str(target.pk), action=action)
        return entry.actor, entry.unit, sorted(entry.data)

    assert entries(hoa, "person.created") == entries(one, "person.created")
    assert entries(hoa.membership, "member.admitted") == entries(
        PartyMember.objects.get(person=one), "member.admitted"
    )


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([bulk.NewPerson(person(citizen_id="12345"))], "citizen_id"),
        ([bulk.NewPerson(person(birth_date=D(2999, 1, 1)))], "birth_date"),
        (  # twice in one call
            [bulk.NewPerson(person(citizen_id="001085012345")) for _i in range(2)],
            "citizen_id",
        ),
        ([bulk.NewPerson(person(), membership=member(admitted_on=D(1990, 1, 1)))], "admitted_on"),
        ([bulk.NewPerson(person(), membership=member(card_number="0001"))] * 2, "card_number"),
    ],
)
def test_refusals_of_the_services_and_nothing_written(province, rows, field):
    before = Person.objects.count()
    with pytest.raises(ValidationError) as error, transaction.atomic():
        bulk.people_create_bulk(rows, actor=None)
    assert field in error.value.message_dict
    assert Person.objects.count() == before


def test_a_citizen_id_already_on_file_is_refused(province):
    people.person_create(actor=None, **person("Mai", "001085012345"))
    with pytest.raises(ValidationError) as error, transaction.atomic():
        bulk.people_create_bulk([bulk.NewPerson(person("Hoa", "001085012345"))], actor=None)
    assert "citizen_id" in error.value.message_dict


def test_the_policy_is_enforced_for_a_user(province):
    staff_b = province.users["staff_b"]  # commune B: may not add people to commune A
    with pytest.raises(PermissionDenied), transaction.atomic():
        bulk.people_create_bulk([bulk.NewPerson(person(), province.cell_a1)], actor=staff_b)
    with pytest.raises(PermissionDenied), transaction.atomic():
        bulk.people_create_bulk([bulk.NewPerson(person())], actor=staff_b)  # no unit: whole tree
    with pytest.raises(PermissionDenied), transaction.atomic():
        bulk.affiliations_start_bulk(
            [
                bulk.NewAffiliation(
                    province.members["dung"],
                    province.agency,
                    "employment",
                    D(2021, 1, 1),
                    {"state_category": "cong_chuc"},
                )
            ],
            actor=staff_b,
        )


def _starts(province):
    new = people.person_create(actor=None, **person("Hoa"))
    people.member_admit(person=new, actor=None, **member())
    return new


def test_affiliations_see_the_rows_before_them_in_the_same_call(province):
    new = _starts(province)
    cell = bulk.NewAffiliation(new, province.cell_b1, "cell", D(2021, 1, 1))
    post = bulk.NewAffiliation(
        new, province.cell_b1, "position", D(2021, 1, 1), {"title": "Bí thư", "role": "head"}
    )
    with transaction.atomic():
        started = bulk.affiliations_start_bulk([cell, post], actor=None)
    assert [a.kind for a in started] == ["cell", "position"]
    entry = LogEntry.objects.get(action="affiliation.started", object_id=str(started[1].pk))
    assert entry.unit == province.cell_b1
    assert entry.data == {
        "kind": "position",
        "person": new.pk,
        "valid_from": "2021-01-01",
        "title": "Bí thư",
        "role": "head",
    }
    # refused as the service refuses them, with the same messages, nothing written
    other = _starts(province)
    for rows in (
        [cell],  # already in a cell
        [bulk.NewAffiliation(other, province.cell_b1, "cell", D(2021, 1, 1)), post],  # a head
        [  # a second residence cell
            bulk.NewAffiliation(other, province.cell_a1, "residence", D(2021, 1, 1)),
            bulk.NewAffiliation(other, province.cell_a2, "residence", D(2021, 1, 1)),
        ],
    ):
        count = Affiliation.objects.count()
        with pytest.raises(ValidationError) as error, transaction.atomic():
            bulk.affiliations_start_bulk(rows, actor=None)
        assert Affiliation.objects.count() == count
        with pytest.raises(ValidationError) as same, transaction.atomic():
            for row in rows:
                people.affiliation_start(
                    person=row.person,
                    unit=row.unit,
                    kind=row.kind,
                    valid_from=row.valid_from,
                    actor=None,
                    **row.fields,
                )
        assert error.value.message_dict == same.value.message_dict


def test_a_non_member_joins_no_cell_and_a_dissolved_unit_nobody(province):
    outsider = people.person_create(actor=None, **person("Lan"))
    with pytest.raises(ValidationError) as error, transaction.atomic():
        bulk.affiliations_start_bulk(
            [bulk.NewAffiliation(outsider, province.cell_a2, "cell", D(2021, 1, 1))], actor=None
        )
    assert list(error.value.message_dict) == ["person"]
    new = _starts(province)
    Unit.objects.filter(pk=province.cell_a2.pk).update(valid_to=D(2022, 1, 1))
    with pytest.raises(ValidationError) as error, transaction.atomic():
        # the bulk path asks the database, not the (stale) unit in hand
        bulk.affiliations_start_bulk(
            [bulk.NewAffiliation(new, province.cell_a2, "cell", D(2021, 1, 1))], actor=None
        )
    assert error.value.message_dict == {"unit": ["Đơn vị này đã giải thể."]}
