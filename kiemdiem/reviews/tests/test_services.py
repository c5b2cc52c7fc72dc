import pytest
from django.core.exceptions import ValidationError

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import policies as cycle_policies
from kiemdiem.cycles import services as cycles
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus
from kiemdiem.decisions import services as decisions
from kiemdiem.people import services as people
from kiemdiem.reviews import catalogue, engine, services
from kiemdiem.reviews.models import ReviewStatus, ReviewVersion
from kiemdiem.testing import FULL_2025, WRITTEN, D, employ, hold_post, open_annual


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def submitted(subject, tier="HTTNV"):
    """The subject's review, written and submitted (ratings are made on submitted reviews)."""
    review = services.review_start(subject=subject, actor=None)
    return services.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)


def subject_of(cycle, person, kind=SubjectKind.PARTY_MEMBER):
    return Subject.objects.get(cycle=cycle, person=person, kind=kind)


def test_each_subject_gets_the_form_of_its_rule_set_and_kind(cycle, province):
    binh = subject_of(cycle, province.members["binh"])
    an_leader = Subject.objects.filter(cycle=cycle, person=province.members["an"]).exclude(
        kind=SubjectKind.PARTY_MEMBER
    )
    assert services.form_of(binh).code == "Mẫu 2A-HD KĐ.ĐG 2025"
    assert {services.form_of(s).code for s in an_leader} == {"Mẫu 2B-HD KĐ.ĐG 2025"}
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    assert services.form_of(cell).code == "Mẫu 01-HD KĐ.ĐG 2025"


def test_every_form_of_the_catalogue_is_well_formed():
    forms = catalogue.forms()
    assert {f.code for f in forms.values()} >= {
        "Mẫu 01-HD KĐ.ĐG 2025",
        "Mẫu 2A-HD KĐ.ĐG 2025",
        "Mẫu 2B-HD KĐ.ĐG 2025",
        "Mẫu 2C-HD KĐ.ĐG 2025",
        "Mẫu 02-HD KĐ.ĐG 2019",
    }
    lists = catalogue.checklists()
    assert len(lists["degradation"].ids) == 27 and len(set(lists["degradation"].ids)) == 27
    assert len(lists["prohibitions"].ids) == 19 and len(set(lists["prohibitions"].ids)) == 19


def test_a_draft_saves_with_the_engines_result_and_submitting_locks_it(cycle, province):
    user = province.users["member"]
    subject = subject_of(cycle, province.members["binh"])
    review = services.review_start(subject=subject, actor=user)
    review = services.review_save(
        review=review,
        content={**WRITTEN, "tu_tuong": "Luôn kiên định", "xep_loai": FULL_2025, "bogus": "x"},
        proposed_tier="HTTNV",
        actor=user,
    )
    assert "bogus" not in review.content
    assert review.engine_result["status"] == "rated"
    assert review.engine_result["tier"] == "HTXSNV"  # 92 points, 40 % exceeded
    services.review_submit(review=review, actor=user)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED and review.version == 1
    with pytest.raises(ValidationError, match="khóa"):
        services.review_save(review=review, content=WRITTEN, proposed_tier="HTNV", actor=user)
    assert review.versions.get().content["tu_tuong"] == "Luôn kiên định"


def test_an_amendment_keeps_every_submitted_version(cycle, province):
    user = province.users["member"]
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=user)
    services.review_save(
        review=review, content={**WRITTEN, "tu_tuong": "Bản đầu"}, proposed_tier="HTNV", actor=user
    )
    services.review_submit(review=review, actor=user)
    with pytest.raises(ValidationError):
        services.review_amend(review=review, reason=" ", actor=user)
    services.review_amend(review=review, reason="Bổ sung sản phẩm", actor=user)
    services.review_save(
        review=review, content={**WRITTEN, "tu_tuong": "Bản sửa"}, proposed_tier="HTTNV", actor=user
    )
    services.review_submit(review=review, actor=user)
    versions = list(ReviewVersion.objects.filter(review=review).order_by("number"))
    assert [(v.number, v.kind, v.content["tu_tuong"]) for v in versions] == [
        (1, "submitted", "Bản đầu"),
        (2, "amended", "Bản sửa"),
    ]
    assert versions[1].note == "Bổ sung sản phẩm"
    assert LogEntry.objects.filter(action="review.submitted", object_id=str(review.pk)).count() == 2


def test_incomplete_rating_inputs_say_what_is_missing(cycle, province):
    user = province.users["member"]
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=user)
    review = services.review_save(
        review=review,
        content={**WRITTEN, "xep_loai": {"fact.general_score": "20"}},
        proposed_tier="",
        actor=user,
    )
    assert review.engine_result["status"] == "incomplete"
    assert review.engine_result["message"]
    with pytest.raises(ValidationError, match="mức"):
        services.review_submit(review=review, actor=user)


def test_unknown_checklist_items_are_refused_and_nothing_changes(cycle, province):
    user = province.users["member"]
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=user)
    with pytest.raises(ValidationError) as error:
        services.review_save(
            review=review,
            content={**WRITTEN, "tu_tuong": "mới", "suy_thoai": {"checked": ["TT1", "ZZ9"]}},
            proposed_tier="",
            actor=user,
        )
    assert "ZZ9" in str(error.value)
    review.refresh_from_db()
    assert review.content.get("tu_tuong") is None


def test_last_cycles_shortcomings_are_prefilled(province):
    user = province.users["member"]
    old = open_annual(province, 2024)
    subjects.subjects_generate(cycle=old, actor=None)
    review = services.review_start(subject=subject_of(old, province.members["binh"]), actor=user)
    services.review_save(
        review=review,
        content={
            **WRITTEN,
            "han_che": "- Chưa đóng đảng phí đúng hạn\n\n- Ít phát biểu trong sinh hoạt",
        },
        proposed_tier="HTNV",
        actor=user,
    )
    services.review_submit(review=review, actor=user)
    new = open_annual(province, 2025)
    subjects.subjects_generate(cycle=new, actor=None)
    fresh = services.review_start(subject=subject_of(new, province.members["binh"]), actor=user)
    assert [r["shortcoming"] for r in fresh.content["khac_phuc"]] == [
        "Chưa đóng đảng phí đúng hạn",
        "Ít phát biểu trong sinh hoạt",
    ]


def test_members_of_a_collective_submit_after_its_report(cycle, province):
    hold_post(province.members["dung"], province.standing, title="Ủy viên Ban Thường vụ")
    Subject.objects.filter(cycle=cycle).delete()
    subjects.subjects_generate(cycle=cycle, actor=None)
    member_subject = Subject.objects.get(
        cycle=cycle, person=province.members["dung"], unit=province.standing
    )
    review = services.review_start(subject=member_subject, actor=None)
    services.review_save(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    with pytest.raises(ValidationError, match="tập thể"):
        services.review_submit(review=review, actor=None)
    collective = Subject.objects.get(
        cycle=cycle, unit=province.standing, kind=SubjectKind.COLLECTIVE
    )
    report = services.review_start(subject=collective, actor=None)
    services.review_save(review=report, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    services.review_submit(review=report, actor=None)
    services.review_submit(review=review, actor=None)
    services.review_link(review=report, members=[review], actor=None)
    assert list(report.linked_reviews.all()) == [review]


def test_a_sent_back_review_can_be_rewritten_and_the_writer_is_told(cycle, province):
    user = province.users["member"]
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=user)
    services.review_save(review=review, content=WRITTEN, proposed_tier="HTXSNV", actor=user)
    services.review_submit(review=review, actor=user)
    services.review_return(
        review=review, comment="Cần nêu sản phẩm cụ thể", actor=province.users["staff_a"]
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.RETURNED
    assert user.notifications.get().text.endswith("Cần nêu sản phẩm cụ thể")
    services.review_save(
        review=review, content={**WRITTEN, "tu_tuong": "x"}, proposed_tier="HTTNV", actor=user
    )
    services.review_submit(review=review, actor=user)
    assert [v.kind for v in review.versions.order_by("created_at")] == [
        "submitted",
        "returned",
        "amended",
    ]


def test_ratings_follow_the_required_order(cycle, province):
    decider = province.users["decider"]
    an = province.members["an"]
    head = Subject.objects.get(cycle=cycle, person=an, kind=SubjectKind.HEAD)
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    binh = subject_of(cycle, province.members["binh"])
    with pytest.raises(ValidationError, match="Chi bộ thôn Đông"):
        decisions.decide(subject=head, tier="HTTNV", actor=decider)
    # the cell after its members (its tier reads theirs, HD 43 §5.5)
    with pytest.raises(ValidationError, match="Trần Thị Bình"):
        decisions.decide(subject=cell, tier="HTTNV", actor=decider)
    submitted(binh)
    decisions.decide(subject=binh, tier="HTTNV", actor=decider)
    with pytest.raises(ValidationError, match="chưa được nộp"):
        decisions.decide(subject=cell, tier="HTTNV", actor=decider)
    submitted(cell)
    submitted(head)
    decisions.decide(subject=cell, tier="HTTNV", actor=decider)
    decisions.decide(subject=head, tier="HTTNV", actor=decider)
    head.refresh_from_db()
    assert head.status == SubjectStatus.RATED and head.tier == "HTTNV"
    # a rating is not silently changed afterwards (the head's cap rests on it)
    with pytest.raises(ValidationError, match="đã được quyết định"):
        decisions.decide(subject=cell, tier="KHTNV", actor=decider)


def test_nobody_rates_themselves_or_their_own_unit(cycle, province):
    an = province.members["an"]
    an_user = province.users["secretary"]
    accounts.grant_add(user=an_user, role="decider", unit=province.commune_a, actor=None)
    own_head = Subject.objects.get(cycle=cycle, person=an, kind=SubjectKind.HEAD)
    commune = Subject.objects.get(cycle=cycle, unit=province.commune_a, person__isnull=True)
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, person__isnull=True)
    binh = subject_of(cycle, province.members["binh"])
    assert not cycle_policies.may_rate(an_user, own_head)
    assert not cycle_policies.may_rate(an_user, commune)  # rated by the province, not by itself
    assert cycle_policies.may_rate(an_user, cell)
    assert cycle_policies.may_rate(an_user, binh)


def test_a_not_rated_member_has_no_review(cycle, province):
    subject = subject_of(cycle, province.members["cuong"])
    cycles_subject = subjects.subject_exclude(subject=subject, reason="Miễn sinh hoạt", actor=None)
    with pytest.raises(ValidationError, match="Miễn sinh hoạt"):
        services.review_start(subject=cycles_subject, actor=None)


def test_a_cycle_closes_only_when_every_subject_is_rated(cycle, province):
    with pytest.raises(ValidationError, match="chưa được quyết định"):
        cycles.cycle_close(cycle=cycle, actor=None)
    Subject.objects.filter(cycle=cycle).update(status=SubjectStatus.RATED, tier="HTTNV")
    cycles.cycle_close(cycle=cycle, actor=None)
    cycle.refresh_from_db()
    assert cycle.status == "closed"


def test_the_state_self_assessment_is_rated_by_the_agency_head_before_the_party_rating(province):
    cuong, dung = province.members["cuong"], province.members["dung"]
    employ(cuong, province.agency, title="Công chức văn phòng")
    hold_post(dung, province.agency, title="Chủ tịch UBND xã", role="head")
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    state = Subject.objects.get(cycle=cycle, person=cuong, track="state")
    party = subject_of(cycle, cuong)
    assert services.form_of(state).key == "PHIEU_ND90"
    # the party review's live result waits for the state tier
    review = services.review_start(subject=party, actor=None)
    review = services.review_save(
        review=review, content={**WRITTEN, "xep_loai": FULL_2025}, proposed_tier="HTTNV", actor=None
    )
    assert review.engine_result["status"] in ("incomplete", "undetermined")

    head = accounts.user_create(username="chutich", password="pass12345!", person=dung, actor=None)
    assert cycle_policies.may_rate(head, state)
    assert not cycle_policies.may_rate(head, party)
    assert not cycle_policies.may_rate(province.users["staff_a"], state)
    with pytest.raises(ValidationError, match="UBND xã An Bình"):
        decisions.decide(subject=party, tier="HTTNV", actor=None)
    submitted(state)
    decisions.decide(subject=state, tier="HTTNV", actor=None)
    review = services.review_save(
        review=review, content={**WRITTEN, "xep_loai": FULL_2025}, proposed_tier="HTTNV", actor=None
    )
    assert review.engine_result["status"] == "rated"
    services.review_submit(review=review, actor=None)
    decisions.decide(subject=party, tier="HTTNV", actor=None)


def test_a_quarterly_review_of_a_leader_is_rated_for_its_quarter(province):
    cycle = cycles.cycle_open(
        code="Q2-2026",
        name="Đánh giá quý II/2026",
        kind="quarterly",
        year=2026,
        quarter=2,
        period_start=D(2026, 4, 1),
        period_end=D(2026, 6, 30),
        root=province.province,
        stages=[cycles.StageWindow("self_review", D(2026, 6, 1), D(2026, 6, 10))],
        actor=None,
    )
    subjects.subjects_generate(cycle=cycle, actor=None)
    leader = Subject.objects.filter(cycle=cycle, person=province.members["an"]).first()
    assert leader is not None and leader.kind in ("leader", "head")
    review = services.review_start(subject=leader, actor=None)
    assert review.form_key == "M2B_2025"
    review = services.review_save(
        review=review, content={**WRITTEN, "xep_loai": FULL_2025}, proposed_tier="", actor=None
    )
    assert review.engine_result["status"] == "incomplete"
    assert review.engine_result["message"].startswith("Còn thiếu: ")  # named by its label
    area = {
        "fact.area_pct_done": "100",
        "fact.area_on_time_quality": "true",
        "fact.area_pct_exceeded": "40",
    }
    review = services.review_save(
        review=review,
        content={**WRITTEN, "xep_loai": {**FULL_2025, **area}},
        proposed_tier="",
        actor=None,
    )
    assert review.engine_result["status"] == "rated"
    assert any("Kỳ đánh giá: Q2" in line for line in review.live_result["lines"])
    assert "lines" not in review.engine_result  # the explanation is rebuilt, not stored


def test_a_level_suggests_review_content_and_the_writer_is_told(cycle, province):
    subject = subject_of(cycle, province.members["binh"])
    with pytest.raises(ValidationError):
        services.suggestion_add(subject=subject, text="x", actor=province.users["staff_b"])
    with pytest.raises(ValidationError):
        services.suggestion_add(subject=subject, text="  ", actor=province.users["staff_a"])
    suggestion = services.suggestion_add(
        subject=subject, text="Làm rõ việc chậm nộp đảng phí", actor=province.users["staff_a"]
    )
    assert suggestion.raised_by == province.commune_a
    notice = province.users["member"].notifications.get()
    assert "Đảng bộ xã An Bình" in notice.text and "chậm nộp đảng phí" in notice.text


def test_a_civil_servants_self_assessment_under_nd335_reaches_a_tier(province):
    employ(province.members["cuong"], province.agency, title="Công chức địa chính")
    cycle = open_annual(province, 2026)
    subjects.subjects_generate(cycle=cycle, actor=None)
    state = Subject.objects.get(cycle=cycle, person=province.members["cuong"], track="state")
    review = services.review_start(subject=state, actor=None)
    assert review.form_key == "PHIEU_ND335"
    rating = {
        "fact.general_score": "28",
        "fact.qty_pct": "100",
        "fact.quality_pct": "100",
        "fact.progress_pct": "100",
    }
    review = services.review_save(
        review=review, content={**WRITTEN, "xep_loai": rating}, proposed_tier="HTTNV", actor=None
    )
    assert review.engine_result["status"] == "rated", review.engine_result
    assert review.engine_result["pack"] == "ND335"


def test_the_year_end_review_of_a_leader_reads_the_quarterly_ratings(province):
    an = province.members["an"]
    for quarter in (1, 2, 3):
        q = cycles.cycle_open(
            code=f"Q{quarter}-2025",
            name=f"Quý {quarter}/2025",
            kind="quarterly",
            year=2025,
            quarter=quarter,
            period_start=D(2025, 3 * quarter - 2, 1),
            period_end=D(2025, 3 * quarter, 28),
            root=province.province,
            stages=[],
            actor=None,
        )
        subjects.subjects_generate(cycle=q, actor=None)
        Subject.objects.filter(cycle=q, person=an).update(
            status=SubjectStatus.RATED, tier="HTXSNV" if quarter < 3 else "HTNV"
        )
    year = open_annual(province, 2025)
    subjects.subjects_generate(cycle=year, actor=None)
    head = Subject.objects.get(cycle=year, person=an, kind=SubjectKind.HEAD)
    facts = engine.system_facts(head, engine.pinned_pack(head), "head")
    assert (facts["q1_tier"], facts["q2_tier"], facts["q3_tier"]) == ("HTXSNV", "HTXSNV", "HTNV")


@pytest.mark.parametrize(
    "content",
    [
        {"nhiem_vu": {"products": 5}},
        {"suy_thoai": {"checked": 3}},
        {"khac_phuc": "not a list"},
        {"xep_loai": {"fact.general_score": ["27"]}},
    ],
)
def test_wrong_shapes_are_refused_with_the_section_named(cycle, province, content):
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=None)
    with pytest.raises(ValidationError) as error:
        services.review_save(review=review, content=content, proposed_tier="", actor=None)
    assert next(iter(content)) in error.value.message_dict


def test_nothing_changes_in_a_closed_cycle(cycle, province):
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=None)
    Subject.objects.filter(cycle=cycle).update(status=SubjectStatus.RATED, tier="HTTNV")
    cycles.cycle_close(cycle=cycle, actor=None)
    with pytest.raises(ValidationError, match="đã đóng"):
        services.review_save(review=review, content=WRITTEN, proposed_tier="", actor=None)
    with pytest.raises(ValidationError, match="đã đóng"):
        services.suggestion_add(subject=review.subject, text="x", actor=province.users["admin"])


def test_a_review_with_empty_sections_is_not_submitted(cycle, province):
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=None)
    with pytest.raises(ValidationError) as error:
        services.review_submit(
            review=review, content={"tu_tuong": "Kiên định"}, proposed_tier="HTTNV", actor=None
        )
    message = error.value.message_dict["content"][0]
    assert "2. Về phẩm chất đạo đức" in message and "Về tư tưởng chính trị" not in message
    assert "Giải trình" not in message  # "(nếu có)": optional
    review.refresh_from_db()
    assert review.status == "draft" and review.version == 0


def test_the_writer_is_told_in_their_own_language(cycle, province):
    member = province.users["member"]
    member.language = "en"
    member.save(update_fields=["language"])
    review = submitted(subject_of(cycle, province.members["binh"]))
    services.review_return(review=review, comment="Bổ sung", actor=province.users["staff_a"])
    assert member.notifications.get().text.startswith("Your review in Kiểm điểm năm 2025")


def test_a_cadre_is_rated_by_the_managing_authority(cycle, province):
    an_user = province.users["secretary"]
    accounts.grant_add(
        user=province.users["nogrant"], role="decider", unit=province.cell_a1, actor=None
    )
    binh = subject_of(cycle, province.members["binh"])
    assert cycle_policies.may_rate(province.users["nogrant"], binh)  # decided where she is a member
    people.authority_assign(
        person=province.members["binh"],
        authority=province.standing,
        valid_from=D(2021, 1, 1),
        actor=None,
    )
    assert not cycle_policies.may_rate(
        province.users["nogrant"], binh
    )  # now the standing committee's
    assert cycle_policies.may_rate(province.users["decider"], binh)
    assert not cycle_policies.may_rate(an_user, binh)


def test_a_draft_keeps_its_valid_fields_and_submitting_waits_for_the_invalid_ones(cycle, province):
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=None)
    content = {**WRITTEN, "xep_loai": {"fact.general_score": "9999"}}
    review = services.review_save(
        review=review, content=content, proposed_tier="HTTNV", actor=None, keep_valid=True
    )
    assert review.content["tu_tuong"] == WRITTEN["tu_tuong"]
    assert review.unsaved == {"r.fact.general_score": "9999"}
    assert "Điểm nhóm tiêu chí chung (tối đa 30)" in review.field_errors["r.fact.general_score"]
    # another interface submitting the saved draft is refused while a field is not saved
    with pytest.raises(ValidationError, match="Chưa nộp: có ô chưa lưu được"):
        services.review_submit(review=review, actor=None)
    # the API's all-or-nothing save refuses the same value, naming the section
    with pytest.raises(ValidationError) as error:
        services.review_save(review=review, content=content, proposed_tier="", actor=None)
    assert "xep_loai" in error.value.message_dict
    # a whole valid draft replaces what was pending
    services.review_save(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
    review.refresh_from_db()
    assert review.unsaved == {}


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({"bogus": "x"}, "content"),
        ({"tu_tuong": 5}, "tu_tuong"),
        ({"nhiem_vu": {"products": [{"name": 1}]}}, "nhiem_vu"),
        ({"khac_phuc": [{"shortcoming": "x", "done": "yes"}]}, "khac_phuc"),
        ({"xep_loai": {"fact.bogus": "1"}}, "xep_loai"),
        ({"xep_loai": {"fact.general_score": "nhiều"}}, "xep_loai"),
        ({"xep_loai": {"fact.on_time_quality": "có lẽ"}}, "xep_loai"),
    ],
)
def test_a_draft_sent_by_a_program_is_refused_for_its_shape_and_nothing_changes(
    cycle, province, content, field
):
    """``review_replace`` (the API's save, and any command's) checks what the API used to
    check alone: the form's sections only, each of its type, rating values of their type."""
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=None)
    services.review_save(
        review=review, content={"tu_tuong": "Bản đầu"}, proposed_tier="", actor=None
    )
    review.refresh_from_db()
    before = (review.content, review.updated_at, LogEntry.objects.count())
    with pytest.raises(ValidationError) as error:
        services.review_replace(review=review, content=content, proposed_tier="", actor=None)
    assert list(error.value.message_dict) == [field]
    review.refresh_from_db()
    assert (review.content, review.updated_at, LogEntry.objects.count()) == before


def test_a_programs_numbers_and_booleans_are_stored_as_the_forms_text(cycle, province):
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=None)
    rating = {**FULL_2025, "fact.general_score": 27, "fact.on_time_quality": True}
    review = services.review_replace(
        review=review, content={"xep_loai": rating}, proposed_tier="HTTNV", actor=None
    )
    review.refresh_from_db()
    assert review.content["xep_loai"]["fact.general_score"] == "27"
    assert review.content["xep_loai"]["fact.on_time_quality"] == "true"
    assert review.engine_result["tier"] == "HTXSNV"


def test_a_collective_is_capped_by_the_organization_it_leads(province):
    """HD 21 §II.B.3 (LC19-CAP): the collective's tier is at most that of the organization it
    leads — the unit above the collective (a standing committee leads its party committee)."""
    cycle = open_annual(province, 2022)  # the 2019 rules ran until 2023
    subjects.subjects_generate(cycle=cycle, actor=None)
    collective = Subject.objects.get(
        cycle=cycle, unit=province.standing, kind=SubjectKind.COLLECTIVE
    )
    led = Subject.objects.get(cycle=cycle, unit=province.province, person__isnull=True)
    Subject.objects.filter(pk=led.pk).update(tier="HTNV")
    pack = engine.pinned_pack(collective)
    assert pack.id.startswith("R2019")
    facts = engine.system_facts(collective, pack, engine.engine_kind(collective, pack))
    assert facts["unit_tier"] == "HTNV"


def _synchronous_commit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.parametrize(("keep_valid", "expected"), [(True, "off"), (False, "on")])
def test_only_the_pages_autosave_commits_without_waiting_for_the_disk(
    cycle, province, keep_valid, expected
):
    """The page's autosave (``keep_valid``) is written again with the next keystrokes; every
    other save waits for the disk as the server says (PostgreSQL; the test's transaction is
    still open, so the setting it took is still there to read)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    review = services.review_start(subject=subject_of(cycle, province.members["binh"]), actor=None)
    assert _synchronous_commit() == "on"
    services.review_save(
        review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None, keep_valid=keep_valid
    )
    assert _synchronous_commit() == expected


def _pin_reads(queries):
    return [q for q in queries.captured_queries if 'FROM "cycles_pinnedpack"' in q["sql"]]


def test_the_autosave_reads_the_pins_again_only_when_they_changed(cycle, province):
    """The cycle row, read under its lock anyway, carries a token a trigger draws anew at every
    change of the cycle's pins: saves while it is unchanged read no pin; any change of a pin
    (here behind the services' back) makes the next save read them again."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.cycles.models import PinnedPack, ReviewCycle

    binh = subject_of(cycle, province.members["binh"])
    review = services.review_start(subject=binh, actor=None)

    def save():
        with CaptureQueriesContext(connection) as queries:
            services.review_save(review=review, content=WRITTEN, proposed_tier="HTTNV", actor=None)
        return len(_pin_reads(queries))

    save()
    assert save() == 0 and save() == 0  # kept while the pins are unchanged
    token = ReviewCycle.objects.get(pk=cycle.pk).pins_token
    pin = PinnedPack.objects.get(cycle=cycle, track="party")
    PinnedPack.objects.filter(pk=pin.pk).update(pack_hash="changed")
    assert ReviewCycle.objects.get(pk=cycle.pk).pins_token != token  # the trigger
    with transaction.atomic():
        locked = services._lock_subject(binh.pk)
        assert engine.pin_of(locked).pack_hash == "changed"  # read again, not the kept pins
    PinnedPack.objects.filter(pk=pin.pk).update(pack_hash=pin.pack_hash)
    assert save() == 1  # the token changed again: read once more
    assert save() == 0


def test_a_pin_added_or_removed_changes_the_token(cycle):
    from kiemdiem.cycles.models import PinnedPack, ReviewCycle

    def token():
        return ReviewCycle.objects.get(pk=cycle.pk).pins_token

    pin = PinnedPack.objects.filter(cycle=cycle).first()
    before = token()
    pin.delete()
    after_delete = token()
    assert after_delete != before
    pin.pk = None
    pin.save()
    assert token() not in (before, after_delete)
