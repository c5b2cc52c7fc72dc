"""This year's opinions in the demo (docs/opinions.md), written through the services after the
self-reviews and proposals of ``review_cycles.this_year``:

* a member of another cell of the secretary login's commune lives in the secretary's village
  (a residence registration): the residence cell is asked and ``bithu`` answers with the
  QĐ 213 duties; his inbox shows it;
* a member with a state job: the employing agency is asked and answers with the state tier
  (it shows on the proposal row);
* about ``dangvien``: the superior committee asked, its deadline passed unanswered (overdue;
  the deadline is set back after the request, as the demo backdates the cycle), and the
  inspection commission asked, not yet due; the chi ủy's comment (``bithu``) and the
  conclusion (``quyetdinh``) on her self-review;
* peer comments in the secretary's cell: over the threshold on ``dangvien``, under it on a
  comrade.
"""

from __future__ import annotations

import datetime
import random

from kiemdiem.accounts.models import User
from kiemdiem.cycles.models import PERSON_SUBJECT_KINDS, ReviewCycle, Subject, Track
from kiemdiem.opinions import services as opinions
from kiemdiem.opinions.models import OpinionRequest
from kiemdiem.people import services as people
from kiemdiem.people.models import Affiliation, AffiliationKind
from kiemdiem.reviews import notes

DAY = datetime.timedelta(days=1)

RESIDENCE_TEXT = (
    "Đồng chí gương mẫu chấp hành chủ trương của Đảng, pháp luật của Nhà nước và quy ước của "
    "thôn; tham gia đầy đủ các buổi sinh hoạt chi bộ nơi cư trú khi được mời. Đề nghị đồng chí "
    "tham gia nhiều hơn vào phong trào vệ sinh môi trường của khu dân cư."
)
AGENCY_TEXT = "Hoàn thành tốt nhiệm vụ chuyên môn được giao; chấp hành tốt kỷ luật công vụ."
CELL_COMMENT = (
    "Đồng chí có lập trường tư tưởng vững vàng, chấp hành tốt sự phân công của chi bộ; tham gia "
    "sinh hoạt đầy đủ. Hạn chế: đôi lúc chưa chủ động đóng góp ý kiến trong sinh hoạt chi bộ. "
    "Chi ủy đề nghị xếp loại ở mức hoàn thành tốt nhiệm vụ."
)
CONCLUSION = "Đồng ý với nhận xét của chi ủy. Xếp loại: Hoàn thành tốt nhiệm vụ."
PEER_TEXTS = [
    "Đồng chí nhiệt tình, sẵn sàng giúp đỡ anh em trong chi bộ.",
    "Cần mạnh dạn phát biểu ý kiến hơn trong các buổi sinh hoạt.",
    "Gương mẫu trong công việc ở thôn, được bà con tin tưởng.",
    "Nên chú ý đóng đảng phí đúng hạn hơn.",
]


def _user(name: str) -> User | None:
    return User.objects.filter(username=name).first()


def _party_subjects(cycle: ReviewCycle):
    return Subject.objects.filter(
        cycle=cycle, track=Track.PARTY, kind__in=PERSON_SUBJECT_KINDS
    ).select_related("cycle", "unit", "person")


def add_opinions(cycle: ReviewCycle, today: datetime.date, rng: random.Random) -> None:
    bithu, dangvien, quyetdinh = _user("bithu"), _user("dangvien"), _user("quyetdinh")
    if bithu is None or dangvien is None:
        return
    cell_link = Affiliation.objects.current().filter(
        person_id=bithu.person_id, kind=AffiliationKind.CELL
    )
    cell = cell_link.first().unit if cell_link.exists() else None
    if cell is None:
        return
    subjects = _party_subjects(cycle)
    deadline = min(today + 7 * DAY, opinions.opinions_due(subjects.filter(unit=cell).first()))
    # a member of another cell of the commune who lives in the secretary's village
    neighbour = (
        subjects.filter(unit__path__startswith=cell.parent.path)
        .exclude(unit=cell)
        .exclude(person__affiliations__kind=AffiliationKind.RESIDENCE)
        .order_by("person__sort_key", "pk")
        .first()
    )
    if neighbour is not None:
        people.affiliation_start(
            person=neighbour.person,
            unit=cell,
            kind=AffiliationKind.RESIDENCE,
            valid_from=datetime.date(today.year, 1, 1),
            actor=None,
        )
        asked, _ = opinions.request_create(
            subject=neighbour, source="residence_cell", deadline=deadline, actor=None
        )
        opinions.answer(
            request=asked,
            actor=bithu,
            duties={
                "exemplary_conduct": "good",
                "civic_duties": "good",
                "attends_meetings": "fulfilled",
                "keeps_contact": "good",
            },
            text=RESIDENCE_TEXT,
        )
    # a member with a state job: the agency's answer carries the state tier
    employed = (
        subjects.filter(
            person__affiliations__kind=AffiliationKind.EMPLOYMENT,
            person__affiliations__valid_to__isnull=True,
        )
        .order_by("unit__path", "person__sort_key", "pk")
        .first()
    )
    if employed is not None:
        asked, _ = opinions.request_create(
            subject=employed, source="employing_agency", deadline=deadline, actor=None
        )
        state = Subject.objects.filter(
            cycle=cycle, person=employed.person, track=Track.STATE
        ).first()
        tier = state.tier if state is not None and state.tier else "HTTNV"
        opinions.answer(request=asked, actor=None, state_tier=tier, text=AGENCY_TEXT)
    # about dangvien: one overdue, one waiting; the chi ủy's comment and the conclusion
    mine = subjects.filter(person_id=dangvien.person_id, unit=cell).first()
    if mine is None:
        return
    late, _ = opinions.request_create(
        subject=mine, source="superior_committee", deadline=deadline, actor=bithu
    )
    OpinionRequest.objects.filter(pk=late.pk).update(deadline=today - 2 * DAY)
    opinions.request_create(
        subject=mine, source="inspection_commission", deadline=deadline, actor=bithu
    )
    notes.note_write(subject=mine, kind="cell_comment", text=CELL_COMMENT, actor=bithu)
    notes.note_write(subject=mine, kind="conclusion", text=CONCLUSION, actor=quyetdinh)
    # peer comments: over the threshold on dangvien, under it on a comrade
    peers = [
        a.person
        for a in Affiliation.objects.current()
        .filter(unit=cell, kind=AffiliationKind.CELL)
        .exclude(person_id__in=[dangvien.person_id])
        .select_related("person")
        .order_by("person__sort_key", "pk")
    ]
    over = opinions.threshold(mine) + 1
    texts = rng.sample(PEER_TEXTS, len(PEER_TEXTS))
    for person, text in zip(peers[:over], texts * 2, strict=False):
        opinions.peer_comment_write(subject=mine, actor=None, text=text, person=person)
    comrade = (
        subjects.filter(unit=cell)
        .exclude(person_id__in=[dangvien.person_id, bithu.person_id])
        .order_by("person__sort_key", "pk")
        .first()
    )
    if comrade is not None:
        opinions.peer_comment_write(
            subject=comrade, actor=None, text=PEER_TEXTS[0], person=bithu.person
        )
