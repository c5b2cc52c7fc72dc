"""The meeting's minutes as official documents (``documents`` registry): the minutes of the
review meeting (biên bản hội nghị kiểm điểm) and the vote-count minutes (biên bản kiểm phiếu),
DOCX (and PDF through the registry's converter), from the same data as the printable pages
(``/meetings/<id>/minutes/``, ``…/count-minutes/``), on ``minutes.docx``
(``documents/layout.py``). A secret ballot is written as its counts only: no voter's name is
ever next to a choice (nothing stores one)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiemdiem.documents import registry, render
from kiemdiem.meetings import policies, selectors, services
from kiemdiem.meetings.models import QuestionStatus, VoteMethod
from kiemdiem.orgtree.forms import ScopedForm
from kiemdiem.reviews.exporters import _slug, header_fields


class MinutesForm(ScopedForm):
    meeting = forms.ModelChoiceField(label=_("Review meeting"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["meeting"].queryset = selectors.meetings(user).order_by("-starts_at", "pk")


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%H giờ %M, ngày %d/%m/%Y") if moment else "……"


def _who(subject) -> str:
    return subject.person.full_name if subject.person_id else subject.unit.name


def _counts(question) -> str:
    return "; ".join(f"{o}: {c}" for o, c in selectors.counts_of(question))


def _membership(row) -> str:
    if row.exempt:
        return "Miễn sinh hoạt"
    return "Chính thức" if row.official else "Dự bị"


def _presence(row) -> str:
    text = {"present": "Có mặt", "absent": "Vắng mặt"}.get(row.presence, "Chưa điểm danh")
    return f"{text} ({row.reason})" if row.reason else text


def _quorum_lines(q) -> list[str]:
    return [
        f"Tổng số đảng viên chính thức (không tính người được miễn sinh hoạt): {q.official}; "
        f"có mặt: {q.present_official}; số cần có mặt: {q.needed} — "
        + ("đủ điều kiện tiến hành." if q.reached else "chưa đủ số lượng."),
        f"Đảng viên dự bị: {q.probationary} (dự họp, không biểu quyết); miễn sinh hoạt: "
        f"{q.exempt}; vắng mặt: {q.absent}.",
    ]


def minutes_context(meeting, kind: str) -> dict:
    """The template's fields: the same data as the printable page of ``kind``."""
    q = services.quorum(meeting)
    agenda = selectors.agenda(meeting)
    unit = meeting.unit
    base = header_fields(unit, kind="bien_ban", when=meeting.starts_at)
    head = [
        f"Thời gian: {_when(meeting.starts_at)}. Địa điểm: {meeting.place}.",
        f"Đợt kiểm điểm: {meeting.cycle.name}.",
        f"Chủ trì: {meeting.chair.full_name if meeting.chair_id else '……'}. "
        f"Thư ký: {meeting.secretary.full_name if meeting.secretary_id else '……'}.",
    ]
    if kind == "count":
        rows = []
        committees = []
        for row in agenda:
            for question in row.questions:
                if question.status != QuestionStatus.CLOSED:
                    continue
                rows.append(
                    [
                        _who(row.item.subject),
                        str(question.get_method_display()),
                        str(question.voters),
                        str(question.cast),
                        _counts(question),
                        str(question.needed),
                        question.result or "Không phương án nào đạt",
                    ]
                )
                if question.counted_by and question.counted_by not in committees:
                    committees.append(question.counted_by)
        sections = [
            {"heading": "", "lines": head[:2], "table": None},
            {"heading": "I. Số đảng viên", "lines": _quorum_lines(q), "table": None},
            {
                "heading": "II. Kết quả biểu quyết, kiểm phiếu",
                "lines": [],
                "table": {
                    "header": [
                        "Đối tượng",
                        "Hình thức",
                        "Có quyền biểu quyết có mặt",
                        "Số phiếu",
                        "Kết quả từng mức",
                        "Số phiếu cần đạt",
                        "Kết quả",
                    ],
                    "rows": rows or [["—"] * 7],
                    # mm, of the 165 mm between the margins: the counts of each tier read on
                    # two lines, not one word a line
                    "widths": [30, 21, 20, 15, 36, 18, 25],
                },
            },
            {
                "heading": "",
                "lines": [
                    "Ban kiểm phiếu: " + ("; ".join(committees) or "……") + ".",
                    "Một mức được thông qua khi có quá nửa số đảng viên chính thức có mặt có "
                    "quyền biểu quyết tán thành.",
                ],
                "table": None,
            },
        ]
        return {
            **base,
            "title": "BIÊN BẢN KIỂM PHIẾU",
            "subtitle": f"Hội nghị kiểm điểm của {unit.name}",
            "sections": sections,
            "left_title": "BAN KIỂM PHIẾU",
            "left_name": "",
            "right_title": "CHỦ TRÌ",
            "right_name": meeting.chair.full_name if meeting.chair_id else "",
        }
    roll = [
        [str(i), r.person.full_name, _membership(r), _presence(r)]
        for i, r in enumerate(selectors.roll(meeting), start=1)
    ]
    sections = [
        {"heading": "", "lines": head, "table": None},
        {
            "heading": "I. Thành phần dự họp",
            "lines": _quorum_lines(q),
            "table": {
                "header": ["TT", "Họ và tên", "Đảng viên", "Điểm danh"],
                "rows": roll,
                "widths": [12, 68, 35, 50],
            },
        },
    ]
    items = []
    for row in agenda:
        subject = row.item.subject
        lines = [
            f"Mức tự đánh giá: {row.self_proposed or '—'}; mức theo quy định: "
            f"{row.engine_tier or '—'}."
        ]
        if row.item.notes:
            lines += ["Ý kiến thảo luận: " + row.item.notes]
        for question in row.questions:
            if question.status != QuestionStatus.CLOSED:
                continue
            how = "Bỏ phiếu kín" if question.method == VoteMethod.SECRET else "Biểu quyết giơ tay"
            lines.append(
                f"{how}: {_counts(question)} ({question.cast}/{question.voters} đã biểu quyết). "
                f"Kết quả: {question.result or 'không phương án nào đạt'}."
            )
        items.append(
            {
                "heading": f"{row.item.position}. {_who(subject)} — {subject.get_kind_display()}",
                "lines": lines,
                "table": None,
            }
        )
    sections.append({"heading": "II. Nội dung kiểm điểm", "lines": [], "table": None})
    sections += items
    closing = []
    if meeting.summary:
        closing.append("Kết luận của hội nghị: " + meeting.summary)
    if meeting.closed_at:
        closing.append(f"Hội nghị kết thúc lúc {_when(meeting.closed_at)}.")
    if closing:
        sections.append({"heading": "III. Kết luận", "lines": closing, "table": None})
    return {
        **base,
        "title": "BIÊN BẢN",
        "subtitle": f"Hội nghị kiểm điểm, đánh giá, xếp loại chất lượng — {unit.name}",
        "sections": sections,
        "left_title": "THƯ KÝ",
        "left_name": meeting.secretary.full_name if meeting.secretary_id else "",
        "right_title": "CHỦ TRÌ",
        "right_name": meeting.chair.full_name if meeting.chair_id else "",
    }


class _MinutesExporter(registry.Exporter):
    formats = ("docx", "pdf")
    form_class = MinutesForm
    unit_field = ""
    kind = "meeting"
    prefix = "bien-ban"

    policy = staticmethod(policies.may_export_minutes)

    def items(self, user, cleaned):
        yield cleaned["meeting"]

    def render(self, meeting, fmt) -> registry.Output:
        context = minutes_context(meeting, self.kind)
        data = render.render_docx("minutes.docx", context)
        tables = (s["table"] for s in context["sections"] if s["table"])
        data = render.column_widths(data, {tuple(t["header"]): t["widths"] for t in tables})
        day = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")
        return registry.Output(f"{self.prefix}-{_slug(meeting.unit.name)}-{day}.docx", data)

    def archive_name(self, cleaned) -> str:
        return f"{self.prefix}-{cleaned['meeting'].pk}"

    def unit_of(self, cleaned):
        meeting = cleaned.get("meeting")
        return meeting.unit if meeting is not None else None


class MeetingMinutesExporter(_MinutesExporter):
    identifier = "meeting_minutes"
    label = _("Minutes of the review meeting")
    description = _("Time, place, attendance and quorum, each subject's tiers, notes and vote.")


class CountMinutesExporter(_MinutesExporter):
    identifier = "count_minutes"
    label = _("Vote-count minutes")
    description = _(
        "Per vote: those present with a vote, votes cast, counts, votes needed, result."
    )
    kind = "count"
    prefix = "bien-ban-kiem-phieu"


def register_exporters() -> None:
    registry.register(MeetingMinutesExporter)
    registry.register(CountMinutesExporter)
