"""Web pages of review cycles: the list, a cycle with its plans, a unit's plan and subjects."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kiemdiem import rules_engine
from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import get_or_404, restrict
from kiemdiem.common.dates import today
from kiemdiem.common.forms import add_service_errors
from kiemdiem.common.memo import memo_fragment
from kiemdiem.common.views import paginate, render_page
from kiemdiem.cycles import board, policies, selectors, services, subjects
from kiemdiem.cycles.forms import CycleOpenForm, ReturnForm, StagesForm
from kiemdiem.cycles.models import (
    OUT_OF_RATING,
    Plan,
    ReviewCycle,
    StageKind,
    Subject,
    SubjectKind,
    SubjectStatus,
    TierChoice,
)
from kiemdiem.orgtree.models import Unit, ancestor_paths
from kiemdiem.orgtree.selectors import breadcrumbs, unit_get


@login_required
def cycle_list(request):
    cycles = selectors.cycle_list_with_plan_counts(request.user)
    return render_page(request, "cycles/cycle_list.html", {"page": paginate(request, cycles)})


def _cycle(user, pk) -> ReviewCycle:
    return get_or_404(ReviewCycle.objects.select_related("root"), user, Action.VIEW, pk=pk)


@login_required
def cycle_detail(request, pk):
    cycle = _cycle(request.user, pk)
    plans = selectors.plan_list(request.user, cycle)
    counts = selectors.subject_counts(request.user, cycle)
    context = {
        "cycle": cycle,
        "packs": [
            (pin, _kind_labels(pin))
            for pin in cycle.packs.select_related("local_pack", "scope").order_by(
                "track", "scope", "pack_id"
            )
        ],
        "plans": plans,
        "counts": counts,
        "can_change": policies.CyclePolicy(request.user, cycle).may_manage,
        "board_units": policies.board_units(request.user, cycle),
        "pinnable": pinnable_local_packs(request.user, cycle),
        "place_conflicts": _open_conflicts(request.user, cycle),
    }
    return render_page(request, "cycles/cycle_detail.html", context)


def _open_conflicts(user, cycle, unit=None) -> int:
    """How many persons the user can see (under ``unit``: a board) are rated differently in
    several places with no choice recorded on those ratings yet — a count, scoped before it is
    grouped; the list is on the places page."""
    from kiemdiem.cycles import places

    return places.open_count(cycle, user, unit=unit)


def _kind_labels(pin) -> list[str]:
    """The subject kinds a pinned rule set applies to, as the rule set (or we) name them."""
    from kiemdiem.cycles.local_packs import pack_of_pin

    lang = "en" if (get_language() or "vi").startswith("en") else "vi"
    try:
        kinds = pack_of_pin(pin).kinds
    except rules_engine.PackError:
        kinds = {}
    labels = []
    for name in pin.subject_kinds:
        if name in kinds:
            labels.append(kinds[name].label(lang))
        elif name in SubjectKind.values:
            labels.append(str(SubjectKind(name).label))
        else:
            labels.append(name)
    return labels


@login_required
@require_http_methods(["GET", "POST"])
def cycle_open(request, unit_pk):
    root = unit_get(request.user, unit_pk, Action.CHANGE)
    year = today().year
    form = CycleOpenForm(
        request.POST or None,
        initial={
            "year": year,
            "kind": "annual",
            "period_start": today().replace(month=1, day=1),
            "period_end": today().replace(month=12, day=31),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cycle = services.cycle_open(
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                year=data["year"],
                quarter=data["quarter"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                root=root,
                stages=form.windows(),
                guidance=data["guidance"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Cycle “%(name)s” opened.") % {"name": cycle.name})
            return redirect("cycle-detail", pk=cycle.pk)
    context = {
        "form": form,
        "unit": root,
        "title": _("Open a review cycle at %(unit)s") % {"unit": root},
    }
    return render_page(
        request, "cycles/stages_form.html", context, status=400 if form.errors else 200
    )


@login_required
def cycle_unit(request, pk, unit_pk):
    """One unit in a cycle: its plan (or the parent's), and the subjects reviewed there."""
    cycle = _cycle(request.user, pk)
    unit = unit_get(request.user, unit_pk)
    plan = Plan.objects.filter(cycle=cycle, unit=unit).prefetch_related("stages").first()
    parent_plan = plan.parent if plan else services.parent_plan_for(cycle, unit)
    rows = selectors.subjects_with_prerequisites(request.user, cycle, unit)
    submitted = set(
        board.submitted_subjects(
            Subject.objects.filter(pk__in=[r.subject.pk for r in rows])
        ).values_list("pk", flat=True)
    )
    for row in rows:  # the board's words: a submitted report waits for the rating
        subject = row.subject
        subject.status_label = (
            rating_label(subject) if subject.pk in submitted else subject.get_status_display()
        )
    context = {
        "cycle": cycle,
        "unit": unit,
        "crumbs": breadcrumbs(unit),
        "plan": plan,
        "parent_plan": parent_plan,
        "rows": rows,
        "can_change": policies.may_issue_plan(request.user, unit),
        "can_return": plan is not None and policies.PlanPolicy(request.user, plan).may_return,
        "children": selectors.child_progress(request.user, cycle, unit),
        "in_cycle": unit.path.startswith(cycle.root.path),
    }
    return render_page(request, "cycles/cycle_unit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_issue(request, pk, unit_pk):
    cycle = _cycle(request.user, pk)
    unit = unit_get(request.user, unit_pk, Action.CHANGE)
    plan = Plan.objects.filter(cycle=cycle, unit=unit).first()
    initial = {}
    if plan:
        initial["guidance"] = plan.guidance
        initial["peer_comment_threshold"] = plan.peer_comment_threshold
        for stage in plan.stages.all():
            initial[f"{stage.kind}_from"], initial[f"{stage.kind}_due"] = (
                stage.starts_on,
                stage.due_on,
            )
    form = StagesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if plan:
                services.plan_revise(
                    plan=plan,
                    stages=form.windows(),
                    guidance=form.cleaned_data["guidance"],
                    peer_comment_threshold=form.cleaned_data["peer_comment_threshold"],
                    actor=request.user,
                )
            else:
                services.plan_issue(
                    cycle=cycle,
                    unit=unit,
                    stages=form.windows(),
                    guidance=form.cleaned_data["guidance"],
                    peer_comment_threshold=form.cleaned_data["peer_comment_threshold"],
                    actor=request.user,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Plan issued."))
            return redirect("cycle-unit", pk=cycle.pk, unit_pk=unit.pk)
    parent = services.parent_plan_for(cycle, unit)
    context = {
        "form": form,
        "unit": unit,
        "cycle": cycle,
        "parent_plan": parent,
        "title": _("Plan of %(unit)s for %(cycle)s") % {"unit": unit, "cycle": cycle},
    }
    return render_page(
        request, "cycles/stages_form.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def plan_return(request, pk, unit_pk):
    cycle = _cycle(request.user, pk)
    plan = get_or_404(
        Plan.objects.select_related("parent__unit", "unit"),
        request.user,
        Action.VIEW,
        cycle=cycle,
        unit_id=unit_pk,
    )
    if not policies.PlanPolicy(request.user, plan).may_return:
        return render_page(request, "403.html", {}, status=403)
    form = ReturnForm(request.POST)
    if form.is_valid():
        services.plan_return(plan=plan, comment=form.cleaned_data["comment"], actor=request.user)
        messages.success(request, _("The plan was sent back to %(unit)s.") % {"unit": plan.unit})
    else:
        messages.error(request, _("Say what needs changing."))
    return redirect("cycle-unit", pk=cycle.pk, unit_pk=unit_pk)


@login_required
@require_POST
def subjects_generate(request, pk):
    cycle = _cycle(request.user, pk)
    if not policies.CyclePolicy(request.user, cycle).may_generate_subjects:
        raise Http404
    try:
        count = subjects.subjects_generate(cycle=cycle, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(n)d subjects listed from the registry.") % {"n": count})
    return redirect(reverse("cycle-detail", args=[cycle.pk]))


def _board_scope(request, pk, unit_pk) -> tuple[ReviewCycle, Unit]:
    """The cycle and a unit inside it, through the door of the unit. That door is the cycle's
    too: whoever may open a unit under the cycle's root may open the cycle (their scope and
    the root both lie on the unit's line of ancestors, so one contains the other — the cycle
    door's two cases; a member's own unit is the owner case), so the cycle is read as is."""
    cycle = ReviewCycle.objects.select_related("root").filter(pk=pk).first()
    unit = unit_get(request.user, unit_pk)
    if cycle is None or not unit.path.startswith(cycle.root.path):
        raise Http404  # no such cycle, or the unit is outside it
    return cycle, unit


def _board_crumbs(user, cycle: ReviewCycle, unit: Unit) -> list[Unit]:
    """The levels above ``unit`` inside the cycle that ``user`` may open a board for."""
    above = [c.pk for c in breadcrumbs(unit) if c.path.startswith(cycle.root.path)]
    return list(restrict(Unit.objects.filter(pk__in=above), user, Action.VIEW).order_by("path"))


STATE_LABELS = {
    board.SELF_REVIEW: {
        "done": gettext_lazy("Submitted"),
        "in_progress": gettext_lazy("In progress"),
        "not_started": gettext_lazy("Not started"),
        "overdue": gettext_lazy("Overdue"),
    },
    board.DECISION: {
        "rated": gettext_lazy("Rated"),
        "pending": gettext_lazy("Waiting for the rating"),
        "overdue": gettext_lazy("Overdue"),
        "not_rated": gettext_lazy("Not rated"),
    },
}
STAGE_LABELS = {
    board.SELF_REVIEW: StageKind.SELF_REVIEW.label,
    board.DECISION: gettext_lazy("Rating"),
}


@dataclass
class Cell:
    count: int
    href: str = ""
    css: str = "num"
    late: bool = False
    percent: int | None = None
    due: object = None  # the row's own due date, when it differs from the board's


# The board's columns after the unit: (count, stage, state, css, percent, due of a stage).
COLUMNS = [
    ("total", "", "", "", None, None),
    ("review_done", board.SELF_REVIEW, "done", "num group", "review_percent", None),
    ("review_in_progress", board.SELF_REVIEW, "in_progress", "num", None, None),
    ("review_not_started", board.SELF_REVIEW, "not_started", "num", None, None),
    ("review_overdue", board.SELF_REVIEW, "overdue", "num", None, board.SELF_REVIEW),
    ("rated", board.DECISION, "rated", "num group", "rated_percent", None),
    ("rating_pending", board.DECISION, "pending", "num", None, None),
    ("rating_overdue", board.DECISION, "overdue", "num", None, board.DECISION),
    ("not_rated", board.DECISION, "not_rated", "num group", None, None),
]


def _cells(cycle, row: board.Row, dues: dict) -> list[Cell]:
    """One row of the board, its links built once (a province has 130 rows of 9 cells)."""
    base = reverse("cycle-board-subjects", args=[cycle.pk, row.unit.pk])
    here = "&here=1" if row.here else ""
    cells = []
    for count_name, stage, state, css, percent, due_of in COLUMNS:
        count = getattr(row.counts, count_name)
        query = f"?stage={stage}&state={state}{here}" if stage else f"?{here[1:]}"
        due = row.dues.get(due_of) if due_of else None
        cells.append(
            Cell(
                count=count,
                href=base + query.rstrip("?") if count else "",
                css=css,
                late=state == "overdue",
                percent=getattr(row.counts, percent) if percent else None,
                due=due if due and due != dues.get(due_of) else None,
            )
        )
    return cells


@login_required
def cycle_board(request, pk, unit_pk):
    """Progress of a subtree in a cycle: per lower level and per stage, with drill-down.

    The door opens the cycle and the unit on every request; the board itself (read from the
    summaries, then rendered) is a memo of the reader (``common.memo``): at most a minute old,
    recomputed as soon as the reader writes anything. The page says when it was computed."""
    cycle, unit = _board_scope(request, pk, unit_pk)

    def build():
        result = board.board(request.user, cycle, unit)
        rows = [(row, _cells(cycle, row, result.dues)) for row in result.rows]
        if result.here.counts.total or not result.rows:
            rows.append((result.here, _cells(cycle, result.here, result.dues)))
        return {
            "cycle": cycle,
            "unit": unit,
            "crumbs": _board_crumbs(request.user, cycle, unit),
            "board": result,
            "rows": rows,
            "total": _cells(cycle, result.total_row, result.dues) if result.rows else None,
            "place_conflicts": _open_conflicts(request.user, cycle, unit),
            "computed_at": timezone.localtime(),
        }

    body = memo_fragment(
        request, f"board:{cycle.pk}:{unit.pk}", "cycles/partials/board.html", build
    )
    context = {"cycle": cycle, "unit": unit, "body": body}
    return render_page(request, "cycles/board.html", context)


def rating_label(subject) -> str:
    """The rating state of ``subject`` in the board's words (the unit page uses them too)."""
    if subject.status == SubjectStatus.PENDING:
        return str(STATE_LABELS[board.DECISION]["pending"])
    return subject.get_status_display()


@dataclass
class SubjectLine:
    subject: object
    review_state: str
    review_label: str
    rating_label: str
    review_due: object
    decision_due: object
    review_overdue: bool
    rating_overdue: bool


def _line(subject, dues: board.Dues, day) -> SubjectLine:
    review = getattr(subject, board.REVIEW, None)  # None when the review was never started
    active = subject.status not in OUT_OF_RATING
    if not active:
        state = ""
    elif review is None:
        state = "not_started"
    elif board.is_submitted(review):
        state = "done"
    else:
        state = "in_progress"
    labels = STATE_LABELS[board.SELF_REVIEW]
    label = review.get_status_display() if review is not None else labels.get(state, "")
    review_due = dues.due(subject.unit.path, board.SELF_REVIEW)
    decision_due = dues.due(subject.unit.path, board.DECISION)
    return SubjectLine(
        subject=subject,
        rating_label=rating_label(subject),
        review_state=state,
        review_label=str(label) if active else "",
        review_due=review_due,
        decision_due=decision_due,
        review_overdue=active and state != "done" and review_due is not None and review_due < day,
        rating_overdue=subject.status == SubjectStatus.PENDING
        and decision_due is not None
        and decision_due < day,
    )


@login_required
def cycle_board_subjects(request, pk, unit_pk):
    """The people and units behind one cell of the board."""
    cycle, unit = _board_scope(request, pk, unit_pk)
    stage = request.GET.get("stage", "")
    if stage not in board.STATES:
        stage = ""
    state = request.GET.get("state", "")
    if state not in board.STATES.get(stage, ()):
        state = ""
    here = request.GET.get("here") == "1"
    day = today()
    page = paginate(
        request,
        board.cell_subjects(
            request.user, cycle, unit, stage=stage, state=state, here=here, day=day
        ),
    )
    dues = board.Dues(cycle, unit)
    page.object_list = [_line(s, dues, day) for s in page.object_list]
    due_here = {stage_key: dues.due(unit.path, stage_key) for stage_key in board.TRACKED}
    tabs = [
        (stage_key, stage_label, key, STATE_LABELS[stage_key][key])
        for stage_key, stage_label in STAGE_LABELS.items()
        for key in board.STATES[stage_key]
    ]
    context = {
        "cycle": cycle,
        "unit": unit,
        "crumbs": _board_crumbs(request.user, cycle, unit),
        "here": here,
        "stage": stage,
        "state": state,
        "stage_label": STAGE_LABELS.get(stage, ""),
        "state_label": STATE_LABELS.get(stage, {}).get(state, ""),
        "tabs": tabs,
        "page": page,
        "review_due": due_here[board.SELF_REVIEW],
        "decision_due": due_here[board.DECISION],
    }
    return render_page(request, "cycles/board_subjects.html", context)


# ---------------------------------------------------------------------------------------------
# The rules of a pinned rule set, in words; pinning a province's local pack


def _lang() -> str:
    return "en" if (get_language() or "vi").startswith("en") else "vi"


STAGE_WORDS = {
    "require": gettext_lazy("Order of rating"),
    "exemption": gettext_lazy("Not rated"),
    "trigger": gettext_lazy("Non-completion (KHTNV) if"),
    "tier": gettext_lazy("Condition of the tier"),
    "cap": gettext_lazy("Cap"),
    "check": gettext_lazy("Check"),
}


@dataclass
class RuleLine:
    id: str
    name: str
    clause: str
    condition: str
    outcome: str
    stage: str
    local: bool


def _outcome(rule, pack, kind, lang: str) -> str:
    from kiemdiem.rules_engine.explain import name_label, tier_label

    if rule.tier is not None:
        return tier_label(rule.tier, lang)
    if rule.stage == "trigger":
        return tier_label(rules_engine.Tier.KHTNV, lang)
    if rule.stage == "exemption":
        return str(_("not rated"))
    if rule.cap:
        return str(_("at most: %(what)s") % {"what": name_label(rule.cap, pack, kind, lang)})
    return ""


@login_required
def cycle_pack_rules(request, pk, pin_pk):
    """The rules of one rule set the cycle pinned, in words: for each kind of subject, each
    rule's name, clause, condition and the tier it leads to (local rules marked)."""
    from kiemdiem.cycles.local_packs import pack_of_pin
    from kiemdiem.rules_engine.explain import condition_text

    cycle = _cycle(request.user, pk)
    pin = cycle.packs.select_related("local_pack__issuer", "scope").filter(pk=pin_pk).first()
    if pin is None:
        raise Http404
    try:
        pack = pack_of_pin(pin)
    except rules_engine.PackError as error:
        raise Http404 from error
    lang = _lang()
    kinds = []
    for kind in pack.kinds.values():
        lines = [
            RuleLine(
                id=rule.id,
                name=rule.label(lang) or rule.id,
                clause=rule.source.label(),
                condition=condition_text(pack, kind, rule.expr, lang),
                outcome=_outcome(rule, pack, kind, lang),
                stage=str(STAGE_WORDS.get(rule.stage, rule.stage)),
                local=rule.origin != "central",
            )
            for rule in kind.rules
        ]
        kinds.append((kind.label(lang) or kind.name, lines))
    context = {
        "cycle": cycle,
        "pin": pin,
        "pack": pack,
        "title": pack.title(lang),
        "kinds": kinds,
        "hash_ok": pack.hash == pin.pack_hash,
    }
    return render_page(request, "cycles/pack_rules.html", context)


@login_required
@require_POST
def cycle_pack_pin(request, pk):
    """Pin a stored local rule pack to the cycle (the issuing province's staff)."""
    from kiemdiem.cycles.models import LocalPack

    cycle = _cycle(request.user, pk)
    raw = request.POST.get("local_pack", "")
    local_pack = (
        LocalPack.objects.select_related("issuer").filter(pk=int(raw)).first()
        if raw.isascii() and raw.isdigit() and len(raw) <= 18
        else None
    )
    if local_pack is None:
        messages.error(request, _("Choose a local rule set."))
        return redirect("cycle-detail", pk=cycle.pk)
    try:
        services.cycle_pin_local_pack(cycle=cycle, local_pack=local_pack, actor=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("Rule set %(pack)s pinned to the cycle.")
            % {"pack": f"{local_pack.pack_id} {local_pack.version}"},
        )
    return redirect("cycle-detail", pk=cycle.pk)


def pinnable_local_packs(user, cycle):
    """The stored local packs ``user`` may pin to ``cycle``, not pinned yet: issued by a unit
    that the cycle covers or that covers the cycle (``services._scope_of``) and that the user
    may change (their issuer's staff, ``policies.may_pin_local_pack``; the page already
    checked the user may view the cycle). One query, however many packs the country has; the
    service still checks the timing and the base."""
    from kiemdiem.cycles.models import LocalPack

    root = cycle.root.path
    related = Unit.objects.filter(
        Q(path__startswith=root) | Q(path__in=ancestor_paths(root, include_self=True))
    )
    issuers = restrict(related, user, Action.CHANGE).values("pk")
    pinned = cycle.packs.exclude(local_pack=None).values("local_pack_id")
    return list(
        LocalPack.objects.select_related("issuer").filter(issuer__in=issuers).exclude(pk__in=pinned)
    )


# ---------------------------------------------------------------------------------------------
# A person rated in several places: the competent level chooses (§16.9 C4)


@login_required
def cycle_places(request, pk):
    """The persons rated differently in several places of the cycle that the user can see,
    with the recorded choice; the competent level chooses here."""
    from kiemdiem.cycles import places

    cycle = _cycle(request.user, pk)
    page = paginate(request, places.conflict_keys(cycle, request.user), per_page=20)
    context = {
        "cycle": cycle,
        "page": page,
        "conflicts": places.conflicts(cycle, request.user, keys=page.object_list),
        "tiers": dict(TierChoice.choices),
    }
    return render_page(request, "cycles/places.html", context)


@login_required
@require_POST
def cycle_place_choose(request, pk, person_pk, track):
    from kiemdiem.cycles import places
    from kiemdiem.people.models import Person

    cycle = _cycle(request.user, pk)
    found = places.conflicts(cycle, request.user, person_id=person_pk)
    conflict = next((c for c in found if c.track == track), None)
    if conflict is None:
        raise Http404
    person = Person.objects.get(pk=person_pk)
    try:
        services.place_choose(
            cycle=cycle,
            person=person,
            track=track,
            tier=request.POST.get("tier", ""),
            reason=request.POST.get("reason", ""),
            shown_decision=request.POST.get("decision", ""),
            shown_ratings=request.POST.get("ratings", ""),
            actor=request.user,
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request, _("Final tier of %(person)s recorded.") % {"person": person.full_name}
        )
    return redirect("cycle-places", pk=cycle.pk)
