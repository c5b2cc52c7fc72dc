"""Self-reviews as official documents (``documents`` registry): Mẫu 01, 2A/2B/2C and the state
self-assessment of whatever form the review was written on (the catalogue's ``forms.toml``
covers the 2019, 2023 and 2025 sets), one DOCX each, many as one ZIP.

The document carries the chi ủy's (or the unit's) comments and the approving level's conclusion
in blocks of their own; :func:`opinion_blocks` is the one place their text is read from.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import ReviewCycle, Subject
from kiemdiem.documents import heading, registry, render
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField
from kiemdiem.orgtree.selectors import breadcrumbs
from kiemdiem.people.policies import may_view_personal
from kiemdiem.reviews import catalogue, engine, notes, policies
from kiemdiem.reviews import forms as review_forms
from kiemdiem.reviews.models import NoteKind, SelfReview

DOTS = "…" * 30  # one line of the A4 text width at 14 pt (indented), to write on
# The official documents are in Vietnamese whatever the reader's language.
TIER_VI = {
    "HTXSNV": "Hoàn thành xuất sắc nhiệm vụ",
    "HTTNV": "Hoàn thành tốt nhiệm vụ",
    "HTNV": "Hoàn thành nhiệm vụ",
    "KHTNV": "Không hoàn thành nhiệm vụ",
}


def header_fields(unit, *, kind: str | None, when=None, state: bool = False) -> dict:
    """The header of a document issued by ``unit`` (``documents.heading``): the superior body,
    the body, the number line "Số ……-BC/CB" (none when ``kind`` is None), the date line with
    the place derived from the tree ("An Bình, ngày 05 tháng 12 năm 2025")."""
    return heading.header([*breadcrumbs(unit), unit], kind=kind, when=when, state=state)


def opinion_blocks(subject: Subject) -> dict[str, dict]:
    """The texts of the two blocks under the signature: the chi ủy's (the unit's, the direct
    manager's) comment and the approving level's conclusion — the newest version of each
    ``ReviewNote`` (``reviews.notes``), with the name of who wrote it. A block nobody has
    written yet is left as dotted lines to write on, as on paper; the conclusion carries the
    decided tier once the competent level has decided. Each block: ``lines`` (paragraphs;
    dotted when empty), ``signer_name`` and ``tier``."""
    written = notes.latest(subject)

    def block(kind: str) -> dict:
        note = written.get(kind)
        if note is None:
            return {"lines": [], "signer_name": ""}
        user = note.written_by
        name = ""
        if user is not None:
            name = user.person.full_name if user.person_id else user.get_full_name()
        lines = [line.strip() for line in note.text.splitlines() if line.strip()]
        return {"lines": lines, "signer_name": name}

    tier = TIER_VI.get(subject.tier, subject.tier)
    return {
        "comments": block(NoteKind.CELL_COMMENT),
        "conclusion": {**block(NoteKind.CONCLUSION), "tier": str(tier)},
    }


def _titles(subject: Subject) -> dict[str, str]:
    state = subject.track == "state"
    if state:
        return {
            "signer": "NGƯỜI TỰ ĐÁNH GIÁ" if subject.person_id else "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",
            "comments": "Ý KIẾN NHẬN XÉT, ĐÁNH GIÁ CỦA NGƯỜI QUẢN LÝ TRỰC TIẾP",
            "comments_signer": "NGƯỜI QUẢN LÝ TRỰC TIẾP",
            "conclusion": "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG (PHẦN DÀNH CHO CẤP CÓ THẨM QUYỀN)",
            "conclusion_signer": "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ CÓ THẨM QUYỀN",
        }
    if subject.person_id:
        return {
            "signer": "NGƯỜI TỰ KIỂM ĐIỂM",
            "comments": "NHẬN XÉT, ĐÁNH GIÁ CỦA CHI ỦY (CHI BỘ)",
            "comments_signer": "T/M CHI ỦY (CHI BỘ)",
            "conclusion": "KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG CỦA CẤP CÓ THẨM QUYỀN",
            "conclusion_signer": "T/M CẤP ỦY CÓ THẨM QUYỀN",
        }
    return {
        "signer": heading.on_behalf_of(subject.unit.kind),
        "comments": "NHẬN XÉT, ĐÁNH GIÁ CỦA CẤP ỦY CẤP TRÊN",
        "comments_signer": "T/M CẤP ỦY CẤP TRÊN",
        "conclusion": "KẾT QUẢ XẾP LOẠI CHẤT LƯỢNG CỦA CẤP CÓ THẨM QUYỀN",
        "conclusion_signer": "T/M CẤP ỦY CÓ THẨM QUYỀN",
    }


def _lines(text) -> list[str]:
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def _yes(value) -> str:
    if value in ("true", "on", True):
        return "Có"
    if value in ("false", False):
        return "Không"
    return str(value)


def section_rows(form, content, inputs, proposed_tier: str) -> list[dict]:
    """The sections as the template's ``sections``: ``part``, ``heading``, ``lines``,
    ``table`` (``header`` and ``rows``) or None."""
    out = []
    checklists = catalogue.checklists()
    for s in review_forms.section_views(form, content, inputs or [], editable=False):
        spec = s.spec
        row = {
            "part": f"{s.part.title} ({s.part.points} điểm)" if s.part else "",
            "heading": f"{s.number}. {spec.title}",
            "lines": [],
            "table": None,
        }
        if spec.type == "text":
            row["lines"] = _lines(s.value) or [DOTS]
            if spec.scored:
                row["lines"].append(f"Điểm tự chấm: {s.points or '……'}")
        elif spec.type == "products":
            row["lines"] = _lines(s.value)
            header = [
                "TT",
                "Sản phẩm, nhiệm vụ, chỉ tiêu",
                "Kết quả (số lượng, chất lượng, tiến độ)",
            ]
            if spec.scored:
                header += ["Minh chứng", "Điểm"]
            rows = []
            for i, r in enumerate(s.rows, start=1):
                cells = [str(i), r.get("name", ""), r.get("result", "")]
                if spec.scored:
                    cells += [r.get("evidence", ""), str(r.get("points", ""))]
                rows.append(cells)
            row["table"] = {"header": header, "rows": rows or [[""] * len(header)]}
        elif spec.type == "checklist":
            value = s.value or {}
            checked = set(value.get("checked") or [])
            listed = checklists[spec.list]
            row["lines"] = [f"({listed.source})"]
            items = [
                f"☒ {item.id}. {item.label}"
                for group in listed.groups
                for item in group.items
                if item.id in checked
            ]
            row["lines"] += items or ["Không có biểu hiện nào."]
            row["lines"] += _lines(value.get("explanation"))
        elif spec.type == "shortcomings":
            if s.rows:
                row["table"] = {
                    "header": [
                        "Hạn chế, khuyết điểm đã chỉ ra",
                        "Việc đã làm để khắc phục",
                        "Đã khắc phục",
                    ],
                    "rows": [
                        [
                            r.get("shortcoming", ""),
                            r.get("remedy", ""),
                            "Có" if r.get("done") else "Chưa",
                        ]
                        for r in s.rows
                    ],
                }
            else:
                row["lines"] = ["Kỳ kiểm điểm trước không chỉ ra hạn chế, khuyết điểm."]
        elif spec.type == "rating":
            shown = [(i.label, _yes(v)) for i, v in s.inputs if v not in ("", None)]
            if shown:
                row["table"] = {
                    "header": ["Tiêu chí", "Tự đánh giá"],
                    "rows": [list(x) for x in shown],
                }
            row["lines"] = [f"Tự nhận mức xếp loại: {proposed_tier or '……………………'}"]
        out.append(row)
    return out


def context(subject: Subject, review: SelfReview, *, personal: bool, inputs=None) -> dict:
    """The fields of ``self_review.docx`` (docs/documents.md lists them)."""
    form = catalogue.forms()[review.form_key]
    unit = subject.unit
    titles = _titles(subject)
    tier = TIER_VI.get(review.proposed_tier, review.proposed_tier)
    who = []
    if subject.person_id:
        who.append(f"Họ và tên: {subject.person.full_name}")
        if personal and subject.person.birth_date:
            who.append(f"Ngày sinh: {subject.person.birth_date:%d/%m/%Y}")
    who.append(f"Nơi kiểm điểm: {unit.name}")
    who.append(f"Đối tượng: {subject.get_kind_display()}")
    blocks = opinion_blocks(subject)
    chain = [*breadcrumbs(unit), unit]
    head = heading.header(
        chain,
        kind=None if subject.person_id else "bao_cao",
        when=review.submitted_at,
        state=subject.track == "state",
    )
    # Each block's own date line, as on the paper form: the place, the date left to write in.
    block_date = heading.date_line(None, heading.place_name(chain))
    comments = blocks["comments"]
    conclusion = blocks["conclusion"]
    conclusion_lines = [f"Xếp loại chất lượng: {conclusion['tier'] or '…………………………………'}"]
    conclusion_lines += conclusion["lines"] or [DOTS, DOTS]
    return {
        "form_code": form.code,
        # A member's self-review carries no number (Mẫu 2A/2B/2C); a collective's report
        # (Mẫu 01) is a báo cáo of the unit: "Số ……-BC/…".
        **head,
        "draft": review.status != "submitted",
        "title": form.vi.upper().split(" (")[0],
        "subtitle": subject.cycle.name,
        "who": who,
        "sections": section_rows(
            form,
            review.content or {},
            inputs if inputs is not None else engine.inputs_of(subject),
            str(tier),
        ),
        "signer_title": titles["signer"],
        "signer_name": subject.person.full_name if subject.person_id else "",
        "comments": {
            "title": titles["comments"],
            "lines": comments["lines"] or [DOTS, DOTS, DOTS],
            "signer": titles["comments_signer"],
            "signer_name": comments["signer_name"],
            "note": "(Ký, ghi rõ họ tên)",
            "date_line": block_date,
        },
        "conclusion": {
            "title": titles["conclusion"],
            "lines": conclusion_lines,
            "signer": titles["conclusion_signer"],
            "signer_name": conclusion["signer_name"],
            "note": "(Ký, ghi rõ họ tên, đóng dấu)",
            "date_line": block_date,
        },
    }


def _slug(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split()).lower()[:60]


class SelfReviewForm(ScopedForm):
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=ReviewCycle.objects.none())
    unit = UnitCodeField(
        label=_("Unit code"),
        action=Action.VIEW,
        required=False,
        help_text=_("Every self-review reviewed in this unit and the units under it."),
    )
    subject = forms.IntegerField(label=_("One subject (its number)"), required=False, min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        own = Q(subjects__person_id=getattr(user, "person_id", None) or 0)
        visible = restrict(ReviewCycle.objects.all(), user, Action.VIEW).values("pk")
        self.fields["cycle"].queryset = (
            ReviewCycle.objects.filter(Q(pk__in=visible) | own).distinct().order_by("-year", "name")
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if not data.get("unit") and not data.get("subject"):
            raise forms.ValidationError(_("Give a unit code or one subject."), code="required")
        if data.get("subject"):
            found = subjects(self.user, data).filter(pk=data["subject"]).exists()
            if not found:
                self.add_error(
                    "subject",
                    forms.ValidationError(
                        _("No self-review with this number that you may see in this cycle."),
                        code="unknown",
                    ),
                )
        return data


def subjects(user, cleaned):
    qs = restrict(Subject.objects.filter(cycle=cleaned["cycle"]), user, Action.VIEW).filter(
        review__isnull=False
    )
    if cleaned.get("unit") is not None:
        qs = qs.filter(unit__path__startswith=cleaned["unit"].path)
    if cleaned.get("subject"):
        qs = qs.filter(pk=cleaned["subject"])
    return qs


class SelfReviewExporter(registry.Exporter):
    identifier = "self_reviews"
    label = _("Self-reviews (Mẫu 01, 2A/2B/2C, state self-assessment)")
    description = _(
        "Each self-review on its official form, with the blocks for the chi ủy's comments and "
        "the approving level's conclusion; a unit's reviews as one ZIP."
    )
    formats = ("docx", "pdf")
    form_class = SelfReviewForm

    policy = staticmethod(policies.may_export_reviews)

    def count(self, user, cleaned) -> int:
        return subjects(user, cleaned).count()

    def items(self, user, cleaned):
        qs = (
            subjects(user, cleaned)
            .select_related("unit", "unit__parent", "person", "cycle", "review")
            .order_by("unit__path", "person__sort_key", "kind", "pk")
        )
        inputs: dict = {}  # the rule set's inputs, the same for a unit's subjects of a kind
        for subject in qs.iterator(chunk_size=200):
            personal = subject.person_id is not None and may_view_personal(user, subject.person)
            key = (subject.track, subject.kind, subject.unit_id, subject.person_id is None)
            if key not in inputs:
                inputs[key] = engine.inputs_of(subject)
            yield subject, subject.review, personal, inputs[key]

    def render(self, item, fmt) -> registry.Output:
        subject, review, personal, inputs = item
        data = render.render_docx(
            "self_review.docx", context(subject, review, personal=personal, inputs=inputs)
        )
        who = subject.person.full_name if subject.person_id else subject.unit.name
        form = catalogue.forms()[review.form_key]
        code = form.code.split("-")[0].replace("Mẫu ", "mau-").replace(" ", "")
        return registry.Output(f"{_slug(code)}-{_slug(who)}-{subject.pk}.docx", data)

    def archive_name(self, cleaned) -> str:
        unit = cleaned.get("unit")
        return (
            f"ban-kiem-diem-{unit.code if unit else cleaned.get('subject')}-{cleaned['cycle'].year}"
        )


def register_exporters() -> None:
    registry.register(SelfReviewExporter)
