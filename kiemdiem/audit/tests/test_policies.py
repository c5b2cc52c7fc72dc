"""``audit.policies``: the log is read where the reader holds ``view_audit``."""

import pytest

from kiemdiem.audit import policies
from kiemdiem.audit.models import LogEntry


@pytest.mark.parametrize(
    ("who", "opens"),
    [
        ("staff_p", True),
        ("staff_b", True),
        ("inspector", True),
        ("decider", True),
        ("admin", True),
        ("secretary", False),
        ("member", False),
        ("nogrant", False),
    ],
)
def test_who_reads_the_audit_log(province, who, opens):
    user = province.users[who]
    assert policies.may_read_log(user) == opens
    entries = policies.readable_entries(user)
    if not opens:
        assert not entries.exists()
    elif who == "staff_b":
        codes = set(entries.values_list("unit__code", flat=True))
        assert codes and codes <= {"B", "B1"}
    else:
        assert entries.count() == LogEntry.objects.filter(unit__isnull=False).count()
