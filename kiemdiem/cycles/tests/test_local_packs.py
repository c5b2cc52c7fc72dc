"""Local rule packs: checked and stored by ``manage.py load_rule_pack``, pinned to a cycle by the
issuing province's staff before the first rating there, read by the engine and shown in words."""

from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kiemdiem import rules_engine
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import services, subjects
from kiemdiem.cycles.models import LocalPack, PinnedPack, Subject, SubjectKind, SubjectStatus
from kiemdiem.reviews import engine
from kiemdiem.testing import FULL_2025, open_annual

GOOD = Path(__file__).parent / "packs" / "R2025-P.toml"


def write(tmp_path, text, name="pack.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path, *args):
    out = StringIO()
    call_command("load_rule_pack", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


@pytest.fixture
def local(province):
    load(GOOD)
    return LocalPack.objects.get()


def test_the_command_checks_and_stores_a_good_file(province):
    out = load(GOOD, "--check")
    assert "R2025-P" in out and "chưa lưu" in out and "Đã lưu" not in out
    assert not LocalPack.objects.exists()
    out = load(GOOD)
    stored = LocalPack.objects.get()
    pack = rules_engine.load_pack_file(GOOD)
    assert (stored.pack_id, stored.version, stored.extends) == ("R2025-P", "2025.1-p.1", "R2025")
    assert stored.issuer == province.province and stored.content_hash == pack.hash
    assert stored.text == GOOD.read_text(encoding="utf-8") and pack.hash in out
    assert LogEntry.objects.filter(action="rule_pack.loaded").count() == 1
    load(GOOD)  # the same text again: the stored row, nothing new
    assert LocalPack.objects.count() == 1
    with pytest.raises(ValueError):
        stored.save()  # never edited in place


def test_check_of_a_text_already_stored_says_checked_not_stored(province):
    load(GOOD)
    audit = LogEntry.objects.count()
    out = load(GOOD, "--check")  # was: "Đã lưu …", as if --check had stored it
    assert "Đã lưu" not in out and "đã được lưu trước đó" in out and "không lưu lại" in out
    out = load(GOOD)  # loading it again: the stored row, said so
    assert "Đã lưu" not in out and "Không lưu thêm gì" in out
    assert LocalPack.objects.count() == 1 and LogEntry.objects.count() == audit


def test_extends_given_as_a_list_is_a_clear_error_not_a_traceback(province, tmp_path):
    text = GOOD.read_text(encoding="utf-8").replace('extends = "R2025"', 'extends = ["R2025"]')
    for args in ((), ("--check",)):
        with pytest.raises(CommandError) as error:  # was TypeError: unhashable type: 'list'
            load(write(tmp_path, text), *args)
        assert "pack.toml:3: [rules.E002]" in str(error.value)
        assert "extends" in str(error.value)
    assert not LocalPack.objects.exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # a loosened central threshold: the file, the line of the parameter, the code and key
        ('value = "95"', 'value = "80"', ("pack.toml:12:", "rules.E021", "htxs_min_score")),
        # a misspelt field in a rule: the rule's condition line, the rule named
        (
            'when = "pct_tasks_exceeded >= 40"',
            'when = "pct_tasks_exceded >= 40"',
            ("pack.toml:19:", "rules.E003", "P-A9"),
        ),
        # broken TOML: the parser's line
        ("[[kinds.party_member.rules]]", "[[kinds.party_member.rules]", ("pack.toml:15:", "E001")),
        # not marked with a known issuing unit
        ('issuer = "P"', 'issuer = "NOWHERE"', ("pack.toml:7:", "issuer", "NOWHERE")),
        # not a local pack
        ('extends = "R2025"\n', "", ("pack.toml",)),
    ],
)
def test_a_bad_file_is_refused_naming_file_line_and_rule_and_nothing_is_stored(
    province, tmp_path, old, new, expected
):
    text = GOOD.read_text(encoding="utf-8")
    assert old in text
    path = write(tmp_path, text.replace(old, new))
    for args in ((), ("--check",)):
        with pytest.raises(CommandError) as error:
            load(path, *args)
        for part in expected:
            assert part in str(error.value)
    assert (
        not LocalPack.objects.exists()
        and not LogEntry.objects.filter(action="rule_pack.loaded").exists()
    )


def test_a_changed_text_under_the_same_version_is_refused(province, tmp_path, local):
    text = GOOD.read_text(encoding="utf-8").replace('value = "95"', 'value = "96"')
    with pytest.raises(CommandError, match="version"):
        load(write(tmp_path, text))
    assert LocalPack.objects.count() == 1
    load(write(tmp_path, text.replace("2025.1-p.1", "2025.1-p.2")))  # a new version is fine
    assert LocalPack.objects.count() == 2


def test_the_provinces_staff_pin_it_and_the_engine_rates_by_it(cycle, province, local):
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])
    assert engine.evaluate(binh, FULL_2025)["tier"] == "HTXSNV"  # central R2025: 92 ≥ 90
    pin = services.cycle_pin_local_pack(
        cycle=cycle, local_pack=local, actor=province.users["staff_p"]
    )
    assert (pin.pack_id, pin.scope, pin.pinned_by) == (
        "R2025-P",
        province.province,
        province.users["staff_p"],
    )
    assert LogEntry.objects.filter(action="cycle.pack_pinned").count() == 1
    binh = Subject.objects.get(pk=binh.pk)  # a fresh read: the pin is kept per object
    result = engine.evaluate(binh, FULL_2025)
    assert (result["pack"], result["tier"]) == ("R2025-P", "HTTNV")  # the province asks 95
    with pytest.raises(ValidationError, match="không bao giờ bị thay thế"):
        services.cycle_pin_local_pack(cycle=cycle, local_pack=local, actor=None)


def test_a_local_pin_covers_only_the_issuers_subtree(cycle, province, tmp_path):
    text = GOOD.read_text(encoding="utf-8").replace('issuer = "P"', 'issuer = "B"')
    load(write(tmp_path, text))
    services.cycle_pin_local_pack(
        cycle=cycle, local_pack=LocalPack.objects.get(), actor=province.users["staff_b"]
    )
    binh = Subject.objects.get(cycle=cycle, person=province.members["binh"])  # cell A1
    dung = Subject.objects.get(cycle=cycle, person=province.members["dung"])  # cell B1
    assert engine.pin_of(binh).pack_id == "R2025"
    assert engine.pin_of(dung).pack_id == "R2025-P"


def test_pinning_is_refused_to_others_after_the_first_rating_and_for_another_regime(
    cycle, province, local, tmp_path
):
    audit = LogEntry.objects.count()
    for user in (province.users["staff_a"], province.users["decider"], province.users["nogrant"]):
        with pytest.raises(PermissionDenied):
            services.cycle_pin_local_pack(cycle=cycle, local_pack=local, actor=user)
    assert LogEntry.objects.count() == audit
    subject = Subject.objects.filter(cycle=cycle, kind=SubjectKind.PARTY_MEMBER).first()
    Subject.objects.filter(pk=subject.pk).update(status=SubjectStatus.RATED, tier="HTTNV")
    with pytest.raises(ValidationError, match="kết quả xếp loại đầu tiên"):
        services.cycle_pin_local_pack(
            cycle=cycle, local_pack=local, actor=province.users["staff_p"]
        )
    assert not PinnedPack.objects.filter(local_pack__isnull=False).exists()
    older = open_annual(province, 2019)  # runs under R2019: an R2025 pack is not its rule set
    with pytest.raises(ValidationError, match="R2025"):
        services.cycle_pin_local_pack(cycle=older, local_pack=local, actor=None)


def test_the_rules_page_reads_the_pinned_pack_in_words(client, cycle, province, local):
    pin = services.cycle_pin_local_pack(cycle=cycle, local_pack=local, actor=None)
    url = reverse("cycle-pack-rules", args=[cycle.pk, pin.pk])
    client.force_login(province.users["member"])  # Bình may view the cycle
    page = client.get(url).content.decode()
    assert "Bộ tiêu chí của Tỉnh ủy Thử" in page
    assert "Ít nhất 40% nhiệm vụ hoàn thành vượt mức (quy định của Tỉnh)" in page
    assert "Hướng dẫn 05-HD/TU của Tỉnh ủy, mục 2.1" in page or "mục 2.1" in page
    assert "Tỷ lệ nhiệm vụ hoàn thành vượt mức (%) ≥ 40" in page  # the condition in words
    assert "điểm tối thiểu mức HTXSNV (95)" in page  # the raised threshold, its value
    detail = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert url in detail
    client.force_login(province.users["nogrant"])
    assert client.get(url).status_code == 404


def test_the_cycle_page_pins_for_the_provinces_staff_only(client, cycle, province, local):
    url = reverse("cycle-pack-pin", args=[cycle.pk])
    client.force_login(province.users["staff_a"])  # commune staff: not the issuer's
    detail = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert 'name="local_pack"' not in detail
    assert client.post(url, {"local_pack": local.pk}).status_code == 403
    assert not PinnedPack.objects.filter(local_pack=local).exists()
    client.force_login(province.users["staff_p"])
    detail = client.get(reverse("cycle-detail", args=[cycle.pk])).content.decode()
    assert 'name="local_pack"' in detail
    assert client.post(url, {"local_pack": local.pk}).status_code == 302
    assert PinnedPack.objects.get(local_pack=local).scope == province.province


@pytest.mark.parametrize("raw", ["²", "١٢", "1" * 30, "-1", " 1"])
def test_a_pin_form_with_no_number_is_a_message_not_a_crash(client, cycle, province, raw):
    # "²".isdigit() is True and int("²") raises: formerly a 500 on the pin form.
    client.force_login(province.users["staff_p"])
    response = client.post(reverse("cycle-pack-pin", args=[cycle.pk]), {"local_pack": raw})
    assert response.status_code == 302
    assert not PinnedPack.objects.exclude(local_pack=None).exists()


def minimal(pack_id, extends, issuer="P"):
    """A local pack that changes nothing: enough to pin."""
    return (
        f'schema = 1\nid = "{pack_id}"\nextends = "{extends}"\nversion = "1"\n'
        f'title_vi = "Bộ {pack_id}"\ntitle_en = "{pack_id}"\nissuer = "{issuer}"\n'
    )


def stored(pack_id, extends, issuer="P"):
    return services.local_pack_load(text=minimal(pack_id, extends, issuer), actor=None)[1]


def test_local_packs_for_different_state_kinds_are_pinned_side_by_side(province):
    cycle = open_annual(province, 2026)  # NĐ 335 for công chức, NĐ 90 still for viên chức
    services.cycle_pin_local_pack(cycle=cycle, local_pack=stored("ND335-P", "ND335"), actor=None)
    # Before: refused as "already pinned" (the check compared the track only).
    services.cycle_pin_local_pack(cycle=cycle, local_pack=stored("ND90-P", "ND90-48"), actor=None)
    pins = list(cycle.packs.select_related("scope", "local_pack"))
    cong_chuc = Subject(cycle=cycle, track="state", kind="cong_chuc", unit=province.agency)
    vien_chuc = Subject(cycle=cycle, track="state", kind="vien_chuc", unit=province.agency)
    assert engine.choose_pin(pins, cong_chuc).pack_id == "ND335-P"
    assert engine.choose_pin(pins, vien_chuc).pack_id == "ND90-P"
    # The same kinds again inside the scope are still refused, and nothing is added.
    with pytest.raises(ValidationError, match="ND90-P"):
        services.cycle_pin_local_pack(
            cycle=cycle, local_pack=stored("ND90-A", "ND90-48", issuer="A"), actor=None
        )
    assert cycle.packs.filter(local_pack__isnull=False).count() == 2


def test_overlap_needs_the_same_track_a_common_kind_and_nested_scopes(province):
    pin = PinnedPack(
        track="state", subject_kinds=["cong_chuc", "cong_chuc_leader"], scope=province.commune_a
    )
    assert services.overlaps(pin, track="state", kinds=["cong_chuc"], scope=province.province)
    assert services.overlaps(pin, track="state", kinds=["cong_chuc"], scope=province.cell_a1)
    assert not services.overlaps(pin, track="state", kinds=["vien_chuc"], scope=province.commune_a)
    assert not services.overlaps(pin, track="party", kinds=["cong_chuc"], scope=province.commune_a)
    assert not services.overlaps(pin, track="state", kinds=["cong_chuc"], scope=province.commune_b)


def test_choose_pin_is_the_same_whatever_the_order_narrowest_then_latest(province):
    binh = Subject(track="party", kind=SubjectKind.PARTY_MEMBER, unit=province.cell_a1)
    central = PinnedPack(pk=1, track="party", pack_id="R2025", subject_kinds=["party_member"])
    day = timezone.now()

    def local(pk, scope, minutes):
        return PinnedPack(
            pk=pk,
            track="party",
            pack_id=f"L{pk}",
            local_pack_id=pk,
            scope=scope,
            subject_kinds=["party_member"],
            pinned_at=day + timedelta(minutes=minutes),
        )

    earlier, later = local(2, province.commune_a, 0), local(3, province.commune_a, 5)
    province_wide = local(4, province.province, 10)
    for pins in (
        [central, earlier, later, province_wide],
        [province_wide, later, earlier, central],
    ):
        assert engine.choose_pin(pins, binh) is later  # before: the first of the two in the list
    dung = Subject(track="party", kind=SubjectKind.PARTY_MEMBER, unit=province.cell_b1)
    assert engine.choose_pin([central, earlier, later, province_wide], dung) is province_wide
    assert engine.choose_pin([earlier, central], dung) is central


def test_pinnable_packs_are_found_in_one_query_whatever_their_number(
    province, django_assert_max_num_queries
):
    from kiemdiem.accounts.models import User
    from kiemdiem.cycles.views import pinnable_local_packs
    from kiemdiem.orgtree import services as tree

    other = tree.unit_create(
        code="Q",
        name="Đảng bộ tỉnh Khác",
        kind="dang_bo_tinh",
        parent=None,
        valid_from=province.province.valid_from,
        actor=None,
    )
    units = {
        "P": province.province,
        "A": province.commune_a,
        "B": province.commune_b,
        "A1": province.cell_a1,
        "Q": other,
    }
    for code, unit in units.items():
        for i in range(8):
            LocalPack.objects.create(
                pack_id=f"{code}-{i}",
                version="1",
                extends="R2025",
                title=code,
                issuer=unit,
                text="",
                content_hash=f"{code}-{i}",
            )
    cycle = open_annual(province, 2025)  # opened at P
    commune = cycles_open_at(province, province.commune_a)

    def codes(username, of):
        user = User.objects.get(username=username)  # a fresh user: no cached grants
        with django_assert_max_num_queries(2):  # the grants, then the packs
            found = pinnable_local_packs(user, of)
        return sorted({lp.issuer.code for lp in found}), len(found)

    assert codes("staff_p", cycle) == (["A", "A1", "B", "P"], 32)
    assert codes("staff_a", cycle) == (["A", "A1"], 16)
    assert codes("nogrant", cycle) == ([], 0)
    # A cycle opened at A: P's packs apply to all of it, B's nowhere in it.
    assert codes("staff_p", commune) == (["A", "A1", "P"], 24)
    PinnedPack.objects.create(
        cycle=cycle,
        track="party",
        pack_id="A-0",
        pack_version="1",
        pack_hash="A-0",
        local_pack=LocalPack.objects.get(pack_id="A-0"),
        scope=province.commune_a,
    )
    assert codes("staff_a", cycle) == (["A", "A1"], 15)  # a pinned pack is not offered again


def cycles_open_at(province, root):
    from kiemdiem.cycles import services as cycle_services
    from kiemdiem.testing import annual_stages

    return cycle_services.cycle_open(
        code="KD2025A",
        name="Kiểm điểm năm 2025 (xã)",
        kind="annual",
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        root=root,
        stages=annual_stages(2025),
        actor=None,
    )
