"""A stored signal read back into words, with the numbers behind it, in the reader's language.

The rows keep numbers only (``Signal.numbers``); the words are made here when the page or the
API reads them, so a signal reads in Vietnamese or English and a better wording needs no
recomputation.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kiemdiem.insights.models import Signal, SignalKind
from kiemdiem.orgtree.models import UnitKind


def _tier(code: str) -> str:
    return code or pgettext("tier", "none")


def _kind(code: str) -> str:
    try:
        return str(UnitKind(code).label)
    except ValueError:
        return code or "—"


def explain(signal: Signal) -> str:
    n = signal.numbers or {}
    if signal.kind == SignalKind.ALL_GOOD_UNIT_MISSED:
        missed = []
        if "tier" in n.get("reasons", []):
            missed.append(_("the unit is rated %(tier)s") % {"tier": n.get("unit_tier")})
        if "tasks" in n.get("reasons", []):
            missed.append(
                _("its report records %(pct)s%% of tasks done") % {"pct": n.get("pct_tasks_done")}
            )
        if "key_targets" in n.get("reasons", []):
            missed.append(_("its report records key targets missed"))
        return _(
            "All %(good)s of %(people)s people rated here are HTTNV or better (%(top)s HTXSNV), "
            "while %(missed)s."
        ) % {
            "good": n.get("good"),
            "people": n.get("people"),
            "top": n.get("htxsnv"),
            "missed": "; ".join(missed),
        }
    if signal.kind == SignalKind.TIER_GAP:
        text = _(
            "Self-proposed %(self)s, meeting vote %(vote)s, proposed %(proposed)s, decided "
            "%(decided)s: %(gap)s tiers apart."
        ) % {
            "self": _tier(n.get("self", "")),
            "vote": _tier(n.get("vote", "")),
            "proposed": _tier(n.get("proposed", "")),
            "decided": _tier(n.get("decided", "")),
            "gap": n.get("gap"),
        }
        if not n.get("votes_recorded"):
            text += " " + _("(No meeting votes are recorded in this system yet.)")
        return text
    if signal.kind == SignalKind.HTXSNV_OUTLIER:
        return _(
            "%(x)s of %(n)s people rated HTXSNV (%(share)s%%). Among %(units)s comparable units "
            "(%(kind)s under a %(parent)s) the median share is %(median)s%% and the median "
            "absolute deviation %(mad)s points, so the bar (median + %(k)s × 1.4826 × MAD) is "
            "%(threshold)s%%. Were each person HTXSNV with the other units' pooled share of "
            "%(pooled)s%%, %(x)s or more of %(n)s would happen with probability %(p)s "
            "(binomial test, below %(alpha)s)."
        ) % {
            "x": n.get("htxsnv"),
            "n": n.get("people"),
            "share": n.get("share"),
            "units": n.get("group_units"),
            "kind": _kind(n.get("unit_kind", "")),
            "parent": _kind(n.get("parent_kind", "")),
            "median": n.get("median"),
            "mad": n.get("mad"),
            "k": n.get("k"),
            "threshold": n.get("threshold"),
            "pooled": n.get("pooled"),
            "p": n.get("p_value"),
            "alpha": n.get("alpha"),
        }
    if signal.kind == SignalKind.OVERRIDE:
        broken = "; ".join(b for b in n.get("broken", []) if b) or "—"
        return _("Decided %(tier)s over: %(broken)s. Reason given: %(reason)s") % {
            "tier": _tier(n.get("tier", "")),
            "broken": broken,
            "reason": n.get("reason", ""),
        }
    if signal.kind == SignalKind.LEADER_ABOVE_UNIT:
        return _("Rated %(tier)s while the unit they lead is rated %(unit_tier)s.") % {
            "tier": n.get("tier"),
            "unit_tier": n.get("unit_tier"),
        }
    return ""
