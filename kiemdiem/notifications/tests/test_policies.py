"""``notifications.policies``: a notice is its own user's alone, in the service too."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from kiemdiem.notifications import policies, services


def test_a_notice_is_read_by_its_own_user_only(province):
    member, staff = province.users["member"], province.users["staff_a"]
    notice = services.notify(member, key="k", text="Xin chào")
    assert list(policies.own_notices(member)) == [notice]
    assert not policies.own_notices(staff).exists()
    assert not policies.own_notices(AnonymousUser()).exists()
    assert policies.may_read(member, notice) and not policies.may_read(staff, notice)
    with pytest.raises(PermissionDenied):
        services.mark_read(notice=notice, user=staff)
    notice.refresh_from_db()
    assert notice.read_at is None
    assert services.mark_all_read(user=staff) == 0
    services.mark_read(notice=notice, user=member)
    notice.refresh_from_db()
    assert notice.read_at is not None
