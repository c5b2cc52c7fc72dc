"""The register: who records, edits and annuls entries, who reads them, what is refused."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from kiemdiem.audit.models import LogEntry
from kiemdiem.register import hooks, policies, selectors, services
from kiemdiem.register.models import RegisterEntry

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj\n"


def record(province, actor=None, person="binh", **fields):
    values = {
        "kind": "discipline",
        "track": "party",
        "discipline_form": "KHIEN_TRACH",
        "decided_on": D(2025, 10, 1),
        "issuing_body": "Ủy ban Kiểm tra Đảng ủy xã An Bình",
        "document_number": "12-QĐ/UBKT",
        "year": 2025,
    } | fields
    if "unit" not in values:
        values["person"] = province.members[person]
    return services.entry_record(actor=actor, **values)


def test_staff_of_the_cells_commune_records_an_entry_with_its_scan_audited(province):
    staff_a = province.users["staff_a"]
    seen = []
    hooks.on_entry_recorded(seen.append)
    try:
        entry = record(province, staff_a, files=[SimpleUploadedFile("qd.pdf", PDF)])
    finally:
        hooks.entry_recorded.remove(seen.append)
    assert seen == [entry]  # the decisions app is told, in the same transaction
    assert entry.entered_by == staff_a and [f.name for f in entry.files.all()] == ["qd.pdf"]
    log = LogEntry.objects.get(action="register.entry_recorded")
    assert log.object_id == str(entry.pk) and log.unit == province.cell_a1
    assert log.data["discipline_form"] == "KHIEN_TRACH" and log.data["files"] == ["qd.pdf"]
    assert "Trần Thị Bình" in str(entry) and "2025" in str(entry)


def test_another_communes_staff_cannot_record_nor_read_nor_annul(province):
    staff_b = province.users["staff_b"]
    with pytest.raises(PermissionDenied):
        record(province, staff_b)
    entry = record(province, province.users["staff_a"])
    assert not policies.may_view_entry(staff_b, entry)
    assert not selectors.entry_list(staff_b).exists()
    with pytest.raises(PermissionDenied):
        services.entry_annul(entry=entry, reason="Nhầm", actor=staff_b)
    with pytest.raises(PermissionDenied):
        services.entry_update(entry=entry, year=2024, actor=staff_b)


def test_a_member_reads_only_their_own_entries_and_records_none(province):
    own = record(province, None, person="binh")
    other = record(province, None, person="an")
    member = province.users["member"]  # Bình, with a member grant on her cell
    assert list(selectors.entry_list(member)) == [own]
    assert policies.may_view_entry(member, own) and not policies.may_view_entry(member, other)
    assert selectors.person_entries(member, province.members["an"]) == []
    with pytest.raises(PermissionDenied):
        record(province, member, person="binh")
    # an inspector of the province reads both; a user with no grant reads nothing
    assert set(selectors.entry_list(province.users["inspector"])) == {own, other}
    assert not selectors.entry_list(province.users["nogrant"]).exists()


def test_a_unit_entry_is_read_under_a_grant_only(province):
    entry = record(
        province,
        province.users["staff_a"],
        unit=province.cell_a1,
        discipline_form="CANH_CAO",
    )
    assert policies.may_view_entry(province.users["staff_a"], entry)
    assert not policies.may_view_entry(province.users["member"], entry)  # her cell, no grant
    assert not policies.may_view_entry(province.users["staff_b"], entry)


def test_forms_follow_who_is_disciplined_and_on_which_track(province):
    with pytest.raises(ValidationError) as error:
        record(province, None, discipline_form="GIAI_TAN")  # dissolving a person
    assert "discipline_form" in error.value.message_dict
    with pytest.raises(ValidationError):
        record(province, None, unit=province.cell_a1, discipline_form="KHAI_TRU")
    record(province, None, unit=province.cell_a1, discipline_form="GIAI_TAN")
    record(province, None, track="state", discipline_form="HA_BAC_LUONG")
    with pytest.raises(ValidationError, match="Khai trừ|expulsion"):
        # a state form on the party track is refused, naming the forms that apply
        record(province, None, discipline_form="HA_BAC_LUONG")


def test_a_probationary_member_can_only_be_reprimanded_or_warned(province):
    member = province.members["binh"].membership
    member.official_on = D(2026, 1, 1)
    member.save()
    with pytest.raises(ValidationError):
        record(province, None, discipline_form="KHAI_TRU")
    assert record(province, None, discipline_form="CANH_CAO").pk


def test_what_is_refused_is_named_by_field(province):
    with pytest.raises(ValidationError) as error:
        record(
            province,
            None,
            issuing_body=" ",
            year=2030,
            decided_on=D(2099, 1, 1),
        )
    assert {"issuing_body", "year", "decided_on"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        record(province, None, kind="corruption", discipline_form="")
    assert "kind" in error.value.message_dict  # corruption is found in a unit
    with pytest.raises(ValidationError) as error:
        record(province, None, kind="degradation")  # a conclusion has no form
    assert "discipline_form" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(province, None, files=[SimpleUploadedFile("qd.pdf", b"<html>")])
    assert "qd.pdf" in error.value.message_dict["files"][0]
    assert not RegisterEntry.objects.exists()


def test_the_database_refuses_an_entry_about_both_or_neither(province):
    with pytest.raises(IntegrityError), transaction.atomic():
        RegisterEntry.objects.create(
            kind="inspection",
            track="party",
            person=province.members["binh"],
            unit=province.cell_a1,
            decided_on=D(2025, 1, 1),
            issuing_body="UBKT",
            year=2025,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        RegisterEntry.objects.create(
            kind="inspection", track="party", decided_on=D(2025, 1, 1), issuing_body="X", year=2025
        )


def test_an_edit_is_audited_before_and_after_and_an_annulment_keeps_the_entry(province):
    staff_a = province.users["staff_a"]
    entry = record(province, staff_a, summary="Vi phạm quy định về đảng phí")
    services.entry_update(entry=entry, actor=staff_a, counted_in_year=2024, summary="Khác")
    log = LogEntry.objects.get(action="register.entry_updated")
    assert log.data["changes"]["counted_in_year"] == [None, 2024]
    assert log.data["changes"]["summary"] == "***"  # sensitive: never in the log
    with pytest.raises(ValidationError):
        services.entry_update(entry=entry, actor=staff_a, person=province.members["an"])
    with pytest.raises(ValidationError, match="reason|lý do"):
        services.entry_annul(entry=entry, reason="  ", actor=staff_a)
    services.entry_annul(entry=entry, reason="Quyết định bị hủy", actor=staff_a)
    entry.refresh_from_db()
    assert entry.annulled and entry.annul_reason == "Quyết định bị hủy"
    assert LogEntry.objects.filter(action="register.entry_annulled").exists()
    with pytest.raises(ValidationError):
        services.entry_update(entry=entry, actor=staff_a, year=2024)
    assert not selectors.entry_list(staff_a).exists()
    assert list(selectors.entry_list(staff_a, annulled=True)) == [entry]


def test_files_are_attached_within_the_limit_and_audited(province, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    staff_a = province.users["staff_a"]
    entry = record(province, staff_a, files=[SimpleUploadedFile("a.pdf", PDF)])
    services.file_attach(entry=entry, files=[SimpleUploadedFile("b.pdf", PDF)], actor=staff_a)
    with pytest.raises(ValidationError) as error:
        services.file_attach(entry=entry, files=[SimpleUploadedFile("c.pdf", PDF)], actor=staff_a)
    assert "files" in error.value.message_dict
    assert entry.files.count() == 2
    assert LogEntry.objects.get(action="register.file_attached").data["files"] == ["b.pdf"]
    response = entry.files.first().download()
    assert response["Content-Disposition"].startswith("attachment;")
