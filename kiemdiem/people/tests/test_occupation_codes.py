"""Occupation codes in English (docs/architecture.md, "Stored codes"): the data migration both
ways, the former codes still read on import and in old audit entries."""

import importlib

import pytest
from django.apps import apps
from django.db import transaction

from kiemdiem.audit.display import describe
from kiemdiem.audit.services import log_action
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, run_import, xlsx_bytes
from kiemdiem.people.models import PartyMember, Person

pytestmark = pytest.mark.django_db

migration = importlib.import_module("kiemdiem.people.migrations.0003_occupation_codes")

FORMER_TO_NEW = {
    "llvt": "armed_forces",
    "doanh_nghiep": "enterprise",
    "nong_dan": "farmer",
    "hoc_sinh": "student",
    "huu_tri": "retired",
    "khac": "other",
    "cbccvc": "cbccvc",
}


@pytest.mark.parametrize(("former", "new"), FORMER_TO_NEW.items())
def test_the_migration_renames_every_former_code_and_back(province, former, new):
    member = province.members["an"].membership
    PartyMember.objects.filter(pk=member.pk).update(occupation=former)  # a database before it

    migration.forward(apps, None)
    member.refresh_from_db()
    assert member.occupation == new

    migration.backward(apps, None)
    member.refresh_from_db()
    assert member.occupation == former


def test_an_import_file_may_still_write_a_former_code(province):
    headers = [*PEOPLE_HEADERS, "Nghề nghiệp"]
    data = xlsx_bytes(
        headers,
        [[*person_row(), "nong_dan"], [*person_row(given="Hà", cid="001085000002"), "LLVT"]],
    )
    job = run_import(province.users["staff_p"], province.province, "people", data, commit=True)
    assert job.created == 2, job.problems
    occupations = dict(
        Person.objects.filter(citizen_id__in=["001085000001", "001085000002"]).values_list(
            "citizen_id", "membership__occupation"
        )
    )
    assert occupations == {"001085000001": "farmer", "001085000002": "armed_forces"}


def test_an_audit_entry_written_with_a_former_code_reads_with_its_label(province):
    member = province.members["an"].membership
    with transaction.atomic():
        entry = log_action(
            "member.updated",
            actor=None,
            target=member,
            data={"changes": {"occupation": ["huu_tri", "farmer"]}},
        )
    (described,) = describe([entry])
    assert "Nghỉ hưu → Nông dân" in [text for _label, text in described.details]
