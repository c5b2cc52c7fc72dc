"""The forms as the guides issued them (issue 11, "Forms as issued"), each bullet checked against
shared/domain/regulations.md: §4 (HD 25's 02A/02B), §5.2 and §5.5 (the 2025 forms on the
100-point frame, Mẫu 2C's results, Mẫu 01's responsibility), §3.2 and §11 (2019 cycles and the
prohibitions of QĐ 47), §10–§11 (summaries marked, a province's official wording) and the
blocks of the paper form."""

from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from kiemdiem import rules_engine
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind, Track
from kiemdiem.reviews import catalogue, services
from kiemdiem.reviews.catalogue import wording
from kiemdiem.reviews.models import SelfReview
from kiemdiem.testing import FULL_2025, WRITTEN, employ, open_annual


@pytest.fixture(autouse=True)
def fresh_catalogue():
    """The catalogue is cached per process; a test that points it at local wording reloads it."""
    catalogue.checklists.cache_clear()
    catalogue.forms.cache_clear()
    yield
    catalogue.checklists.cache_clear()
    catalogue.forms.cache_clear()


def cycle_of(province, year):
    cycle = open_annual(province, year)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def member_of(cycle, province, name="binh", kind=SubjectKind.PARTY_MEMBER):
    return Subject.objects.get(cycle=cycle, person=province.members[name], kind=kind)


def summaries(name: str) -> list[str]:
    return [i.id for g in catalogue.checklists()[name].groups for i in g.items if i.is_summary]


# --- 2023 (HD 25): 02A without a post, 02B with one (§4 [V]) ---------------------------------


def test_2023_form_02a_is_for_members_without_a_post_and_02b_for_leaders(province):
    assert catalogue.form_for("R2023", "party_member").code == "Mẫu 02A-HD KĐ.ĐG 2023"
    assert catalogue.form_for("R2023", "party_member_outside").code == "Mẫu 02A-HD KĐ.ĐG 2023"
    assert catalogue.form_for("R2023", "leader").code == "Mẫu 02B-HD KĐ.ĐG 2023"
    assert catalogue.form_for("R2023", "head").code == "Mẫu 02B-HD KĐ.ĐG 2023"
    assert "lanh_dao" not in {s.key for s in catalogue.forms()["M02A_2023"].sections}
    assert "lanh_dao" in {s.key for s in catalogue.forms()["M02B_2023"].sections}
    # the rule set names the same forms for the same kinds
    pack = rules_engine.load_pack("R2023")
    assert "02A" in pack.kind("party_member").label_vi
    assert "02B" in pack.kind("leader").label_vi
    # and a 2023 cycle hands them out so
    cycle = cycle_of(province, 2023)
    assert services.form_of(member_of(cycle, province)).code == "Mẫu 02A-HD KĐ.ĐG 2023"


# --- 2025 (HD 43): the 100-point frame (§5.2), 2C's results, 01's responsibility (§5.5) -------

GENERAL = ["tu_tuong", "dao_duc", "ky_luat", "doi_moi", "tu_phe_binh"]


@pytest.mark.parametrize("key", ["M01_2025", "M2A_2025", "M2B_2025", "M2C_2025"])
def test_each_2025_form_has_the_30_point_general_part_and_the_70_point_task_part(key):
    form = catalogue.forms()[key]
    general, tasks = form.parts
    assert (general.key, general.points, general.feeds) == ("general", 30, "general_score")
    assert (tasks.key, tasks.points, tasks.feeds) == ("tasks", 70, "task_score")
    # every section of a part is scored; the task part has products with points and evidence
    assert all(form.section(s).scored for s in general.sections + tasks.sections)
    assert any(form.section(s).type == "products" for s in tasks.sections)
    if key != "M01_2025":  # §5.2: the individuals' general components
        assert list(general.sections) == GENERAL
        assert all(form.section(s) in form.required() for s in GENERAL)


def test_mau_2c_has_its_results_section_and_mau_01_its_responsibility_section():
    form_2c = catalogue.forms()["M2C_2025"]
    results = form_2c.section("nhiem_vu_ngoai")
    assert results.type == "products" and results in form_2c.required()
    assert results.part == "tasks"
    # the task conditions apply to 2C: its kind keeps the individuals' task rules
    pack = rules_engine.load_pack("R2025")
    inputs = {i.name for i in services.engine.inputs_for(pack, "party_member_outside")}
    assert {"fact.pct_tasks_done", "fact.pct_tasks_exceeded", "fact.task_score"} <= inputs
    form_01 = catalogue.forms()["M01_2025"]
    assert form_01.section("trach_nhiem") in form_01.required()


def test_the_points_written_in_the_parts_feed_the_rating(province):
    cycle = cycle_of(province, 2025)
    user = province.users["member"]
    review = services.review_start(subject=member_of(cycle, province), actor=user)
    content = {
        **WRITTEN,
        **{
            key: {"text": f"Nội dung {key}", "points": p}
            for key, p in zip(GENERAL, "56565", strict=True)
        },
        "nhiem_vu": {
            "text": "Hoàn thành nhiệm vụ",
            "products": [
                {"name": "Báo cáo", "result": "Đúng hạn", "points": "35", "evidence": "Số 12/BC"},
                {"name": "Đề án", "result": "Vượt mức", "points": "30,5", "evidence": "QĐ 5"},
            ],
        },
        # typed scores are replaced by the parts' sums
        "xep_loai": {**FULL_2025, "fact.general_score": "10", "fact.task_score": "10"},
    }
    review = services.review_save(review=review, content=content, proposed_tier="", actor=user)
    rating = review.content["xep_loai"]
    assert rating["fact.general_score"] == "27" and rating["fact.task_score"] == "65.5"
    assert review.engine_result["tier"] == "HTXSNV"  # 92.5 points
    assert review.content["tu_tuong"] == {"text": "Nội dung tu_tuong", "points": "5"}
    assert review.content["nhiem_vu"]["products"][1] == {
        "name": "Đề án",
        "result": "Vượt mức",
        "points": "30.5",
        "evidence": "QĐ 5",
    }


def test_points_beyond_a_part_are_refused_naming_the_field_and_nothing_changes(province):
    cycle = cycle_of(province, 2025)
    user = province.users["member"]
    review = services.review_start(subject=member_of(cycle, province), actor=user)
    review = services.review_save(review=review, content=WRITTEN, proposed_tier="", actor=user)
    before = SelfReview.objects.get(pk=review.pk).content
    with pytest.raises(ValidationError) as one:
        services.review_save(
            review=review,
            content={**WRITTEN, "tu_tuong": {"text": "x", "points": "31"}},
            proposed_tier="",
            actor=user,
        )
    assert "tu_tuong" in one.value.message_dict and "30" in one.value.message_dict["tu_tuong"][0]
    too_many = {key: {"text": "x", "points": "7"} for key in GENERAL}  # 35 > 30
    with pytest.raises(ValidationError) as part:
        services.review_save(
            review=review, content={**WRITTEN, **too_many}, proposed_tier="", actor=user
        )
    assert "35" in str(part.value) and "Phần I" in str(part.value)
    assert SelfReview.objects.get(pk=review.pk).content == before


@pytest.mark.parametrize("points", ["1E-999999999", "2e1", "NaN", "7.125", "0x10", "½"])
def test_points_are_a_plain_number_or_refused(province, points):
    """Decimal reads "1E-999999999" as a small number; written out it is a gigabyte."""
    cycle = cycle_of(province, 2025)
    user = province.users["member"]
    review = services.review_start(subject=member_of(cycle, province), actor=user)
    with pytest.raises(ValidationError) as refused:
        services.review_save(
            review=review,
            content={**WRITTEN, "tu_tuong": {"text": "x", "points": points}},
            proposed_tier="",
            actor=user,
        )
    assert "tu_tuong" in refused.value.message_dict
    assert SelfReview.objects.get(pk=review.pk).content.get("tu_tuong") != {
        "text": "x",
        "points": points,
    }


def test_the_page_shows_the_parts_and_keeps_a_wrong_point_back(client, province):
    cycle = cycle_of(province, 2025)
    binh = member_of(cycle, province)
    services.review_start(subject=binh, actor=None)
    client.force_login(province.users["member"])
    page = unescape(client.get(reverse("review-edit", args=[binh.pk])).text)
    assert "Phần I. Nhóm tiêu chí chung (30 điểm)" in page
    assert "Phần II. Kết quả thực hiện nhiệm vụ (70 điểm)" in page
    assert 'name="s.tu_tuong.points"' in page and 'name="s.nhiem_vu.p.0.evidence"' in page
    data = {"s.tu_tuong": "Kiên định", "s.tu_tuong.points": "nhiều", "s.dao_duc.points": "6"}
    saved = client.post(reverse("review-save", args=[binh.pk]), data, HTTP_HX_REQUEST="true")
    assert "Điểm: một số từ 0 đến 30 (đã nhập nhiều)" in unescape(saved.text)
    review = SelfReview.objects.get(subject=binh)
    assert review.content["tu_tuong"] == "Kiên định"  # the text is kept, the points are not
    assert review.content["dao_duc"]["points"] == "6"
    assert review.content["xep_loai"]["fact.general_score"] == "6"


# --- 2019 cycles: QĐ 47/2011 (§11), confidence as §3.2 says ---------------------------------


def test_2019_forms_use_the_prohibitions_in_force_then(province):
    for kind in ("party_member", "leader"):
        section = catalogue.form_for("R2019", kind).section("dieu_cam")
        assert section.list == "prohibitions_2011"
    for pack in ("R2023", "R2025"):
        assert catalogue.form_for(pack, "party_member").section("dieu_cam").list == "prohibitions"
    lists = catalogue.checklists()
    old, new = lists["prohibitions_2011"], lists["prohibitions"]
    assert "47-QĐ/TW" in old.source and "37-QĐ/TW" in new.source
    assert old.ids == new.ids  # same 19-item structure: reviews keep their codes
    # what QĐ 37 added is not in QĐ 47's list
    labels = " ".join(i.vi for g in old.groups for i in g.items)
    assert "nhiệm kỳ" not in labels
    # the text of QĐ 47 was not read: all its items are summaries
    assert len(summaries("prohibitions_2011")) == 19


def test_the_2019_forms_confidence_is_what_section_3_2_says():
    # §3.2: the content of Mẫu 02-HD KĐ.ĐG 2019 is known from an English summary [P]
    for key in ("M02_2019", "M02_2019_LD", "M01_2019"):
        assert catalogue.forms()[key].confidence == "partly_verified"


def test_a_2021_review_is_printed_with_qd_47(client, province):
    cycle = cycle_of(province, 2021)  # R2019 rules the 2019–2022 cycles
    binh = member_of(cycle, province)
    review = services.review_start(subject=binh, actor=None)
    assert review.form_key == "M02_2019"
    services.review_save(
        review=review, content={"dieu_cam": {"checked": ["C16"]}}, proposed_tier="", actor=None
    )
    client.force_login(province.users["member"])
    printed = unescape(client.get(reverse("review-print", args=[binh.pk])).text)
    assert "Quy định 47-QĐ/TW" in printed and "37-QĐ/TW" not in printed
    assert "☒ C16" in printed


# --- Summaries shown as such; a province's official wording (§10–§11) ---------------------------


def test_30_of_the_46_items_are_our_summary():
    assert len(summaries("degradation")) + len(summaries("prohibitions")) == 30
    assert "TT6" in summaries("degradation") and "TT1" not in summaries("degradation")


def test_the_page_and_the_print_mark_summaries_never_as_official_wording(client, province):
    cycle = cycle_of(province, 2025)
    binh = member_of(cycle, province)
    review = services.review_start(subject=binh, actor=None)
    client.force_login(province.users["member"])
    page = unescape(client.get(reverse("review-edit", args=[binh.pk])).text)
    tt6 = page.index('value="TT6"')
    assert "tóm tắt, cần đối chiếu văn bản chính thức" in page[tt6 : page.index("</label>", tt6)]
    tt1 = page.index('value="TT1"')
    assert "tóm tắt" not in page[tt1 : page.index("</label>", tt1)]
    services.review_save(
        review=review,
        content={"suy_thoai": {"checked": ["TT1", "TT6"]}},
        proposed_tier="",
        actor=None,
    )
    printed = unescape(client.get(reverse("review-print", args=[binh.pk])).text)
    line_tt6 = printed[printed.index("☒ TT6") : printed.index("</li>", printed.index("☒ TT6"))]
    line_tt1 = printed[printed.index("☒ TT1") : printed.index("</li>", printed.index("☒ TT1"))]
    assert "Nội dung tóm tắt, cần đối chiếu với văn bản chính thức" in line_tt6
    assert "tóm tắt" not in line_tt1
    assert "Nghị quyết 04-NQ/TW" in printed


def test_a_province_supplies_the_official_wording_without_code(tmp_path, client, province):
    (tmp_path / "nq04.toml").write_text(
        "# Nghị quyết 04-NQ/TW, nguyên văn\n"
        "[degradation.TT6]\n"
        'vi = "Nói không đi đôi với làm (nguyên văn)"\n'
        'source = "Nghị quyết 04-NQ/TW, mục 1.6"\n',
        encoding="utf-8",
    )
    with override_settings(KIEMDIEM_LOCAL_WORDING_DIR=str(tmp_path)):
        catalogue.checklists.cache_clear()
        item = next(
            i
            for g in catalogue.checklists()["degradation"].groups
            for i in g.items
            if i.id == "TT6"
        )
        assert (item.label, item.tag, item.is_summary) == (
            "Nói không đi đôi với làm (nguyên văn)",
            "L",
            False,
        )
        assert len(summaries("degradation")) + len(summaries("prohibitions")) == 29
        binh = member_of(cycle_of(province, 2025), province)
        services.review_start(subject=binh, actor=None)
        client.force_login(province.users["member"])
        page = unescape(client.get(reverse("review-edit", args=[binh.pk])).text)
        tt6 = page.index('value="TT6"')
        label = page[tt6 : page.index("</label>", tt6)]
        assert "(nguyên văn)" in label and "tóm tắt" not in label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[degradation.TT99]\nvi = "x"\nsource = "y"\n', ["line 1", "TT99"]),
        ('# c\n\n[degradation.TT6]\nvi = "x"\n', ["line 3", "[degradation.TT6]", "source"]),
        ('[nghi_quyet.TT6]\nvi = "x"\nsource = "y"\n', ["line 1", "nghi_quyet"]),
        ('[degradation.TT6]\nvi = "x"\nsource = "y"\nghi_chu = "z"\n', ["ghi_chu"]),
        ('[degradation.TT6]\nvi = "x\n', ["not valid TOML", "line 2"]),
    ],
)
def test_a_wrong_wording_file_is_refused_naming_file_line_and_item(tmp_path, text, expected):
    (tmp_path / "wording.toml").write_text(text, encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError) as error:
        wording.load_local(str(tmp_path))
    assert "wording.toml" in str(error.value)
    for part in expected:
        assert part in str(error.value)
    # manage.py check says so before a restart, and the page keeps working meanwhile
    with override_settings(KIEMDIEM_LOCAL_WORDING_DIR=str(tmp_path)):
        (problem,) = wording.check()
        assert problem.id == "reviews.E001" and "wording.toml" in problem.msg
        catalogue.checklists.cache_clear()
        assert "TT6" in summaries("degradation")  # the summaries stay, marked as such


def test_a_wording_file_not_in_utf8_is_refused_by_name_and_the_pages_keep_working(
    client, province, tmp_path
):
    """A file saved by Word in the old code page: named, not a traceback on every page."""
    (tmp_path / "wording.toml").write_bytes('[degradation.TT6]\nvi = "Nói"\n'.encode("cp1258"))
    with pytest.raises(catalogue.CatalogueError, match=r"wording\.toml: not UTF-8"):
        wording.load_local(str(tmp_path))
    with override_settings(KIEMDIEM_LOCAL_WORDING_DIR=str(tmp_path)):
        (problem,) = wording.check()
        assert "not UTF-8" in problem.msg
        catalogue.checklists.cache_clear()
        binh = member_of(cycle_of(province, 2025), province)
        services.review_start(subject=binh, actor=None)
        client.force_login(province.users["member"])
        assert client.get(reverse("review-edit", args=[binh.pk])).status_code == 200
    catalogue.checklists.cache_clear()


def test_an_item_given_twice_is_refused(tmp_path):
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text(
            '[prohibitions.C06]\nvi = "x"\nsource = "QĐ 37"\n', encoding="utf-8"
        )
    with pytest.raises(catalogue.CatalogueError, match=r"b\.toml.*C06.*already given in .*a\.toml"):
        wording.load_local(str(tmp_path))


# --- The blocks of the paper form ---------------------------------------------------------------


def test_the_print_carries_the_chi_uy_comments_the_conclusion_and_place_and_date(client, province):
    cycle = cycle_of(province, 2025)
    binh = member_of(cycle, province)
    services.review_start(subject=binh, actor=None)
    client.force_login(province.users["member"])
    printed = unescape(client.get(reverse("review-print", args=[binh.pk])).text)
    # The place from the tree (the commune's, regulations on party documents), the date left
    # to write in before it is submitted; a member's self-review carries no number.
    assert "An Bình, ngày … tháng … năm 20…" in printed
    assert "Số ……" not in printed
    comments = printed.index('id="block-comments"')
    conclusion = printed.index('id="block-conclusion"')
    assert "Nhận xét, đánh giá của chi ủy (chi bộ)" in printed[comments:conclusion]
    assert "T/M CHI ỦY (CHI BỘ)" in printed[comments:conclusion]
    assert "Kết luận của cấp có thẩm quyền" in printed[conclusion:]
    assert "Mức xếp loại chất lượng: ……" in printed[conclusion:]
    # the 100-point frame is printed with its parts, points and evidence columns
    assert "Phần I. Nhóm tiêu chí chung (30 điểm" in printed and "Minh chứng" in printed
    # once the competent level has decided, its conclusion carries the tier
    Subject.objects.filter(pk=binh.pk).update(tier="HTTNV")
    printed = unescape(client.get(reverse("review-print", args=[binh.pk])).text)
    conclusion = printed.index('id="block-conclusion"')
    assert "Hoàn thành tốt nhiệm vụ" in printed[conclusion:]


def test_the_collective_and_the_state_forms_carry_their_own_blocks(client, province, door):
    employ(province.members["binh"], province.agency, title="Chuyên viên")
    cycle = cycle_of(province, 2025)
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    services.review_start(subject=cell, actor=None)
    client.force_login(province.users["secretary"])
    printed = unescape(client.get(reverse("review-print", args=[cell.pk])).text)
    assert "Nhận xét, đánh giá của cấp ủy cấp trên" in printed
    assert "Kết luận của cấp có thẩm quyền" in printed
    assert "Trách nhiệm của tập thể và cá nhân" in printed  # Mẫu 01's responsibility section
    # A collective's report: its number line, signed for the cell as the Word document is.
    assert "Số ……-BC/CB" in printed
    assert "T/M CHI BỘ" in printed and "FOR THE COLLECTIVE" not in printed
    state = Subject.objects.get(cycle=cycle, person=province.members["binh"], track=Track.STATE)
    services.review_start(subject=state, actor=None)
    client.force_login(province.users["member"])
    printed = unescape(client.get(reverse("review-print", args=[state.pk])).text)
    assert "Ý kiến của tập thể đơn vị và lãnh đạo trực tiếp quản lý" in printed
    assert "Kết quả đánh giá, xếp loại chất lượng (phần dành cho cấp có thẩm quyền)" in printed
