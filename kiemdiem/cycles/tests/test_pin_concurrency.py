"""Pinning local rule packs under real concurrent transactions (PostgreSQL: row locks do
nothing on SQLite). The pattern of ``reviews/tests/test_concurrency.py``."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from kiemdiem.cycles import services, subjects
from kiemdiem.cycles.models import PinnedPack
from kiemdiem.reviews import services as reviews
from kiemdiem.reviews.tests.test_concurrency import Held, review_of
from kiemdiem.testing import open_annual

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
    ),
]


def local(pack_id, issuer):
    text = (
        f'schema = 1\nid = "{pack_id}"\nextends = "R2025"\nversion = "1"\n'
        f'title_vi = "Bộ {pack_id}"\ntitle_en = "{pack_id}"\nissuer = "{issuer}"\n'
    )
    return services.local_pack_load(text=text, actor=None)[1]


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def test_two_overlapping_pins_take_turns_and_the_second_is_refused(cycle, province):
    province_pack, commune_pack = local("R2025-P", "P"), local("R2025-A", "A")
    held = Held(
        lambda: services.cycle_pin_local_pack(cycle=cycle, local_pack=province_pack, actor=None)
    )
    held.start()
    assert held.ready.wait(20) and held.error is None
    try:
        # Before: both took the shared FOR KEY SHARE lock, neither saw the other's pin, and
        # the cycle ended with two local pins over A for the party track.
        with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '300ms'")
            services.cycle_pin_local_pack(cycle=cycle, local_pack=commune_pack, actor=None)
    finally:
        held.release()
    assert held.error is None
    with pytest.raises(ValidationError, match="R2025-P"):
        services.cycle_pin_local_pack(cycle=cycle, local_pack=commune_pack, actor=None)
    assert list(PinnedPack.objects.filter(local_pack__isnull=False).values_list("pack_id")) == [
        ("R2025-P",)
    ]


def test_a_pin_waits_for_a_self_review_save_in_flight(cycle, province):
    binh = review_of(cycle, province.members["binh"])
    pack = local("R2025-P", "P")
    held = Held(
        lambda: reviews.review_save(
            review=binh, content={"tu_tuong": "Đang lưu"}, proposed_tier="", actor=None
        )
    )
    held.start()
    assert held.ready.wait(20) and held.error is None
    try:
        with pytest.raises(Exception, match="lock timeout"), transaction.atomic():
            connection.cursor().execute("SET LOCAL lock_timeout = '300ms'")
            services.cycle_pin_local_pack(cycle=cycle, local_pack=pack, actor=None)
    finally:
        held.release()
    assert held.error is None
    assert not PinnedPack.objects.filter(local_pack=pack).exists()
