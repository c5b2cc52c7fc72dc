"""Review cycles' audit actions, registered in ``CyclesConfig.ready``."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kiemdiem.audit.registry import Field, register
from kiemdiem.cycles.models import (
    CycleKind,
    LocalPack,
    PinnedPack,
    Plan,
    ReviewCycle,
    Stage,
    StageKind,
    Subject,
    SubjectKind,
)
from kiemdiem.rules_engine.explain import tier_label
from kiemdiem.rules_engine.types import Tier


def _verbose(model, name: str):
    """A model field's verbose name, capitalised (lazy: read in the reader's language)."""
    return capfirst(model._meta.get_field(name).verbose_name)


def tier_text(value, ctx) -> str:
    """A tier by the engine's name for it, in the reader's language."""
    if isinstance(value, str) and value.upper() in Tier.__members__:
        return tier_label(Tier.parse(value), ctx.language)
    return ctx.text(value)


def _stages(value, ctx) -> str:
    """A plan's timetable {kind: [from, to]} as "stage: from – to; …"."""
    if not isinstance(value, dict):
        return ctx.text(value)
    return "; ".join(
        f"{StageKind(kind).label if kind in StageKind.values else kind}: "
        + " – ".join(ctx.text(day) for day in days)
        for kind, days in value.items()
    )


STAGES = {
    "stages": Field(capfirst(Stage._meta.verbose_name_plural), render=_stages),
    "peer_comment_threshold": Field(
        capfirst(Plan._meta.get_field("peer_comment_threshold").verbose_name)
    ),
}
REASON = Field(_("Reason or decision"))


def register_actions() -> None:
    register(
        "cycle.opened",
        _("Review cycle opened"),
        {
            "kind": Field(_("Kind"), choices=dict(CycleKind.choices)),
            "year": Field(_verbose(ReviewCycle, "year")),
            "quarter": Field(_verbose(ReviewCycle, "quarter")),
            "packs": Field(capfirst(PinnedPack._meta.verbose_name_plural), many=True),
        },
    )
    register(
        "cycle.subjects_generated",
        _("Subject list generated"),
        {"count": Field(_("Subjects listed")), "reference_day": Field(_("Reference day"))},
    )
    register("cycle.closed", _("Review cycle closed"))
    register("plan.issued", _("Plan issued"), STAGES)
    register(
        "plan.returned",
        _("Plan sent back"),
        {"comment": Field(_verbose(Plan, "return_comment"))},
    )
    register("plan.revised", _("Plan revised"), STAGES)
    register("subject.excluded", _("Subject taken out of the rating"), {"reason": REASON})
    register(
        "subject.added",
        _("Subject added"),
        {"kind": Field(_("Kind"), choices=dict(SubjectKind.choices)), "reason": REASON},
    )
    register("subject.carried_over", _("Subject carried over undecided"), {"reason": REASON})
    # Written by cycles.services.subject_rate until decisions became the one writer of the
    # tier ("decision.decided"): kept so the entries already logged still read as text.
    register(
        "subject.rated",
        _("Rating recorded"),
        {
            "tier": Field(_verbose(Subject, "tier"), render=tier_text),
            "note": Field(capfirst(_("note"))),
        },
    )
    register(
        "place.chosen",
        _("Final tier chosen between places"),
        {
            "tier": Field(_("Final tier"), render=tier_text),
            "reason": REASON,
            "places": Field(_("Ratings in the places"), many=True),
        },
    )
    register(
        "rule_pack.loaded",
        _("Local rule pack loaded"),
        {
            "pack": Field(capfirst(LocalPack._meta.verbose_name)),
            "extends": Field(_verbose(LocalPack, "extends")),
            "hash": Field(_verbose(LocalPack, "content_hash")),
        },
    )
    register(
        "cycle.pack_pinned",
        _("Local rule pack pinned to the cycle"),
        {
            "pack": Field(capfirst(LocalPack._meta.verbose_name)),
            "extends": Field(_verbose(LocalPack, "extends")),
        },
    )
