"""Notification: the subject and the bodies managing it are told the tier, the reason, how to
complain and until when; once (idempotent), and again after a re-decision."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry
from kiemdiem.cycles import subjects
from kiemdiem.cycles.models import Subject, SubjectKind
from kiemdiem.decisions import finalizing, notices, services
from kiemdiem.decisions.models import Decision, DecisionState
from kiemdiem.notifications.models import Notification
from kiemdiem.reviews import services as reviews
from kiemdiem.testing import WRITTEN, open_annual

D = datetime.date


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    return cycle


def member(cycle, province, name="binh"):
    return Subject.objects.get(
        cycle=cycle, person=province.members[name], kind=SubjectKind.PARTY_MEMBER
    )


def decided(subject, tier="HTTNV", reason="Hoàn thành tốt các nhiệm vụ được giao"):
    review = reviews.review_start(subject=subject, actor=None)
    reviews.review_submit(review=review, content=WRITTEN, proposed_tier=tier, actor=None)
    if tier == "HTXSNV":
        # The test cells are too small for a place in their pool (20 % of those rated HTTNV):
        # decided over the quota with the reason, as the decision screen records it.
        (decision,) = finalizing.finalize(
            cycle=subject.cycle,
            rows={subject.pk: tier},
            reason=reason,
            override_reason="Khen thưởng đột xuất của cấp trên",
            actor=None,
        )
        return decision
    return services.decide(subject=subject, tier=tier, reason=reason, actor=None)


def test_the_subject_and_the_managing_staff_are_told_once(cycle, province, settings):
    settings.KIEMDIEM_COMPLAINT_DAYS = 20
    users = province.users
    users["member"].email = "binh@example.vn"
    users["member"].save()
    subject = member(cycle, province)
    decided(subject)
    done = notices.notify_scope(
        cycle=cycle, unit=province.commune_a, actor=users["decider"], day=D(2026, 1, 5)
    )
    assert done.subjects == 1
    decision = Decision.objects.get(subject=subject)
    assert decision.state == DecisionState.NOTIFIED
    assert decision.complaint_until == D(2026, 1, 25)
    assert [e.state for e in decision.events.all()][-1] == DecisionState.NOTIFIED
    own = Notification.objects.get(user=users["member"])
    assert "HTTNV" in own.text and "Hoàn thành tốt" in own.text and "25/01/2026" in own.text
    assert "khiếu nại" in own.text  # how to complain, in Vietnamese
    assert own.url == f"/decisions/{decision.pk}/result/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["binh@example.vn"]
    # cell A1's secretary (change on A1) and commune A's staff (A decides for A1) are told;
    # the province's staff are not (bounded), nor is anyone in commune B.
    told = set(
        Notification.objects.exclude(user=users["member"]).values_list("user__username", flat=True)
    )
    assert told == {"secretary", "staff_a"}
    assert LogEntry.objects.filter(action="decision.notified").count() == 1
    # a second run tells nobody again
    again = notices.notify_scope(cycle=cycle, unit=province.commune_a, actor=users["decider"])
    assert again.subjects == 0
    assert Notification.objects.count() == 3 and len(mail.outbox) == 1


def test_the_notice_is_in_the_recipients_language(cycle, province):
    users = province.users
    users["member"].language = "en"
    users["member"].save()
    decided(member(cycle, province))
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    text = Notification.objects.get(user=users["member"]).text
    assert "Good completion of duties" in text and "complaint" in text


def test_a_redecision_is_notified_again(cycle, province):
    subject = member(cycle, province)
    decided(subject)
    notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    services.reopen(subject=subject, reason="Có kết luận mới", actor=None)
    services.decide(subject=subject, tier="HTNV", reason="Bị khiển trách", actor=None)
    done = notices.notify_scope(cycle=cycle, unit=province.province, actor=None)
    assert done.subjects == 1
    texts = list(
        Notification.objects.filter(user=province.users["member"]).values_list("text", flat=True)
    )
    assert len(texts) == 2 and any("Bị khiển trách" in t for t in texts)


def test_only_what_the_actor_decides_is_notified(cycle, province):
    users = province.users
    decided(member(cycle, province, "dung"))  # cell B1
    decider_a = accounts.user_create(username="decider_a", password="pass12345!", actor=None)
    accounts.grant_add(user=decider_a, role="decider", unit=province.commune_a, actor=None)
    assert notices.notify_scope(cycle=cycle, unit=province.province, actor=decider_a).subjects == 0
    assert (
        notices.notify_scope(cycle=cycle, unit=province.province, actor=users["staff_p"]).subjects
        == 0
    )
    assert not Decision.objects.filter(state=DecisionState.NOTIFIED).exists()


def test_a_units_result_goes_to_its_head(cycle, province):
    cell = Subject.objects.get(cycle=cycle, unit=province.cell_a1, kind=SubjectKind.PARTY_ORG)
    decision = Decision.objects.create(subject=cell, state=DecisionState.DECIDED, tier="HTTNV")
    notices.notify_decisions([decision.pk], actor=None)
    # An heads cell A1; the secretary login is his
    assert Notification.objects.filter(
        user=province.users["secretary"], key__startswith="decision-result:"
    ).exists()


def test_an_undecided_subject_is_not_notified(cycle, province):
    subject = member(cycle, province)
    services.propose(subject=subject, tier="HTTNV", actor=None)
    assert notices.notify_scope(cycle=cycle, unit=province.province, actor=None).subjects == 0
    with pytest.raises(ValidationError):
        services.reopen(subject=subject, reason="x", actor=None)


def test_a_scope_is_notified_in_a_fixed_number_of_queries(cycle, province):
    """Bulk writes: the statements do not grow with the subjects of a unit (none of these
    members has a login, so no per-user notice is written)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiemdiem.people import services as people

    added = []
    for given in ("Hà", "Hòa", "Hùng"):
        person = people.person_create(
            family_name="Đỗ", middle_name="Văn", given_name=given, actor=None
        )
        added.append(
            subjects.subject_add(
                cycle=cycle,
                kind="party_member",
                unit=province.cell_a2,
                person=person,
                reason="Chuyển đến",
                actor=None,
            )
        )
    first = [member(cycle, province, "cuong")]
    for s in first + added:
        Decision.objects.create(subject=s, state=DecisionState.PROPOSED, tier="HTTNV")
    counts = []
    for batch in (first, added):
        Decision.objects.filter(subject__in=batch).update(state=DecisionState.DECIDED)
        with CaptureQueriesContext(connection) as queries:
            done = notices.notify_scope(cycle=cycle, unit=province.cell_a2, actor=None)
        assert done.subjects == len(batch)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts  # 1 subject or 3: the same statements
