import datetime

from django.db import transaction
from django.utils import translation

from kiemdiem.audit.display import describe
from kiemdiem.audit.models import LogEntry
from kiemdiem.audit.services import log_action
from kiemdiem.orgtree import services


def test_details_read_as_sentences_with_names_labels_and_dates(province):
    services.unit_move(
        unit=province.cell_a2,
        new_parent=province.commune_b,
        effective=datetime.date(2025, 7, 1),
        actor=None,
    )
    services.unit_update(
        unit=province.cell_b1,
        name="Chi bộ khu phố Một",
        kind="chi_bo_co_so",
        managed_by=None,
        actor=None,
    )
    moved, updated = describe(
        LogEntry.objects.filter(action__in=["unit.moved", "unit.updated"]).order_by("id")
    )
    assert ("Đơn vị cấp trên", "Đảng bộ xã An Bình → Đảng bộ phường Bến Thành") in [
        (str(k), v) for k, v in moved.details
    ]
    assert ("Ngày hiệu lực", "01/07/2025") in [(str(k), v) for k, v in moved.details]
    texts = [v for _k, v in updated.details]
    assert "Chi bộ khu phố 1 → Chi bộ khu phố Một" in texts
    assert "Chi bộ trực thuộc → Chi bộ cơ sở" in texts


def test_admin_changes_name_the_fields_and_the_site(province):
    user = province.users["member"]
    with transaction.atomic():
        entry = log_action(
            "user.updated",
            actor=province.users["admin"],
            target=user,
            data={"fields": ["email", "is_active"], "via": "admin"},
        )
    with translation.override("en"):
        (entry,) = describe([entry])
        lines = [(str(k), v) for k, v in entry.details]
    assert lines == [
        ("Fields changed", "Email address, Active"),
        ("Made in", "the administration site"),
    ]
