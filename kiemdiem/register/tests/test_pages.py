"""The register's pages in Vietnamese: the list with its filters, recording with a scan,
the entry with its documents, annulling; the section on a person's page for those entitled."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kiemdiem.register import services
from kiemdiem.register.models import RegisterEntry

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj\n"


def entry(province, person="binh", **fields):
    values = {
        "kind": "discipline",
        "track": "party",
        "discipline_form": "CANH_CAO",
        "decided_on": D(2025, 9, 1),
        "issuing_body": "Ủy ban Kiểm tra Đảng ủy xã",
        "document_number": "07-QĐ/UBKT",
        "year": 2025,
    } | fields
    return services.entry_record(actor=None, person=province.members[person], **values)


def test_staff_record_an_entry_with_its_scan_from_the_persons_page(client, province):
    client.force_login(province.users["staff_a"])
    binh = province.members["binh"]
    page = client.get(reverse("person-detail", args=[binh.pk])).text
    assert "Kỷ luật và kết luận" in page and f"?person={binh.pk}" in page
    url = reverse("register-create") + f"?person={binh.pk}"
    form = client.get(url).text
    assert 'enctype="multipart/form-data"' in form and "Trần Thị Bình" in form
    response = client.post(
        url,
        {
            "kind": "discipline",
            "track": "party",
            "discipline_form": "KHIEN_TRACH",
            "decided_on": "01/09/2025",
            "issuing_body": "Chi bộ thôn Đông",
            "document_number": "05-QĐ/CB",
            "year": "2025",
            "files": [SimpleUploadedFile("quyet-dinh.pdf", PDF)],
        },
    )
    saved = RegisterEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "register-entry", args=[saved.pk]
    )
    assert saved.person == binh and saved.entered_by == province.users["staff_a"]
    detail = client.get(response["Location"]).text
    assert "Khiển trách" in detail and "quyet-dinh.pdf" in detail
    download = client.get(reverse("register-file", args=[saved.files.get().pk]))
    assert download["Content-Disposition"].startswith("attachment;")
    assert download.content == PDF


def test_a_refused_scan_is_named_with_the_limit_and_nothing_is_saved(client, province, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client.force_login(province.users["staff_a"])
    binh = province.members["binh"]
    response = client.post(
        reverse("register-create") + f"?person={binh.pk}",
        {
            "kind": "discipline",
            "track": "party",
            "discipline_form": "GIAI_TAN",
            "decided_on": "01/09/2025",
            "issuing_body": "Chi bộ thôn Đông",
            "year": "2025",
            "files": [SimpleUploadedFile("to-qua.pdf", PDF + b"0" * 4096)],
        },
    )
    assert response.status_code == 400
    # the wrong form is named first (the service stops there); then the file, by its name
    assert "Hình thức này không áp dụng" in response.text
    response = client.post(
        reverse("register-create") + f"?person={binh.pk}",
        {
            "kind": "discipline",
            "track": "party",
            "discipline_form": "CANH_CAO",
            "decided_on": "01/09/2025",
            "issuing_body": "Chi bộ thôn Đông",
            "year": "2025",
            "files": [SimpleUploadedFile("to-qua.pdf", PDF + b"0" * 4096)],
        },
    )
    assert response.status_code == 400
    assert "to-qua.pdf" in response.text and "MB" in response.text
    assert not RegisterEntry.objects.exists()


def test_the_list_filters_by_kind_year_and_name_within_the_unit(client, province):
    entry(province)
    entry(province, person="cuong", kind="degradation", discipline_form="", year=2024)
    entry(province, person="dung")  # commune B
    client.force_login(province.users["staff_a"])
    page = client.get(reverse("register-list")).text
    assert "Sổ theo dõi kỷ luật" in page
    assert "Trần Thị Bình" in page and "Lê Văn Cường" in page and "Phạm Thị Dung" not in page
    page = client.get(reverse("register-list"), {"kind": "degradation"}).text
    assert "Lê Văn Cường" in page and "Trần Thị Bình" not in page
    page = client.get(reverse("register-list"), {"year": "2025", "q": "binh"}).text
    assert "Trần Thị Bình" in page and "Lê Văn Cường" not in page
    page = client.get(reverse("register-list"), {"unit": province.cell_a2.pk}).text
    assert "Lê Văn Cường" in page and "Trần Thị Bình" not in page
    assert "Sổ theo dõi kỷ luật" in client.get(reverse("home")).text  # in the menu


def test_annulling_keeps_the_entry_with_its_reason(client, province):
    saved = entry(province)
    client.force_login(province.users["staff_a"])
    client.post(reverse("register-annul", args=[saved.pk]), {"reason": "Quyết định bị hủy"})
    saved.refresh_from_db()
    assert saved.annulled and saved.annul_reason == "Quyết định bị hủy"
    page = client.get(reverse("register-entry", args=[saved.pk])).text
    assert "Quyết định bị hủy" in page and "Đã hủy" in page
    assert reverse("register-edit", args=[saved.pk]) not in page
    assert client.get(reverse("register-edit", args=[saved.pk])).status_code == 404


@pytest.mark.parametrize(
    ("user", "shown"),
    [("staff_a", True), ("member", True), ("staff_b", False), ("secretary", True)],
)
def test_the_person_page_shows_entries_only_to_those_entitled(client, province, user, shown):
    entry(province)
    client.force_login(province.users[user])
    response = client.get(reverse("person-detail", args=[province.members["binh"].pk]))
    if response.status_code == 404:
        assert not shown
        return
    assert ("07-QĐ/UBKT" in response.text) is shown


def test_an_edit_on_the_page_is_saved_and_audited(client, province):
    from kiemdiem.audit.models import LogEntry

    saved = entry(province)
    client.force_login(province.users["staff_a"])
    url = reverse("register-edit", args=[saved.pk])
    form = client.get(url).text
    assert "01/09/2025" in form and 'name="person"' not in form  # who it is about stays
    response = client.post(
        url,
        {
            "kind": "discipline",
            "track": "party",
            "discipline_form": "CANH_CAO",
            "decided_on": "01/09/2025",
            "issuing_body": "Ủy ban Kiểm tra Đảng ủy xã",
            "document_number": "07-QĐ/UBKT",
            "year": "2025",
            "counted_in_year": "2024",
        },
    )
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.counted_in_year == 2024
    log = LogEntry.objects.get(action="register.entry_updated")
    assert log.data["changes"] == {"counted_in_year": [None, 2024]}
    # another commune's staff do not even see the form
    client.force_login(province.users["staff_b"])
    assert client.get(url).status_code == 404
