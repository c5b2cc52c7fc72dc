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
    pub = publications.publish(
        cycle=cycle,
        unit=province.commune_a,
        audience="subtree",
        starts_on=today(),
        ends_on=today() + datetime.timedelta(days=5),
        actor=None,
    )
    client.force_login(province.users["member"])
    listing = client.get(reverse("published-list")).content.decode()
    assert pub.title in listing
    assert "Kết quả xếp loại của tôi" not in listing  # not notified yet
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    listing = client.get(reverse("published-list")).content.decode()
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
    response = client.post(
        detail, {"outcome": "changed", "new_tier": "HTTNV", "outcome_reason": "Theo tỷ lệ"}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.tier == "HTTNV"
    assert complaints.queue(users["decider"]).count() == 0
