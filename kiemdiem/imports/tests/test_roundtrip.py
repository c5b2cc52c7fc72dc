"""Exports re-import to the same state; the bulk path writes what the services write."""

import io

import pytest

from kiemdiem.audit.models import LogEntry
from kiemdiem.imports import exporters
from kiemdiem.imports.tests.helpers import PEOPLE_HEADERS, person_row, run_import, xlsx_bytes
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation, MemberStatus, PartyMember, Person

pytestmark = pytest.mark.django_db


def _export(kind, unit, fmt):
    out = io.BytesIO()
    rows = exporters.export_rows(kind, unit)
    (exporters.write_xlsx if fmt == "xlsx" else exporters.write_csv)(kind, rows, out)
    return out.getvalue()


def _enrich(province):
    """Give the fixture people what the export must carry: IDs, cards, posts, a status."""
    an = province.members["an"]
    people.person_update(person=an, citizen_id="001080000001", gender="M", actor=None)
    people.member_update(
        member=an.membership,
        admitted_on=an.membership.admitted_on,
        official_on=an.membership.official_on,
        card_number="00123",
        occupation="farmer",
        actor=None,
    )
    people.affiliation_start(
        person=an,
        unit=province.agency,
        kind="employment",
        title="Chủ tịch UBND xã",
        state_category="can_bo",
        valid_from=an.membership.admitted_on,
        actor=None,
    )
    import datetime

    people.affiliation_start(
        person=province.members["cuong"],
        unit=province.cell_b1,
        kind="residence",
        valid_from=datetime.date(2021, 1, 1),
        actor=None,
    )
    people.member_status_change(
        member=province.members["binh"].membership,
        status="exempt",
        effective=datetime.date(2024, 1, 1),
        actor=None,
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_reimports_unchanged(province, fmt):
    _enrich(province)
    user = province.users["staff_p"]
    for kind in ("units", "people"):
        data = _export(kind, province.province, fmt)
        logs = LogEntry.objects.count()
        job = run_import(user, province.province, kind, data, filename=f"x.{fmt}")
        assert job.status == "done", (kind, job.problems, job.failure)
        assert (job.created, job.updated) == (0, 0), (kind, job.problems)
        assert job.unchanged == (8 if kind == "units" else 4)
        assert LogEntry.objects.count() == logs + 1


def test_export_of_a_subtree_leaves_out_what_is_outside(province):
    data = _export("people", province.commune_b, "csv").decode("utf-8-sig")
    assert "Dung" in data and "Cường" not in data


def test_export_then_import_elsewhere_recreates_people(province):
    """People exported from one cell and imported as new (IDs removed) come back the same."""
    rows = [
        person_row(cid=f"00108500000{i}", given=g, posts=p)
        for i, (g, p) in enumerate(
            [("Hải", "A1: Phó bí thư chi bộ (Cấp phó) từ 01/02/2021"), ("Hà", "")], start=1
        )
    ]
    job = run_import(
        province.users["staff_p"], province.province, "people", xlsx_bytes(PEOPLE_HEADERS, rows)
    )
    assert job.created == 2
    exported = _export("people", province.commune_a, "xlsx")
    job = run_import(province.users["staff_a"], province.commune_a, "people", exported)
    assert (job.created, job.updated, job.unchanged) == (0, 0, 5), job.problems


def _snapshot():
    persons = {
        p.citizen_id: (p.full_name, p.sort_key, p.search_text, p.birth_date, p.gender, p.ethnicity)
        for p in Person.objects.exclude(citizen_id=None)
    }
    members = sorted(
        PartyMember.objects.filter(person__citizen_id__isnull=False).values_list(
            "person__citizen_id", "card_number", "admitted_on", "official_on", "occupation"
        )
    )
    statuses = sorted(
        MemberStatus.objects.filter(member__person__citizen_id__isnull=False).values_list(
            "member__person__citizen_id", "status", "valid_from", "valid_to", "reason"
        )
    )
    affs = sorted(
        Affiliation.objects.filter(person__citizen_id__isnull=False).values_list(
            "person__citizen_id",
            "unit__code",
            "kind",
            "title",
            "role",
            "state_category",
            "valid_from",
            "valid_to",
            "concurrent",
            "residence_exemption",
            "note",
        )
    )
    cid_of = dict(Person.objects.values_list("pk", "citizen_id"))
    logs = []
    for e in LogEntry.objects.exclude(action="import.committed").filter(pk__gt=_snapshot.first_log):
        data = dict(e.data)
        if "person" in data:
            data["person"] = cid_of.get(data["person"])
        logs.append(
            (
                e.action,
                e.content_type_id,
                e.object_repr,
                e.unit_id,
                e.actor_id,
                sorted(data.items(), key=str),
            )
        )
    return persons, members, statuses, affs, sorted(logs, key=str)


def test_bulk_path_writes_what_the_services_write(province, django_db_blocker):
    rows = [
        person_row(posts="A1: Phó bí thư chi bộ (Cấp phó) từ 01/02/2021"),
        person_row(
            given="Hà",
            cid="001085000002",
            cell="B1",
            status="Miễn công tác và sinh hoạt đảng",
            status_from="01/06/2024",
            card="9988",
        ),
        person_row(
            given="Lan",
            cid="001085000003",
            admitted="",
            official="",
            cell="",
            posts="",
            gender="Nữ",
        ),
    ]
    rows[2][-1] = ""
    headers = [*PEOPLE_HEADERS, "Công tác tại cơ quan nhà nước", "Mã chi bộ nơi cư trú"]
    rows = [[*r, "", ""] for r in rows]
    rows[2][-2] = "UBA: Công chức văn phòng (Công chức) từ 01/03/2022"
    rows[0][-1] = "A2"
    data = xlsx_bytes(headers, rows)
    user = province.users["staff_p"]
    _snapshot.first_log = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    from django.db import transaction

    results = []
    for bulk in (True, False):
        sid = transaction.savepoint()
        job = run_import(user, province.province, "people", data, bulk=bulk)
        assert job.status == "done", (job.problems, job.failure)
        results.append(_snapshot())
        transaction.savepoint_rollback(sid)
    assert results[0] == results[1]
    assert len(results[0][4]) >= 9
