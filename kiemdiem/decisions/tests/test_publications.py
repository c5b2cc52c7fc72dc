"""Publication: a snapshot of the decided list shown to its audience for its period, then
withdrawn; never to anyone else, never anything personal beyond name, kind, unit and tier."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kiemdiem.accounts import services as accounts
from kiemdiem.audit.models import LogEntry
from kiemdiem.common.dates import today
from kiemdiem.cycles import subjects
from kiemdiem.decisions import notices, publications, services
from kiemdiem.decisions.models import (
    Audience,
    Decision,
    DecisionState,
    Publication,
    PublicationRow,
)
from kiemdiem.decisions.tests.test_notices import decided, member
from kiemdiem.testing import open_annual

D = datetime.date


@pytest.fixture
def cycle(province):
    cycle = open_annual(province, 2025)
    subjects.subjects_generate(cycle=cycle, actor=None)
    decided(member(cycle, province, "binh"), "HTXSNV")
    decided(member(cycle, province, "cuong"), "HTNV")
    notices.notify_scope(cycle=cycle, unit=province.commune_a, actor=None)  # notify, then publish
    return cycle


def rows(pub, search=""):
    return [
        (r.name, r.tier, r.unit) for r in publications.rows_of(pub, search)
    ]


def publish(cycle, unit, actor, audience=Audience.MEMBERS, audience_unit=None, **kw):
    day = today()
    return publications.publish(
        cycle=cycle,
        unit=unit,
        audience=audience,
        audience_unit=audience_unit,
        starts_on=kw.get("starts_on", day),
        ends_on=kw.get("ends_on", day + datetime.timedelta(days=10)),
        actor=actor,
    )


def test_a_published_list_is_a_snapshot_of_names_kinds_units_and_tiers(cycle, province):
    pub = publish(cycle, province.cell_a1, province.users["staff_a"])
    assert rows(pub) == [("Trần Thị Bình", "HTXSNV", "Chi bộ thôn Đông")]
    assert pub.row_count == 1
    fields = {f.name for f in PublicationRow._meta.fields}
    assert fields == {
        "id", "publication", "position", "subject_id", "name", "name_key", "kind", "unit", "tier"
    }  # no birth date
    binh = member(cycle, province, "binh")
    assert Decision.objects.get(subject=binh).state == DecisionState.PUBLISHED
    entry = LogEntry.objects.get(action="publication.published")
    assert entry.actor == province.users["staff_a"] and entry.data["audience"] == "members"
    # the snapshot does not change when the tier is later decided again
    services.reopen(subject=binh, reason="Khiếu nại", actor=None)
    services.decide(subject=binh, tier="HTTNV", reason="Sau khiếu nại", actor=None)
    assert rows(pub) == [("Trần Thị Bình", "HTXSNV", "Chi bộ thôn Đông")]


def test_members_see_what_is_published_to_them_and_nobody_else_does(cycle, province):
    users = province.users
    pub = publish(cycle, province.cell_a1, users["staff_a"])  # members of cell A1
    assert list(publications.published_to(users["member"])) == [pub]  # Bình, cell A1
    cuong = accounts.user_create(
        username="cuong", password="pass12345!", person=province.members["cuong"], actor=None
    )
    dung = accounts.user_create(
        username="dung", password="pass12345!", person=province.members["dung"], actor=None
    )
    assert not publications.published_to(cuong).exists()  # cell A2
    assert not publications.published_to(dung).exists()  # commune B
    assert not publications.published_to(users["nogrant"]).exists()
    wide = publish(cycle, province.commune_a, users["staff_a"], audience=Audience.SUBTREE)
    assert set(publications.published_to(cuong)) == {wide}
    assert not publications.published_to(dung).exists()


def test_a_publication_shows_only_in_its_period(cycle, province):
    day = today()
    pub = publish(
        cycle,
        province.cell_a1,
        province.users["staff_a"],
        starts_on=day + datetime.timedelta(days=3),
        ends_on=day + datetime.timedelta(days=5),
    )
    member_user = province.users["member"]
    assert not publications.published_to(member_user).exists()
    assert list(publications.published_to(member_user, day + datetime.timedelta(days=4))) == [pub]
    assert not publications.published_to(member_user, day + datetime.timedelta(days=6)).exists()


def test_a_withdrawn_publication_no_longer_shows(cycle, province):
    users = province.users
    pub = publish(cycle, province.cell_a1, users["staff_a"])
    with pytest.raises(ValidationError):
        publications.withdraw(publication=pub, reason=" ", actor=users["staff_a"])
    with pytest.raises(PermissionDenied):
        publications.withdraw(publication=pub, reason="Nhầm", actor=users["staff_b"])
    publications.withdraw(publication=pub, reason="Danh sách chưa đủ", actor=users["staff_a"])
    assert not publications.published_to(users["member"]).exists()
    entry = LogEntry.objects.get(action="publication.withdrawn")
    assert entry.actor == users["staff_a"] and entry.data["reason"] == "Danh sách chưa đủ"
    with pytest.raises(ValidationError):
        publications.withdraw(publication=pub, reason="Lần nữa", actor=users["staff_a"])


def test_only_the_deciding_level_publishes_within_its_line(cycle, province):
    users = province.users
    for who in ("member", "nogrant", "staff_b", "inspector"):
        with pytest.raises(PermissionDenied):
            publish(cycle, province.cell_a1, users[who])
    with pytest.raises(PermissionDenied):  # A's staff may not show A's list to commune B
        publish(cycle, province.commune_a, users["staff_a"], audience_unit=province.commune_b)
    with pytest.raises(ValidationError):  # A1 and A2 are not in one line
        publish(cycle, province.cell_a1, users["staff_p"], audience_unit=province.cell_a2)
    with pytest.raises(ValidationError, match="end_date|ends_on|trước|before"):
        publish(
            cycle,
            province.cell_a1,
            users["staff_a"],
            starts_on=today(),
            ends_on=today() - datetime.timedelta(days=1),
        )
    assert publish(cycle, province.cell_a1, users["decider"]).row_count  # a decider may publish
    with pytest.raises(ValidationError):  # nothing decided in B
        publish(cycle, province.commune_b, users["staff_b"])


def test_only_notified_results_are_published_hd21_notify_then_publish(cycle, province):
    """HD 21: a result is made public only after its subject was told. A list leaves out what
    is decided but not notified yet (the page counts them), and moves only the notified on."""
    binh = member(cycle, province, "binh")
    services.reopen(subject=binh, reason="Khiếu nại", actor=None)
    services.decide(subject=binh, tier="HTTNV", reason="Sau khiếu nại", actor=None)
    # Bình's new tier is decided again but not told yet: Cường (notified) alone is listed.
    assert list(publications.not_notified(cycle, province.commune_a)) == [binh]
    pub = publish(cycle, province.commune_a, province.users["staff_a"], audience=Audience.SUBTREE)
    assert [name for name, _t, _u in rows(pub)] == ["Lê Văn Cường"]
    assert Decision.objects.get(subject=binh).state == DecisionState.REDECIDED
    assert notices.notify_scope(cycle=cycle, unit=province.commune_a, actor=None).subjects == 1
    again = publish(cycle, province.commune_a, province.users["staff_a"])
    assert [(name, tier) for name, tier, _u in rows(again)] == [
        ("Trần Thị Bình", "HTTNV"),
        ("Lê Văn Cường", "HTNV"),
    ]
    assert Decision.objects.get(subject=binh).state == DecisionState.PUBLISHED


def test_a_list_with_nothing_notified_is_refused_and_says_notify_first(cycle, province):
    decided(member(cycle, province, "dung"), "HTNV")  # commune B, not notified
    with pytest.raises(ValidationError, match="thông báo|notif"):
        publish(cycle, province.commune_b, province.users["staff_b"])
    assert not Publication.objects.filter(unit=province.commune_b).exists()
    dung = member(cycle, province, "dung")
    assert Decision.objects.get(subject=dung).state == DecisionState.DECIDED
