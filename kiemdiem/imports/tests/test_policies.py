"""``imports.policies``: who imports and exports, and the import services refusing on their own
(called directly, with no page or command check in front)."""

import pytest
from django.core.exceptions import PermissionDenied

from kiemdiem.imports import policies, services
from kiemdiem.imports.models import ImportJob, JobStatus
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, xlsx_bytes
from kiemdiem.people.models import Person

pytestmark = pytest.mark.django_db


# who: (imports somewhere, into A1, into B; exports somewhere, A1, B; exports everyone)
RIGHTS = {
    "staff_p": (True, True, True, True, True, True, False),
    "staff_a": (True, True, False, True, True, False, False),
    "secretary": (True, True, False, True, True, False, False),
    "inspector": (False, False, False, True, True, True, False),
    "member": (False, False, False, False, False, False, False),
    "nogrant": (False, False, False, False, False, False, False),
}


@pytest.mark.parametrize("who", list(RIGHTS))
def test_who_imports_and_exports_what(province, who):
    user = province.users[who]
    some, a1, b, export_some, export_a1, export_b, everyone = RIGHTS[who]
    assert policies.may_import(user) == some
    assert policies.may_import(user, province.cell_a1) == a1
    assert policies.may_import(user, province.commune_b) == b
    assert policies.may_export(user) == export_some == policies.may_open(user)
    assert policies.may_export(user, province.cell_a1) == export_a1
    assert policies.may_export(user, province.commune_b) == export_b
    people = policies.export_people(user)
    assert (people is None) == everyone
    if not export_some:
        assert not people.exclude(pk=getattr(user, "person_id", None)).exists()


def test_the_system_exports_everyone(province):
    assert policies.export_people(None) is None
    assert policies.may_import(None, province.commune_b)


def _job(province, user=None):
    data = xlsx_bytes(PEOPLE_HEADERS, [person_row("Hoàng", "Văn", "Giang", cell="A1")])
    return services.job_create(
        user=user, unit=province.cell_a1, kind="people", filename="a.xlsx", chunks=[data]
    )


def test_the_import_services_refuse_without_change_on_the_unit(province):
    with pytest.raises(PermissionDenied):
        _job(province, province.users["staff_b"])
    with pytest.raises(PermissionDenied):
        _job(province, province.users["inspector"])
    assert not ImportJob.objects.exists()
    job = _job(province, province.users["staff_a"])
    services.import_validate(job)
    assert job.status == JobStatus.READY
    assert not policies.ImportPolicy(province.users["staff_b"], job).may_commit
    with pytest.raises(PermissionDenied):
        services.import_commit(job, province.users["staff_b"])
    job.refresh_from_db()
    assert job.status == JobStatus.READY and not Person.objects.filter(given_name="Giang").exists()
    assert policies.ImportPolicy(province.users["secretary"], job).may_commit
    services.import_commit(job, province.users["secretary"])
    assert Person.objects.filter(given_name="Giang").exists()
