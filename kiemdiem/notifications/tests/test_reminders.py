"""Daily reminders: before and after the self-review deadline, a digest for staff, each sent once,
in the recipient's language, by e-mail when there is an address."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command

from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectStatus
from kiemdiem.notifications.models import Notification
from kiemdiem.notifications.reminders import send_reminders
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import open_annual

D = datetime.date
SOON = D(2025, 12, 8)  # the self-review is due on 10/12/2025
LATE = D(2025, 12, 11)


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    users = province.users
    users["member"].email, users["member"].language = "binh@example.vn", "en"
    users["secretary"].email = "an@example.vn"  # Vietnamese, the default
    users["staff_a"].email, users["staff_a"].language = "staff.a@example.vn", "en"
    users["staff_p"].email = "staff.p@example.vn"
    for name in ("member", "secretary", "staff_a", "staff_p"):
        users[name].save()
    return cycle


def _keys(user):
    return sorted(Notification.objects.filter(user=user).values_list("key", flat=True))


def test_nothing_before_the_reminder_window(province, cycle):
    sent = send_reminders(day=D(2025, 12, 1), before=3)
    assert sent.notices == 0 and mail.outbox == []


def test_reminders_before_the_deadline_in_each_ones_language(province, cycle):
    send_reminders(day=SOON, before=3)
    member, secretary = province.users["member"], province.users["secretary"]
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    assert _keys(member) == [f"self-review-due:{cycle.pk}:{binh.pk}"]
    # An writes his own review (as head of the cell) and the cell's report, which he heads
    assert len(_keys(secretary)) == 2
    to_member = [m for m in mail.outbox if m.to == ["binh@example.vn"]]
    assert len(to_member) == 1
    assert to_member[0].subject == "[kiemdiem] Reminder: your self-review is due on 10/12/2025"
    assert "Kiểm điểm năm 2025" in to_member[0].body
    assert f"/reviews/subjects/{binh.pk}/" in to_member[0].body
    to_secretary = [m for m in mail.outbox if m.to == ["an@example.vn"]]
    assert len(to_secretary) == 2
    assert sorted(m.subject for m in to_secretary) == [
        "[kiemdiem] Nhắc việc: hạn nộp báo cáo kiểm điểm của Chi bộ thôn Đông là ngày 10/12/2025",
        "[kiemdiem] Nhắc việc: hạn nộp bản tự kiểm điểm là ngày 10/12/2025",
    ]
    report = next(m for m in to_secretary if "báo cáo" in m.subject)
    assert "Đồng chí là người đứng đầu, có trách nhiệm nộp báo cáo này." in report.body
    assert Notification.objects.filter(user=member, emailed=True).count() == 1
    # no digest before anything is overdue
    assert not Notification.objects.filter(key__startswith="overdue-digest").exists()


def test_running_twice_sends_nothing_new(province, cycle):
    first = send_reminders(day=SOON, before=3)
    outbox = len(mail.outbox)
    again = send_reminders(day=SOON, before=3)
    assert first.notices > 0 and again.notices == 0 and again.emails == 0
    assert len(mail.outbox) == outbox
    late = send_reminders(day=LATE, before=3)
    outbox = len(mail.outbox)
    assert late.notices > 0 and late.digests > 0
    assert send_reminders(day=LATE, before=3).notices == 0
    assert len(mail.outbox) == outbox


def test_overdue_reminder_and_staff_digests(province, cycle):
    SelfReview.objects.create(
        subject=Subject.objects.get(cycle=cycle, person=province.members["cuong"]),
        form_key="2A",
        status="submitted",
    )
    Subject.objects.filter(cycle=cycle, person=province.members["dung"]).update(
        status=SubjectStatus.NOT_RATED, reason="Miễn sinh hoạt"
    )
    send_reminders(day=LATE, before=3)
    member = province.users["member"]
    overdue = Notification.objects.get(user=member, key__startswith="self-review-overdue")
    assert "was due on 10/12/2025 and has not been submitted yet" in overdue.text  # English
    # digests: staff of the province and of each commune, the cell secretary, the admin
    digest = Notification.objects.get(user=province.users["staff_p"], key__startswith="overdue")
    assert digest.key == f"overdue-digest:{cycle.pk}:2025-12-11"
    assert digest.text.startswith("Việc quá hạn trong Kiểm điểm năm 2025, tính đến ngày 11/12/2025")
    # the province's subtree: 12 subjects, Cường submitted, Dung out of the rating
    assert "Đảng bộ tỉnh Thử — bản tự kiểm điểm chưa nộp: 10; chưa xếp loại: 0" in digest.text
    assert digest.url == f"/cycles/{cycle.pk}/units/{province.province.pk}/board/"
    staff_a = Notification.objects.get(user=province.users["staff_a"], key__startswith="overdue")
    # A: A, A1, A2, the agency, An, Bình (Cường submitted)
    assert "Đảng bộ xã An Bình — self-reviews not submitted: 6" in staff_a.text
    staff_b = Notification.objects.get(user=province.users["staff_b"], key__startswith="overdue")
    assert "chưa nộp: 2" in staff_b.text  # B and B1; Dung is not rated
    assert not staff_b.emailed  # no address
    assert Notification.objects.filter(
        user=province.users["secretary"], key__startswith="overdue"
    ).exists()
    assert not Notification.objects.filter(user=province.users["decider"]).exists()  # no change
    assert not Notification.objects.filter(user=province.users["inspector"]).exists()
    cuong = Subject.objects.get(cycle=cycle, person=province.members["cuong"])
    assert not Notification.objects.filter(key__endswith=f":{cuong.pk}").exists()
    mails = [m for m in mail.outbox if m.to == ["staff.a@example.vn"]]
    assert [m.subject for m in mails] == ["[kiemdiem] Overdue reviews in Kiểm điểm năm 2025"]
    # the next day brings a new digest, but no second personal reminder
    send_reminders(day=LATE + datetime.timedelta(days=1), before=3)
    assert Notification.objects.filter(user=member).count() == 1
    assert Notification.objects.filter(user=province.users["staff_p"]).count() == 2


def test_a_failed_email_is_sent_again_next_run(province, cycle, monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise OSError("smtp down")

    monkeypatch.setattr(mail, "send_mail", broken)
    sent = send_reminders(day=SOON, before=3)
    assert sent.failed == len(calls) > 0 and sent.emails == 0
    assert not Notification.objects.filter(emailed=True).exists()
    monkeypatch.undo()
    again = send_reminders(day=SOON, before=3)
    assert again.notices == 0 and again.emails == len(calls)
    assert len(mail.outbox) == len(calls)


def test_closed_cycles_are_left_alone(province, cycle):
    type(cycle).objects.filter(pk=cycle.pk).update(status="closed")
    assert send_reminders(day=LATE, before=3).notices == 0


def test_the_command(province, cycle, settings):
    settings.KIEMDIEM_REMINDER_DAYS_BEFORE = 1
    out = io.StringIO()
    call_command("send_reminders", "--date", "08/12/2025", stdout=out)
    assert out.getvalue().startswith("notices: 0,")  # 2 days before: outside a 1-day window
    out = io.StringIO()
    call_command(
        "send_reminders", "--date", "09/12/2025", "--base-url", "https://kd.example.vn/", stdout=out
    )
    assert "notices: 3" in out.getvalue()
    assert "https://kd.example.vn/reviews/subjects/" in mail.outbox[0].body


def test_no_reminder_of_a_report_the_front_does_not_write(province):
    """The Front's tier is recorded (no self-review of ours): its head hears nothing of it."""
    from kiemdiem.orgtree import services as tree
    from kiemdiem.testing import hold_post

    front = tree.unit_create(
        code="A-MT",
        name="Ủy ban MTTQ xã An Bình",
        kind="mat_tran",
        parent=province.commune_a,
        valid_from=D(2020, 1, 1),
        actor=None,
    )
    hold_post(province.members["binh"], front, title="Chủ tịch", role="head")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    front_subject = Subject.objects.get(cycle=cycle, unit=front)
    send_reminders(day=LATE, before=3)
    keys = _keys(province.users["member"])
    assert keys and not [k for k in keys if k.endswith(f":{front_subject.pk}")]
