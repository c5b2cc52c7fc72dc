"""The pages: a unit's results (notify, publish, withdraw), the published list on a member's
phone, a subject's result with the complaint form, the complaints queue and the files."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kiemdiem.common.dates import today
from kiemdiem.cycles import subjects
from kiemdiem.decisions import complaints, notices, publications
from kiemdiem.decisions.models import Decision, DecisionState, Publication
from kiemdiem.decisions.tests.test_complaints import PDF
from kiemdiem.decisions.tests.test_notices import decided, member
from kiemdiem.testing import open_annual


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    decided(member(cycle, province), "HTXSNV", "Nổi bật")
    return cycle


def test_the_decider_notifies_and_the_staff_publish_and_withdraw(client, cycle, province):
    users = province.users
    url = reverse("decision-results", args=[cycle.pk, province.cell_a1.pk])
    client.force_login(users["decider"])
    page = client.get(url)
    assert page.status_code == 200 and "Gửi thông báo kết quả" in page.content.decode()
    client.post(reverse("decision-notify", args=[cycle.pk, province.cell_a1.pk]))
    assert Decision.objects.get().state == DecisionState.NOTIFIED
    client.force_login(users["staff_a"])
    day = today()
    response = client.post(
        url,
        {
            "audience": "members",
            "audience_unit": province.cell_a1.pk,
            "starts_on": day.strftime("%d/%m/%Y"),
            "ends_on": (day + datetime.timedelta(days=5)).strftime("%d/%m/%Y"),
            "title": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    pub = Publication.objects.get()
    client.post(reverse("publication-withdraw", args=[pub.pk]), {"reason": "Nhầm danh sách"})
    pub.refresh_from_db()
    assert pub.withdrawn_at is not None and pub.withdraw_reason == "Nhầm danh sách"


def test_the_results_page_is_closed_to_others(client, cycle, province):
    url = reverse("decision-results", args=[cycle.pk, province.cell_a1.pk])
    client.force_login(province.users["member"])
    assert client.get(url).status_code == 403
    client.force_login(province.users["staff_b"])
    assert client.get(url).status_code == 404


def test_a_member_reads_the_published_list_and_the_birth_date_is_not_there(client, cycle, province):
    client.force_login(province.users["member"])
    listing = client.get(reverse("published-list")).content.decode()
    assert "Kết quả xếp loại của tôi" not in listing  # not notified yet
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)  # notify, then publish
    pub = publications.publish(
        cycle=cycle,
        unit=province.commune_a,
        audience="subtree",
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=5),
        actor=None,
    )
    listing = client.get(reverse("published-list")).content.decode()
    assert pub.title in listing
    decision = Decision.objects.get(subject__person=province.members["binh"])
    assert reverse("decision-result", args=[decision.pk]) in listing
    text = client.get(reverse("published-detail", args=[pub.pk])).content.decode()
    assert "Trần Thị Bình" in text and "HTXSNV" in text and "1980" not in text
    client.force_login(province.users["staff_b"])  # commune B: not for them
    assert client.get(reverse("published-detail", args=[pub.pk])).status_code == 404


def test_the_subject_complains_on_the_result_page_and_the_level_above_decides(
    client, cycle, province
):
    users = province.users
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    decision = Decision.objects.get()
    url = reverse("decision-result", args=[decision.pk])
    client.force_login(users["member"])
    assert "Gửi đơn khiếu nại" in client.get(url).content.decode()
    upload = SimpleUploadedFile("đơn.pdf", PDF, content_type="application/pdf")
    assert client.post(url, {"text": "Xin xem lại", "files": [upload]}).status_code == 302
    complaint = decision.complaints.get()
    file_url = reverse("complaint-file", args=[complaint.pk, complaint.files.get().pk])
    assert client.get(file_url)["Content-Disposition"].startswith("attachment")
    client.force_login(users["nogrant"])
    assert client.get(url).status_code == 404
    assert client.get(file_url).status_code == 404
    client.force_login(users["decider"])
    assert complaint.pk in [c.pk for c in client.get(reverse("complaint-queue")).context["items"]]
    detail = reverse("complaint-detail", args=[complaint.pk])
    page = client.get(detail)
    assert 'name="revision"' in page.content.decode()
    revision = page.context["form"]["revision"].value()
    body = {"outcome": "changed", "new_tier": "HTTNV", "outcome_reason": "Theo tỷ lệ"}
    assert client.post(detail, body).status_code == 200  # no revision: refused, shown again
    response = client.post(detail, {**body, "revision": revision})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.tier == "HTTNV"
    assert complaints.queue(users["decider"]).count() == 0


def _big_list(pub, n):
    """``n`` more rows on a published list, as a province's list would hold them."""
    from kiemdiem.decisions.models import PublicationRow

    PublicationRow.objects.bulk_create(
        PublicationRow(
            publication=pub,
            position=pub.row_count + i,
            subject_id=0,
            name=f"Nguyễn Văn Người {i:04d}",
            name_key=f"nguyen van nguoi {i:04d}",
            kind="party_member",
            unit="Chi bộ thôn Đông",
            tier="HTNV",
        )
        for i in range(n)
    )
    pub.row_count += n
    pub.save(update_fields=["row_count"])


def test_a_large_list_is_read_a_page_at_a_time_in_a_stable_order(
    client, cycle, province, django_assert_max_num_queries
):
    """A province's list may hold 180 000 rows: the page reads one page of them, with the same
    statements for 1 row as for 301, and page 2 starts where page 1 ended; a name is found."""
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    pub = publications.publish(
        cycle=cycle,
        unit=province.commune_a,
        audience="subtree",
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=5),
        actor=None,
    )
    client.force_login(province.users["member"])
    url = reverse("published-detail", args=[pub.pk])
    client.get(url)  # the session and the user warmed up
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _big_list(pub, 300)
    with django_assert_max_num_queries(len(small)):
        first = client.get(url).content.decode()
    assert "Nguyễn Văn Người 0048" in first and "Nguyễn Văn Người 0049" not in first
    assert first.count("<tr>") == publications.PAGE + 1  # the header and one page
    second = client.get(url + "?page=2").content.decode()
    assert "Nguyễn Văn Người 0049" in second and "Nguyễn Văn Người 0048" not in second
    assert "Nguyễn Văn Người 0098" in second and "Nguyễn Văn Người 0099" not in second
    found = client.get(url + "?q=nguoi 012").content.decode()  # no diacritics, any case
    assert found.count("Nguyễn Văn Người 012") == 10 and "<strong>Trần Thị Bình" not in found
    assert "<strong>Trần Thị Bình</strong>" in client.get(url + "?q=TRẦN").content.decode()
