"""Peer comments: who may comment and when, the threshold, and that nobody but the author can
tell who wrote a comment — not the pages, not the secretary, not the audit log."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles.models import Plan
from kiemdiem.opinions import selectors, services
from kiemdiem.opinions.models import PeerComment, PeerCommenter

D = datetime.date


def comment(scene, who, on, text):
    return services.peer_comment_write(
        subject=scene.subjects[on], actor=scene.users[who], text=text
    )


def test_under_the_threshold_nothing_is_shown_over_it_the_texts_without_names(scene):
    binh = scene.subjects["binh"]
    comment(scene, "giang", "binh", "Chị Bình nhiệt tình.")
    comment(scene, "hoa", "binh", "Cần đúng giờ hơn.")
    for reader in ("member", "secretary", "staff_a"):  # the subject, the meeting
        seen = selectors.peer_comments(scene.users[reader], binh)
        assert seen.count == 2 and not seen.shown and seen.comments == []
    comment(scene, "khanh", "binh", "Gương mẫu.")
    seen = selectors.peer_comments(scene.users["member"], binh)
    assert seen.shown and sorted(seen.comments) == sorted(
        ["Chị Bình nhiệt tình.", "Cần đúng giờ hơn.", "Gương mẫu."]
    )
    # a peer who is not the subject nor the meeting reads nothing
    assert selectors.peer_comments(scene.users["giang"], binh) is None


def test_the_threshold_is_set_per_cycle_on_the_plan(scene):
    Plan.objects.filter(cycle=scene.cycle).update(peer_comment_threshold=2)
    comment(scene, "giang", "binh", "Một")
    assert not selectors.peer_comments(scene.users["member"], scene.subjects["binh"]).shown
    comment(scene, "hoa", "binh", "Hai")
    assert selectors.peer_comments(scene.users["member"], scene.subjects["binh"]).shown


def test_the_secretary_sees_who_has_not_commented_never_who_wrote_what(scene, client):
    comment(scene, "giang", "binh", "Nội dung của Giang")
    comment(scene, "hoa", "binh", "Nội dung của Hoa")
    comment(scene, "khanh", "binh", "Nội dung của Khánh")
    missing = selectors.not_commented(scene.users["secretary"], scene.subjects["binh"])
    assert [p.given_name for p in missing] == ["An"]
    assert selectors.not_commented(scene.users["member"], scene.subjects["binh"]) is None
    client.force_login(scene.users["secretary"])
    page = client.get(
        reverse("subject-opinions", args=[scene.subjects["binh"].pk])
    ).content.decode()
    section = page.split('id="peer-comments"')[1].split("</section>")[0]
    assert "Nội dung của Hoa" in section and "Nguyễn Văn An" in section  # An: not yet
    # the names of those who commented appear nowhere in the comments' section
    for name in ("Hoàng Văn Giang", "Vũ Thị Hoa", "Đặng Văn Khánh"):
        assert name not in section


def test_nothing_stored_or_logged_names_the_author(scene):
    made = comment(scene, "giang", "binh", "Bí mật")
    fields = {f.name for f in PeerComment._meta.get_fields()}
    assert fields == {"id", "subject", "text", "author_tag", "written_on"}
    assert made.author_tag != str(scene.users["giang"].person_id)
    assert isinstance(made.pk, type(PeerCommenter.objects.get().pk))  # random ids, both
    entry = LogEntry.objects.get(action="peer_comment.written")
    assert entry.actor_id is None and entry.object_id == str(scene.subjects["binh"].pk)
    assert entry.data == {"text": "***", "author": "***"}
    # the author alone finds their comment again
    assert selectors.own_comment(scene.users["giang"], scene.subjects["binh"]) == made
    assert selectors.own_comment(scene.users["hoa"], scene.subjects["binh"]) is None


def test_writing_again_corrects_the_one_comment(scene):
    comment(scene, "giang", "binh", "Lần một")
    comment(scene, "giang", "binh", "Lần hai")
    assert list(PeerComment.objects.values_list("text", flat=True)) == ["Lần hai"]
    assert PeerCommenter.objects.count() == 1


def test_who_may_not_comment(scene, day):
    with pytest.raises(PermissionDenied):
        comment(scene, "member", "binh", "Tự khen")  # oneself
    with pytest.raises(PermissionDenied):
        comment(scene, "cuong", "binh", "Chi bộ khác")  # another cell
    with pytest.raises(PermissionDenied):
        comment(scene, "staff_a", "binh", "Không phải đảng viên chi bộ")  # no person
    day.set(D(2026, 11, 19))  # before the opinions stage
    with pytest.raises(ValidationError, match="20/11/2026"):
        comment(scene, "giang", "binh", "Sớm")
    day.set(D(2026, 12, 21))  # after the meeting stage
    with pytest.raises(ValidationError):
        comment(scene, "giang", "binh", "Muộn")
    assert not PeerComment.objects.exists() and not PeerCommenter.objects.exists()


def test_the_peer_pages(scene, client):
    client.force_login(scene.users["giang"])
    listing = client.get(reverse("peer-comments")).content.decode()
    assert "Trần Thị Bình" in listing
    assert reverse("peer-comment", args=[scene.subjects["giang"].pk]) not in listing
    url = reverse("peer-comment", args=[scene.subjects["binh"].pk])
    assert client.post(url, {"text": "Tốt"}).status_code == 302
    assert client.post(url, {"text": ""}).status_code == 400
    # a member of another cell cannot open it
    client.force_login(scene.users["cuong"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "x"}).status_code == 404


def test_whoever_edits_the_plan_sets_the_threshold(scene, province):
    from kiemdiem.cycles import services as cycles
    from kiemdiem.testing import annual_stages

    plan = Plan.objects.get(cycle=scene.cycle, unit=province.province)
    with pytest.raises(ValidationError, match="1 đến 50"):
        cycles.plan_revise(
            plan=plan,
            stages=annual_stages(2026),
            guidance="",
            peer_comment_threshold=0,
            actor=scene.users["staff_p"],
        )
    cycles.plan_revise(
        plan=plan,
        stages=annual_stages(2026),
        guidance="",
        peer_comment_threshold=4,
        actor=scene.users["staff_p"],
    )
    assert services.threshold(scene.subjects["binh"]) == 4
    with pytest.raises(PermissionDenied):  # a cell's secretary does not edit the province's
        cycles.plan_revise(
            plan=plan,
            stages=annual_stages(2026),
            guidance="",
            peer_comment_threshold=1,
            actor=scene.users["secretary"],
        )
    assert Plan.objects.get(pk=plan.pk).peer_comment_threshold == 4
