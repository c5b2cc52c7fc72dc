"""The secret ballot: who may vote, once, and nothing stored links a voter to a choice."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from kiemdiem.audit.models import LogEntry
from kiemdiem.meetings import codes, services
from kiemdiem.meetings.models import (
    Attendance,
    MeetingStatus,
    OptionCount,
    Presence,
    Question,
    Voter,
)
from kiemdiem.meetings.tests.scene import build, check_in_all

pytestmark = pytest.mark.django_db


def _last_item(scene):
    return scene.meeting.agenda.order_by("position").last()


def _ballot(scene):
    return services.ballot_open(item=_last_item(scene), actor=scene.users["secretary"])


def _counts(question):
    return dict(OptionCount.objects.filter(question=question).values_list("option", "count"))


def _nothing_changed(question, before):
    assert _counts(question) == before[0]
    assert Voter.objects.filter(question=question).count() == before[1]


def _state(question):
    return _counts(question), Voter.objects.filter(question=question).count()


def test_a_vote_counts_once_and_is_final(province):
    scene = build(province)
    check_in_all(scene)
    question = _ballot(scene)
    services.ballot_cast(question=question, option="HTTNV", actor=scene.users["m1"])
    before = _state(question)
    for option in ("HTTNV", "HTNV"):  # the same again, or changing one's mind
        with pytest.raises(ValidationError) as caught:
            services.ballot_cast(question=question, option=option, actor=scene.users["m1"])
        assert "question" in caught.value.message_dict
    _nothing_changed(question, before)
    assert before[0]["HTTNV"] == 1 and before[1] == 1


def test_without_check_in_no_vote(province):
    scene = build(province)
    question = None
    services.check_in(
        meeting=scene.meeting, actor=scene.users["secretary"], code=codes.room_code(scene.meeting)
    )
    for name in ("member", "m1", "m2", "m3", "m4"):
        services.check_in(
            meeting=scene.meeting, actor=scene.users[name], code=codes.room_code(scene.meeting)
        )
    question = _ballot(scene)
    before = _state(question)
    with pytest.raises(ValidationError, match="Check in|Điểm danh|điểm danh"):
        services.ballot_cast(question=question, option="HTNV", actor=scene.users["m5"])
    _nothing_changed(question, before)


def test_after_close_no_vote(province):
    scene = build(province)
    check_in_all(scene)
    question = _ballot(scene)
    services.ballot_cast(question=question, option="HTNV", actor=scene.users["m1"])
    services.ballot_close(question=question, actor=scene.users["secretary"])
    question.refresh_from_db()
    before = _state(question)
    with pytest.raises(ValidationError):
        services.ballot_cast(question=question, option="HTNV", actor=scene.users["m2"])
    _nothing_changed(question, before)
    with pytest.raises(ValidationError):  # counted once
        services.ballot_close(question=question, actor=scene.users["secretary"])


def test_a_probationary_member_attends_without_a_vote(province):
    scene = build(province)
    check_in_all(scene)
    row = Attendance.objects.get(meeting=scene.meeting, person=scene.users["probation"].person)
    assert row.presence == Presence.PRESENT and not row.official
    question = _ballot(scene)
    before = _state(question)
    with pytest.raises(ValidationError, match="official|chính thức"):
        services.ballot_cast(question=question, option="HTNV", actor=scene.users["probation"])
    _nothing_changed(question, before)


def test_a_member_of_another_cell_cannot_vote_or_check_in(province):
    scene = build(province)
    check_in_all(scene)
    question = _ballot(scene)
    before = _state(question)
    with pytest.raises(PermissionDenied):
        services.ballot_cast(question=question, option="HTNV", actor=scene.users["other"])
    with pytest.raises(PermissionDenied):
        services.check_in(
            meeting=scene.meeting, actor=scene.users["other"], code=codes.room_code(scene.meeting)
        )
    _nothing_changed(question, before)


def test_a_stale_ballot_page_after_the_count(province):
    """The page was shown while the ballot was open; it is posted after the count."""
    scene = build(province)
    check_in_all(scene)
    question = _ballot(scene)
    shown = Question.objects.get(pk=question.pk)  # what the stale page holds
    services.ballot_close(question=question, actor=scene.users["secretary"])
    before = _state(question)
    with pytest.raises(ValidationError, match="closed|đã đóng|kết thúc"):
        services.ballot_cast(question=shown, option="HTNV", actor=scene.users["m1"])
    _nothing_changed(question, before)


def test_an_option_not_on_the_ballot_is_refused(province):
    scene = build(province)
    check_in_all(scene)
    question = _ballot(scene)
    before = _state(question)
    with pytest.raises(ValidationError) as caught:
        services.ballot_cast(question=question, option="XYZ", actor=scene.users["m1"])
    assert "option" in caught.value.message_dict
    _nothing_changed(question, before)


def test_shared_device_needs_the_members_own_code(province):
    scene = build(province)
    check_in_all(scene)
    question = _ballot(scene)
    m2 = scene.users["m2"].person
    before = _state(question)
    with pytest.raises(ValidationError) as caught:
        services.ballot_cast(
            question=question,
            option="HTNV",
            actor=scene.users["secretary"],
            voter=m2,
            personal_code="000000" if codes.personal_code(scene.meeting, m2) != "000000" else "1",
        )
    assert "personal_code" in caught.value.message_dict
    _nothing_changed(question, before)
    # A member cannot vote for another on their own phone, with or without the code.
    with pytest.raises(PermissionDenied):
        services.ballot_cast(
            question=question,
            option="HTNV",
            actor=scene.users["m1"],
            voter=m2,
            personal_code=codes.personal_code(scene.meeting, m2),
        )
    services.ballot_cast(
        question=question,
        option="HTNV",
        actor=scene.users["secretary"],
        voter=m2,
        personal_code=codes.personal_code(scene.meeting, m2),
    )
    assert _counts(question)["HTNV"] == 1
    assert Voter.objects.filter(question=question, person=m2).exists()


def test_personal_codes_are_rate_limited(province, settings):
    settings.MEETINGS_CODE_TRIES = 3
    scene = build(province)
    check_in_all(scene)
    question = _ballot(scene)
    m2 = scene.users["m2"].person
    right = codes.personal_code(scene.meeting, m2)
    wrong = str((int(right) + 1) % 10**6).zfill(6)
    for _ in range(3):
        with pytest.raises(ValidationError):
            services.ballot_cast(
                question=question,
                option="HTNV",
                actor=scene.users["secretary"],
                voter=m2,
                personal_code=wrong,
            )
    with pytest.raises(ValidationError, match="(?i)too many|quá nhiều"):
        services.ballot_cast(
            question=question,
            option="HTNV",
            actor=scene.users["secretary"],
            voter=m2,
            personal_code=right,
        )


def test_room_code_only_while_open_and_rotates(province, settings):
    scene = build(province, open_=False)
    code = codes.room_code(scene.meeting)
    with pytest.raises(ValidationError, match="session|họp"):
        services.check_in(meeting=scene.meeting, actor=scene.users["m1"], code=code)
    services.meeting_open(meeting=scene.meeting, actor=scene.users["secretary"])
    old = codes.room_code(scene.meeting, at=0)
    if old != codes.room_code(scene.meeting):
        with pytest.raises(ValidationError):
            services.check_in(meeting=scene.meeting, actor=scene.users["m1"], code=old)
    services.check_in(
        meeting=scene.meeting, actor=scene.users["m1"], code=codes.room_code(scene.meeting)
    )
    assert (
        Attendance.objects.get(meeting=scene.meeting, person=scene.users["m1"].person).presence
        == Presence.PRESENT
    )


def test_result_against_the_threshold_and_flows_into_the_proposals(province):
    from kiemdiem.decisions.selectors import proposal_rows

    scene = build(province)
    check_in_all(scene)  # 7 official present (an, binh, m1..m5): 4 needed
    item = _last_item(scene)
    question = services.ballot_open(item=item, actor=scene.users["secretary"])
    for name, option in [
        ("m1", "HTTNV"),
        ("m2", "HTTNV"),
        ("m3", "HTTNV"),
        ("m4", "HTTNV"),
        ("m5", "HTNV"),
    ]:
        services.ballot_cast(question=question, option=option, actor=scene.users[name])
    question = services.ballot_close(
        question=question, actor=province.users["staff_a"], counted_by="Ban kiểm phiếu"
    )
    assert (question.result, question.cast, question.voters, question.needed) == ("HTTNV", 5, 7, 4)
    rows = proposal_rows(province.users["staff_a"], scene.cycle, province.cell_a1)
    row = next(r for r in rows if r.subject.pk == item.subject_id)
    assert row.meeting_vote and row.meeting_vote.startswith("HTTNV 4/7")


def test_hands_counts_cannot_exceed_those_present(province):
    scene = build(province)
    check_in_all(scene)
    item = _last_item(scene)
    meeting = scene.meeting
    meeting.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.hands_record(
            item=item,
            counts={"HTTNV": 6, "HTNV": 2},
            actor=scene.users["secretary"],
            revision=meeting.revision,
        )
    assert "counts" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.hands_record(
            item=item,
            counts={"HTTNV": -1},
            actor=scene.users["secretary"],
            revision=meeting.revision,
        )
    assert "HTTNV" in caught.value.message_dict
    assert not Question.objects.filter(item=item).exists()
    question = services.hands_record(
        item=item,
        counts={"HTTNV": 6, "HTNV": 1},
        actor=scene.users["secretary"],
        revision=meeting.revision,
    )
    assert question.result == "HTTNV"
    with pytest.raises(ValidationError) as caught:  # the page that showed the old revision
        services.hands_record(
            item=item, counts={"HTNV": 7}, actor=scene.users["secretary"], revision=meeting.revision
        )
    assert "revision" in caught.value.message_dict


def test_members_cannot_run_the_meeting(province):
    scene = build(province)
    check_in_all(scene)
    with pytest.raises(PermissionDenied):
        _ballot_as(scene, "m1")
    with pytest.raises(PermissionDenied):
        services.meeting_close(meeting=scene.meeting, actor=scene.users["m1"])
    assert scene.meeting.__class__.objects.get(pk=scene.meeting.pk).status == MeetingStatus.OPEN


def _ballot_as(scene, name):
    return services.ballot_open(item=_last_item(scene), actor=scene.users[name])


# --- unlinkability --------------------------------------------------------------------------


def _physical(table: str, where: str, params) -> list[tuple]:
    """Rows in physical order: ctid on PostgreSQL, rowid on SQLite; with xmin on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT ctid, xmin::text, * FROM {table} WHERE {where} ORDER BY ctid", params
            )
        else:
            cursor.execute(
                f"SELECT rowid, NULL, * FROM {table} WHERE {where} ORDER BY rowid", params
            )
        return cursor.fetchall()


def test_nothing_stored_links_a_voter_to_a_choice(province, caplog):
    caplog.set_level("DEBUG")
    scene = build(province, n=6)
    check_in_all(scene)
    question = _ballot(scene)
    # Each voter's choice differs from their neighbours'; they vote in reverse person order.
    names = ["m1", "m2", "m3", "m4", "m5", "m6", "member", "secretary"]
    voters = sorted((scene.users[n] for n in names), key=lambda u: -u.person_id)
    options = question.options
    chosen = {u.person_id: options[i % len(options)] for i, u in enumerate(voters)}
    for user in voters:
        services.ballot_cast(question=question, option=chosen[user.person_id], actor=user)
    services.ballot_close(question=question, actor=scene.users["secretary"])

    # 1. The two tables of a ballot: counts have no person, voters have no choice, id or time.
    voter_columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), Voter._meta.db_table
        )
    }
    assert voter_columns == {"question_id", "person_id"}
    count_columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), OptionCount._meta.db_table
        )
    }
    assert count_columns == {"id", "question_id", "option", "count"}

    # 2. Physical order of the voters is the person order, not the order they voted in.
    rows = _physical(Voter._meta.db_table, "question_id = %s", [question.pk])
    cols = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), Voter._meta.db_table
        )
    ]
    person_at = 2 + cols.index("person_id")
    assert [r[person_at] for r in rows] == sorted(chosen)
    # 3. On PostgreSQL every live row of the ballot carries the close's transaction id, which
    #    no ballot_cast entry of the log shares.
    counts = _physical(OptionCount._meta.db_table, "question_id = %s", [question.pk])
    if connection.vendor == "postgresql":
        xmins = {r[1] for r in rows} | {r[1] for r in counts}
        assert len(xmins) == 1
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT xmin::text FROM {LogEntry._meta.db_table} WHERE action = 'meetings.ballot_cast'"
            )
            cast_xmins = {r[0] for r in cursor.fetchall()}
        assert len(cast_xmins) == len(voters) and not (xmins & cast_xmins)
    # The count rows were re-made at the close in the options' code order: their physical
    # order (and ids) say nothing of which count changed last.
    ccols = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), OptionCount._meta.db_table
        )
    ]
    at = 2 + ccols.index("option")
    assert [r[at] for r in counts] == sorted(options)

    # 4. No row of any table names one voter next to one choice. A row may hold a choice code
    #    beside a person only as a list of every option (the ballot's options, its counts).
    voter_ids = set(chosen)
    user_ids = {u.pk for u in voters}
    names_of = {u.person.full_name for u in voters}
    people_tables = {"people_person", "accounts_user"}
    offending = []
    for model in apps.get_models():
        table = model._meta.db_table
        fks = {
            f.column: f.related_model._meta.db_table
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None
        }
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table}")
            cols = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                found = [o for o in options if o in text]
                if not found or len(found) == len(options):
                    continue
                refs = any(
                    (fks.get(c) == "people_person" and v in voter_ids)
                    or (fks.get(c) == "accounts_user" and v in user_ids)
                    for c, v in zip(cols, row, strict=True)
                ) or any(n in text for n in names_of)
                if refs and table not in people_tables:
                    offending.append((table, row))
    assert not offending, offending

    # 5. The audit trail: "ballot cast" names the voter, never a choice.
    for entry in LogEntry.objects.filter(action="meetings.ballot_cast"):
        assert set(entry.data) <= {"subject", "voter"}
        assert not any(o in str(entry.data) for o in options)
    # 6. The log output: no choice written.
    assert not any(o in r.getMessage() for r in caplog.records for o in options)
