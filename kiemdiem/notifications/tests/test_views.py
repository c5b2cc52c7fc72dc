"""The notifications page: one's own notices only, mark read, mark all read, the count badge."""

import pytest
from django.urls import reverse

from kiemdiem.notifications.models import Notification
from kiemdiem.notifications.services import notify


@pytest.fixture
def notices(province):
    member, other = province.users["member"], province.users["staff_a"]
    return {
        "first": notify(member, key="a", text="Bản tự kiểm điểm bị trả lại", url="/cycles/"),
        "second": notify(member, key="b", text="Hạn nộp là ngày 10/12/2025"),
        "other": notify(other, key="a", text="Thông báo của người khác"),
    }


def test_the_list_shows_ones_own_notices_and_the_badge(client, province, notices):
    client.force_login(province.users["member"])
    page = client.get(reverse("notification-list")).content.decode()
    assert "Bản tự kiểm điểm bị trả lại" in page and "Hạn nộp là ngày 10/12/2025" in page
    assert "Thông báo của người khác" not in page
    assert "2 chưa đọc" in page
    assert '<span class="count">2<span class="sr-only"> chưa đọc</span></span>' in page
    assert "Đánh dấu tất cả là đã đọc" in page
    # the badge is on every page
    home = client.get(reverse("home")).content.decode()
    assert '<span class="count">2' in home


def test_notify_dedupes_by_key(province, notices):
    assert notify(province.users["member"], key="a", text="again") is None
    assert Notification.objects.filter(user=province.users["member"]).count() == 2


def test_mark_one_read_and_open_it(client, province, notices):
    client.force_login(province.users["member"])
    response = client.post(reverse("notification-read", args=[notices["second"].pk]))
    assert response.status_code == 302 and response.url == reverse("notification-list")
    notices["second"].refresh_from_db()
    assert notices["second"].read_at is not None
    response = client.post(reverse("notification-read", args=[notices["first"].pk]), {"open": "1"})
    assert response.url == "/cycles/"
    page = client.get(reverse("notification-list")).content.decode()
    assert '<span class="count">' not in page and "0 chưa đọc" in page


def test_an_unsafe_link_is_not_followed(client, province):
    notice = notify(province.users["member"], key="x", text="x", url="https://evil.example/")
    client.force_login(province.users["member"])
    response = client.post(reverse("notification-read", args=[notice.pk]), {"open": "1"})
    assert response.url == reverse("notification-list")


def test_someone_elses_notice_is_not_found(client, province, notices):
    client.force_login(province.users["member"])
    response = client.post(reverse("notification-read", args=[notices["other"].pk]))
    assert response.status_code == 404
    notices["other"].refresh_from_db()
    assert notices["other"].read_at is None


def test_mark_all_read_and_filter_unread(client, province, notices):
    client.force_login(province.users["member"])
    page = client.get(reverse("notification-list"), {"unread": "1"}).content.decode()
    assert "Hạn nộp là ngày 10/12/2025" in page
    response = client.post(reverse("notification-read-all"), follow=True)
    assert "Đã đánh dấu tất cả thông báo là đã đọc." in response.content.decode()
    assert not Notification.objects.filter(user=province.users["member"], read_at=None).exists()
    assert Notification.objects.get(pk=notices["other"].pk).read_at is None
    page = client.get(reverse("notification-list"), {"unread": "1"}).content.decode()
    assert "Không có thông báo nào." in page


def test_reading_needs_a_login_and_a_post(client, province, notices):
    assert client.get(reverse("notification-list")).status_code == 302
    client.force_login(province.users["member"])
    assert client.get(reverse("notification-read-all")).status_code == 405
