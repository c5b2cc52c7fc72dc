"""Decisions as official documents (``documents`` registry): the list of proposed or decided
tiers of a unit's subtree in a cycle (danh sách đề nghị / quyết định xếp loại; DOCX, PDF, XLSX),
and the notices of results (thông báo kết quả), one per decided subject, as one ZIP."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.cycles.models import ReviewCycle, Subject
from kiemdiem.decisions import policies
from kiemdiem.decisions.models import HOLDS_TIER
from kiemdiem.decisions.notices import deciding_unit
from kiemdiem.documents import registry, render
from kiemdiem.orgtree.forms import ScopedForm, UnitCodeField
from kiemdiem.reviews.exporters import TIER_VI, _slug, header_fields

WHICH = [("decided", _("Decided tiers")), ("proposed", _("Proposed tiers"))]


class ListForm(ScopedForm):
    cycle = forms.ModelChoiceField(label=_("Cycle"), queryset=ReviewCycle.objects.none())
    unit = UnitCodeField(
        label=_("Unit code"), action=Action.VIEW, help_text=_("The unit and its whole subtree.")
    )
    which = forms.ChoiceField(label=_("List"), choices=WHICH, initial="decided", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["cycle"].queryset = restrict(
            ReviewCycle.objects.all(), user, Action.VIEW
        ).order_by("-year", "name")


def decided_subjects(user, cleaned, *, proposed: bool = False):
    """The subjects under the unit in the cycle that the user may see, with a decision that
    holds a tier (or, for the proposal list, any decision with a proposed tier)."""
    qs = restrict(Subject.objects.filter(cycle=cleaned["cycle"]), user, Action.VIEW).filter(
        unit__path__startswith=cleaned["unit"].path
    )
    if proposed:
        qs = qs.filter(decision__isnull=False).exclude(decision__proposed_tier="")
    else:
        qs = qs.filter(decision__state__in=HOLDS_TIER)
    return qs.select_related("unit", "person", "decision", "review").order_by(
        "unit__path", "person__sort_key", "kind", "pk"
    )


def _header(unit) -> dict:
    return header_fields(unit, kind="danh_sach")


def list_table(user, cleaned) -> dict:
    proposed = cleaned.get("which") == "proposed"
    header = ["TT", "Họ và tên / Tổ chức", "Đối tượng", "Nơi kiểm điểm", "Tự nhận"]
    # A decision over a quota or a cap carries its written reason on its row, in every list
    # that includes it (issue #12: "shown in every report that includes it").
    header += ["Đề nghị xếp loại"] if proposed else ["Đề nghị", "Quyết định xếp loại", "Ghi chú"]
    rows = []
    for i, s in enumerate(decided_subjects(user, cleaned, proposed=proposed), start=1):
        review = getattr(s, "review", None)
        d = s.decision
        row = [
            str(i),
            s.person.full_name if s.person_id else s.unit.name,
            str(s.get_kind_display()),
            s.unit.name,
            (review.proposed_tier if review else "") or "",
            d.proposed_tier or "",
        ]
        if not proposed:
            note = (
                f"Quyết định vượt tỷ lệ/mức trần: {d.override_reason}" if d.override_reason else ""
            )
            row += [d.tier or "", note]
        rows.append(row)
    return {"header": header, "rows": rows}


class DecisionListExporter(registry.Exporter):
    identifier = "decision_list"
    label = _("List of proposed or decided tiers")
    description = _("Every subject of the unit's subtree in the cycle with its tiers; a table.")
    formats = ("docx", "pdf", "xlsx")
    form_class = ListForm

    policy = staticmethod(policies.may_export_decisions)

    def count(self, user, cleaned) -> int:
        return 1

    def items(self, user, cleaned):
        yield cleaned, list_table(user, cleaned)

    def render(self, item, fmt) -> registry.Output:
        cleaned, table = item
        proposed = cleaned.get("which") == "proposed"
        title = (
            "DANH SÁCH ĐỀ NGHỊ XẾP LOẠI CHẤT LƯỢNG"
            if proposed
            else "DANH SÁCH QUYẾT ĐỊNH XẾP LOẠI CHẤT LƯỢNG"
        )
        subtitle = f"{cleaned['cycle'].name} — {cleaned['unit'].name}"
        name = f"{'de-nghi' if proposed else 'quyet-dinh'}-xep-loai-{cleaned['unit'].code}-{cleaned['cycle'].year}"
        if fmt == "xlsx":
            return registry.Output(
                f"{name}.xlsx",
                render.render_xlsx(
                    title=title, subtitle=subtitle, header=table["header"], rows=table["rows"]
                ),
            )
        legend = "HTXSNV: " + TIER_VI["HTXSNV"] + "; HTTNV: " + TIER_VI["HTTNV"]
        legend += "; HTNV: " + TIER_VI["HTNV"] + "; KHTNV: " + TIER_VI["KHTNV"] + "."
        context = {
            **_header(cleaned["unit"]),
            "title": title,
            "subtitle": subtitle,
            "table": table,
            "notes": [f"Tổng số: {len(table['rows'])}.", legend],
            "signer_title": "T/M CẤP ỦY",
            "signer_name": "",
        }
        return registry.Output(f"{name}.docx", render.render_docx("list.docx", context))

    def archive_name(self, cleaned) -> str:
        return f"danh-sach-{cleaned['unit'].code}-{cleaned['cycle'].year}"


class NoticeForm(ListForm):
    which = None


class NoticeExporter(registry.Exporter):
    identifier = "decision_notices"
    label = _("Notices of results")
    description = _("A notice of the decided tier to each subject of the unit's subtree; one ZIP.")
    formats = ("docx", "pdf")
    form_class = NoticeForm
    batch = True

    policy = staticmethod(policies.may_export_decisions)

    def count(self, user, cleaned) -> int:
        return decided_subjects(user, cleaned).count()

    def items(self, user, cleaned):
        yield from decided_subjects(user, cleaned).iterator(chunk_size=200)

    def render(self, subject, fmt) -> registry.Output:
        decision = subject.decision
        level = deciding_unit(subject)
        who = subject.person.full_name if subject.person_id else subject.unit.name
        tier = TIER_VI.get(decision.tier, decision.tier)
        lines = [
            f"Căn cứ kết quả kiểm điểm, đánh giá, xếp loại chất lượng {subject.cycle.name};",
            f"{level.name} thông báo kết quả xếp loại chất lượng của {who} "
            f"({subject.get_kind_display()}, {subject.unit.name}) như sau:",
            f"Xếp loại: {tier} ({decision.tier}).",
        ]
        if decision.reason:
            lines.append(f"Lý do: {decision.reason}")
        if decision.complaint_until:
            lines.append(
                "Nếu không đồng ý, có quyền khiếu nại (kèm lý do và tài liệu) đến "
                f"{level.name} đến hết ngày {decision.complaint_until:%d/%m/%Y}."
            )
        context = {
            **header_fields(
                level, kind="thong_bao", when=decision.decided_at, state=subject.track == "state"
            ),
            "title": "THÔNG BÁO",
            "subtitle": "Kết quả xếp loại chất lượng",
            "lines": lines,
            "signer_title": "T/M CẤP ỦY",
            "signer_name": "",
            "recipients": [who, subject.unit.name, "Lưu"],
        }
        data = render.render_docx("notice.docx", context)
        return registry.Output(f"thong-bao-{_slug(who)}-{subject.pk}.docx", data)

    def archive_name(self, cleaned) -> str:
        return f"thong-bao-{cleaned['unit'].code}-{cleaned['cycle'].year}"


def register_exporters() -> None:
    registry.register(DecisionListExporter)
    registry.register(NoticeExporter)
