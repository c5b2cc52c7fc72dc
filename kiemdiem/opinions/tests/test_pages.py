"""The opinions pages end to end, and the chi ủy's comment and the conclusion on the form."""

import datetime

from django.urls import reverse

from kiemdiem.opinions.models import OpinionAnswer, OpinionRequest
from kiemdiem.reviews.models import ReviewNote

D = datetime.date


def test_request_answer_and_see_it_on_the_proposal_row(scene, province, client):
    dung = scene.subjects["dung"]
    client.force_login(scene.users["staff_b"])
    url = reverse("opinion-request-add", args=[dung.pk])
    assert (
        client.post(url, {"source": "residence_cell", "deadline": "10/12/2026"}).status_code == 302
    )
    assert (
        client.post(url, {"source": "residence_cell", "deadline": "10/12/2026"}).status_code == 302
    )
    assert OpinionRequest.objects.count() == 1  # a second click made nothing new
    bad = client.post(url, {"source": "previous_cell", "deadline": "10/12/2026"})
    assert bad.status_code == 400 and "không chuyển sinh hoạt" in bad.content.decode()
    request = OpinionRequest.objects.get()
    client.force_login(scene.users["secretary"])
    assert "Phạm Thị Dung" in client.get(reverse("opinion-inbox")).content.decode()
    answer = reverse("opinion-answer", args=[request.pk])
    form = client.get(answer).content.decode()
    assert "Thực hiện nghĩa vụ công dân nơi cư trú" in form
    body = {
        "revision": 0,
        "duty_exemplary_conduct": "good",
        "duty_civic_duties": "good",
        "duty_attends_meetings": "fulfilled",
        "duty_keeps_contact": "good",
        "text": "Đồng chí gương mẫu ở khu dân cư.",
    }
    assert client.post(answer, body).status_code == 302
    stale = client.post(answer, body)  # the same page sent again
    assert stale.status_code == 400 and OpinionAnswer.objects.count() == 1
    client.force_login(scene.users["staff_b"])
    rows = client.get(
        reverse("decision-proposals", args=[scene.cycle.pk]) + f"?unit={province.cell_b1.pk}"
    ).content.decode()
    assert "Đồng chí gương mẫu ở khu dân cư." in rows and "Chi bộ nơi cư trú" in rows
    # the residence cell's plain member sees none of it
    client.force_login(scene.users["member"])
    assert client.get(answer).status_code == 404
    assert client.get(reverse("subject-opinions", args=[dung.pk])).status_code == 404


def test_the_whole_cell_at_once_lists_who_is_skipped(scene, province, client):
    client.force_login(scene.users["staff_a"])
    url = reverse("opinion-cell-requests", args=[scene.cycle.pk, province.cell_a1.pk])
    page = client.post(url, {"source": "residence_cell", "deadline": "10/12/2026"}).content.decode()
    assert 'id="skipped"' in page and "Chưa đăng ký chi bộ nơi cư trú" in page
    past = client.post(url, {"source": "superior_committee", "deadline": "01/12/2026"})
    assert past.status_code == 400 and "đã qua" in past.content.decode()
    assert not OpinionRequest.objects.exists()


def test_the_chi_uy_comment_and_the_conclusion_are_kept_and_printed(scene, client):
    binh = scene.subjects["binh"]
    from kiemdiem.reviews import services as reviews

    reviews.review_start(subject=binh, actor=None)
    client.force_login(scene.users["secretary"])
    url = reverse("review-note-write", args=[binh.pk, "cell_comment"])
    assert (
        client.post(url, {"revision": 0, "text": "Chi ủy nhận xét: hoàn thành tốt."}).status_code
        == 302
    )
    stale = client.post(url, {"revision": 0, "text": "Trang cũ"})
    assert stale.status_code == 400
    assert client.post(url, {"revision": 1, "text": "Chi ủy nhận xét (sửa)."}).status_code == 302
    # the secretary does not conclude: that is the deciding level's
    conclusion = reverse("review-note-write", args=[binh.pk, "conclusion"])
    assert client.post(conclusion, {"revision": 0, "text": "x"}).status_code == 404
    client.force_login(scene.users["decider"])
    assert client.post(conclusion, {"revision": 0, "text": "Đồng ý mức HTTNV."}).status_code == 302
    assert list(ReviewNote.objects.order_by("kind", "version").values_list("kind", "version")) == [
        ("cell_comment", 1),
        ("cell_comment", 2),
        ("conclusion", 1),
    ]
    # the member does not comment on her own review
    client.force_login(scene.users["member"])
    assert client.post(url, {"revision": 2, "text": "x"}).status_code == 404
    # printed in their blocks of the form: the newest versions
    printed = client.get(reverse("review-print", args=[binh.pk])).content.decode()
    comments = printed.split('id="block-comments"')[1].split('id="block-conclusion"')[0]
    assert "Chi ủy nhận xét (sửa)." in comments and "hoàn thành tốt" not in comments
    assert "Đồng ý mức HTTNV." in printed.split('id="block-conclusion"')[1]
