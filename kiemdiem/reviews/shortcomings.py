"""Shortcomings and their remedies, as rows (``models.Shortcoming``): the one module that knows
which sections of a self-review hold them and how they become rows.

A self-review form has two sections about shortcomings (``catalogue/forms.toml``):

* ``han_che`` (``FOUND_SECTION``), a text section: the shortcomings the subject finds this
  year, one per line. Each line is a row *found in* the review (``source_review``).
* the section of type ``shortcomings`` (``khac_phuc``): the rows found in the subject's last
  submitted review of an earlier cycle on the same track, *carried* into this one, each with
  what was done to remedy it; the writer may add rows of their own (``source`` ``other``).
  Each row is *reported in* the review (``reported_in``, ``remedy_report``, ``status``).

The review's ``content`` keeps both sections as written (the draft the page autosaves, the
numbered versions, the API's shape); after every save the services call ``record`` and the
rows follow the content. Everything else reads the rows: the carried shortcomings of a new
review (``carried``), which rows the writer may not rewrite (``carried_texts``), the section
the page shows (``content_for_page``), and the engine's ``shortcomings_remedied_pct``
(``remedied_pct``). Later apps (meetings, decisions) add rows with their own ``source``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kiemdiem.accounts.models import Action
from kiemdiem.accounts.permissions import restrict
from kiemdiem.audit.services import log_action
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles.models import ReviewCycle, Subject
from kiemdiem.people.models import Person
from kiemdiem.reviews import catalogue, policies
from kiemdiem.reviews.models import (
    ReviewStatus,
    SelfReview,
    Shortcoming,
    ShortcomingSource,
    ShortcomingStatus,
)

FOUND_SECTION = "han_che"  # text: this year's shortcomings, one per line
REPORT_TYPE = "shortcomings"  # the section type where earlier shortcomings are reported on
FACT = "shortcomings_remedied_pct"  # the engine's input derived from the rows
MAX_TEXT = 20_000


def lines(text: Any) -> list[str]:
    """The "Hạn chế" section, one shortcoming per line (list marks dropped)."""
    return [line.strip(" -•\t") for line in str(text or "").splitlines() if line.strip(" -•\t")]


def found_key(form: catalogue.FormSpec) -> str | None:
    return FOUND_SECTION if any(s.key == FOUND_SECTION for s in form.sections) else None


def report_key(form: catalogue.FormSpec) -> str | None:
    return next((s.key for s in form.sections if s.type == REPORT_TYPE), None)


# --- reads --------------------------------------------------------------------------------


def _earlier_reviews(cycle):
    return SelfReview.objects.filter(
        status=ReviewStatus.SUBMITTED, subject__cycle__period_end__lt=cycle.period_start
    ).order_by("-subject__cycle__period_end", "-submitted_at")


def last_reviews(subject: Subject) -> list[SelfReview]:
    """The subject's (person's, or unit's) submitted reviews of the latest earlier cycle on the
    same track — where this review's carried shortcomings were found. A leader reviewed in two
    places last year (their cell and a committee) has two: both places' shortcomings are to be
    remedied (QĐ 366 Art. 11 §1, regulations.md §5.3)."""
    earlier = _earlier_reviews(subject.cycle).filter(subject__track=subject.track)
    if subject.person_id:
        earlier = earlier.filter(subject__person_id=subject.person_id)
    else:
        earlier = earlier.filter(subject__person__isnull=True, subject__unit_id=subject.unit_id)
    latest = earlier.values_list("subject__cycle_id", flat=True).first()
    if latest is None:
        return []
    return list(earlier.filter(subject__cycle_id=latest).order_by("submitted_at", "pk"))


def _distinct(rows: Iterable[Shortcoming]) -> list[Shortcoming]:
    """The rows in order, a shortcoming written alike in two places once."""
    seen: set[str] = set()
    out = []
    for row in rows:
        key = " ".join(row.text.split()).casefold()
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


NAMED = (ShortcomingSource.MEETING, ShortcomingSource.DECISION)


def _named_rows(cycle):
    """Rows a meeting or a decision named for subjects of cycles before ``cycle``."""
    return Shortcoming.objects.filter(
        source__in=NAMED, source_subject__cycle__period_end__lt=cycle.period_start
    )


def carried(subject: Subject) -> list[Shortcoming]:
    """The shortcomings to report on in the subject's review: those found in its reviews of
    the latest earlier cycle, and those a meeting or a decision named for it in that cycle
    (after the review's own, in the order they were named)."""
    reviews = last_reviews(subject)
    named = _named_rows(subject.cycle).filter(source_subject__track=subject.track)
    if subject.person_id:
        named = named.filter(source_subject__person_id=subject.person_id)
    else:
        named = named.filter(
            source_subject__person__isnull=True, source_subject__unit_id=subject.unit_id
        )
    named_rows = list(named.select_related("source_subject__cycle").order_by("pk"))
    cycles = {r.subject.cycle for r in reviews} | {r.source_subject.cycle for r in named_rows}
    if not cycles:
        return []
    latest = max(cycles, key=lambda c: (c.period_end, c.pk))  # the latest earlier cycle
    reviews = [r for r in reviews if r.subject.cycle_id == latest.pk]
    order = {r.pk: i for i, r in enumerate(reviews)}
    rows = Shortcoming.objects.filter(source_review__in=reviews)
    own = sorted(rows, key=lambda r: (order[r.source_review_id], r.position, r.pk))
    return _distinct(own + [r for r in named_rows if r.source_subject.cycle_id == latest.pk])


def carried_bulk(subjects: Sequence[Subject], chunk: int = 5_000) -> dict[int, list[Shortcoming]]:
    """``carried`` for many subjects of one cycle, by subject id, in a few queries."""
    if not subjects:
        return {}
    earlier = _earlier_reviews(subjects[0].cycle).values_list(
        "pk", "subject__person_id", "subject__track", "subject__unit_id", "subject__cycle_id"
    )
    latest: dict = {}  # owner → the latest earlier cycle with a submitted review
    last: dict = {}  # owner → that cycle's submitted reviews, oldest first

    def keep(key, pk, cycle_id):
        if latest.setdefault(key, cycle_id) == cycle_id:
            last.setdefault(key, []).insert(0, pk)  # newest come first: oldest first here

    persons = sorted({s.person_id for s in subjects if s.person_id})
    units = sorted({s.unit_id for s in subjects if not s.person_id})
    for start in range(0, len(persons), chunk):
        for pk, person, track, _unit, cycle_id in earlier.filter(
            subject__person_id__in=persons[start : start + chunk]
        ):
            keep(("person", person, track), pk, cycle_id)
    for start in range(0, len(units), chunk):
        rows = earlier.filter(
            subject__person__isnull=True, subject__unit_id__in=units[start : start + chunk]
        )
        for pk, _person, track, unit, cycle_id in rows:
            keep(("unit", unit, track), pk, cycle_id)
    found: dict[int, list[Shortcoming]] = {}
    ids = sorted({pk for pks in last.values() for pk in pks})
    for start in range(0, len(ids), chunk):
        rows = Shortcoming.objects.filter(source_review_id__in=ids[start : start + chunk])
        for row in rows.order_by("position", "pk"):
            found.setdefault(row.source_review_id, []).append(row)
    named = _named_bulk(subjects[0].cycle, persons, units, chunk)
    ends = dict(  # each cycle involved → its end, to tell which is the latest
        ReviewCycle.objects.filter(
            pk__in={*latest.values(), *(c for c, _rows in named.values())}
        ).values_list("pk", "period_end")
    )
    out = {}
    for s in subjects:
        key = ("person", s.person_id, s.track) if s.person_id else ("unit", s.unit_id, s.track)
        rows = [row for pk in last.get(key, []) for row in found.get(pk, [])]
        if key in named:
            cycle_id, named_rows = named[key]
            mine = latest.get(key)
            if mine is None or (ends[cycle_id], cycle_id) > (ends[mine], mine):
                rows = named_rows  # named in a later cycle than the last review
            elif cycle_id == mine:
                rows = rows + named_rows
        out[s.pk] = _distinct(rows)
    return out


def _named_bulk(cycle, persons, units, chunk):
    """The rows named for earlier subjects of these owners: owner → (the latest such cycle,
    its rows in the order named)."""
    out: dict = {}
    base = (
        _named_rows(cycle)
        .select_related("source_subject")
        .order_by("-source_subject__cycle__period_end", "-source_subject__cycle_id", "pk")
    )
    parts = [
        base.filter(source_subject__person_id__in=persons[i : i + chunk])
        for i in range(0, len(persons), chunk)
    ] + [
        base.filter(
            source_subject__person__isnull=True, source_subject__unit_id__in=units[i : i + chunk]
        )
        for i in range(0, len(units), chunk)
    ]
    for rows in parts:
        for row in rows:
            subject = row.source_subject
            key = (
                ("person", subject.person_id, subject.track)
                if subject.person_id
                else ("unit", subject.unit_id, subject.track)
            )
            cycle_id, kept = out.setdefault(key, (subject.cycle_id, []))
            if cycle_id == subject.cycle_id:
                kept.append(row)
    return out


def _rows(review: SelfReview, keep: bool = False) -> list[Shortcoming]:
    """The rows found or reported in ``review``. With ``keep`` (``carried_texts`` in a save,
    which ``record`` follows at once) they stay on the object until ``record`` has changed
    them, so the autosave, the hot path, reads them once."""
    if "_shortcoming_rows" in review.__dict__:
        return review.__dict__["_shortcoming_rows"]
    rows = Shortcoming.objects.filter(Q(source_review=review) | Q(reported_in=review))
    rows = list(rows.order_by("pk"))
    if keep:
        review.__dict__["_shortcoming_rows"] = rows
    return rows


def prefetch(review: SelfReview) -> SelfReview:
    """Read the review's rows once for what follows (a page or an answer that shows them)."""
    _rows(review, keep=True)
    return review


def reported(review: SelfReview) -> list[Shortcoming]:
    """The rows the review reports on, in the order of its section: carried ones first."""
    rows = [r for r in _rows(review) if r.reported_in_id == review.pk]
    return sorted(rows, key=lambda r: (r.report_position, r.pk))


def carried_texts(review: SelfReview) -> list[str]:
    """The carried shortcomings' texts, which the writer cannot rewrite."""
    rows = [r for r in _rows(review, keep=True) if r.reported_in_id == review.pk]
    rows.sort(key=lambda r: (r.report_position, r.pk))
    return [r.text for r in rows if r.source != ShortcomingSource.OTHER]


def found(review: SelfReview) -> list[Shortcoming]:
    rows = [r for r in _rows(review) if r.source_review_id == review.pk]
    return sorted(rows, key=lambda r: (r.position, r.pk))


def report_rows(review: SelfReview) -> list[dict[str, Any]]:
    """The remedies section as the page and the API show it, read from the rows."""
    return [
        {
            "shortcoming": r.text,
            "remedy": r.remedy_report,
            "done": r.status == ShortcomingStatus.REMEDIED,
        }
        | ({"carried": True} if r.source != ShortcomingSource.OTHER else {})
        for r in reported(review)
    ]


def content_for_page(review: SelfReview) -> dict[str, Any]:
    """The review's content with its remedies section read from the rows."""
    key = report_key(catalogue.forms()[review.form_key])
    if key is None or key not in review.content:
        return review.content
    return {**review.content, key: report_rows(review)}


def start_content(form: catalogue.FormSpec, rows: Iterable[Shortcoming]) -> dict[str, Any]:
    """A new draft's content: the carried shortcomings, not yet reported on."""
    key = report_key(form)
    if key is None:
        return {}
    return {
        key: [{"shortcoming": r.text, "remedy": "", "done": False, "carried": True} for r in rows]
    }


def status_of(row: dict[str, Any], submitted: bool) -> str:
    """A reported row's status: remedied when ticked; being remedied when something was done;
    open while the review is a draft, not remedied once it is submitted."""
    if row.get("done"):
        return ShortcomingStatus.REMEDIED
    if (row.get("remedy") or "").strip():
        return ShortcomingStatus.IN_PROGRESS
    return ShortcomingStatus.NOT_REMEDIED if submitted else ShortcomingStatus.OPEN


def percent(statuses: Sequence[str]) -> str:
    """The share remedied (QĐ 366 Art. 11 §1, regulations.md §5.3): 100 when there is nothing to
    remedy; two decimals at most."""
    if not statuses:
        return "100"
    done = sum(1 for s in statuses if s == ShortcomingStatus.REMEDIED)
    value = (Decimal(100 * done) / len(statuses)).quantize(Decimal("0.01"))
    return format(value.normalize(), "f")


def remedied_pct(subject: Subject) -> str:
    """``shortcomings_remedied_pct`` for the engine: of the rows the subject's review reports on
    (carried and added), the share remedied. Right after ``record`` it is already known."""
    if "_remedied_pct" in subject.__dict__:
        return subject.__dict__["_remedied_pct"]
    statuses = Shortcoming.objects.filter(reported_in__subject_id=subject.pk).values_list(
        "status", flat=True
    )
    return percent(list(statuses))


# --- writes -------------------------------------------------------------------------------


def _copy(origin: Shortcoming, review: SelfReview, position: int) -> Shortcoming:
    """``origin`` carried into ``review``: a row of its own there, pointing back to it."""
    return Shortcoming(
        person_id=origin.person_id,
        unit_id=origin.unit_id,
        track=origin.track,
        source=origin.source,
        source_ref=origin.source_ref,
        text=origin.text,
        remedy_plan=origin.remedy_plan,
        owner_id=origin.owner_id,
        due_date=origin.due_date,
        carried_from=origin,
        reported_in=review,
        report_position=position,
    )


def attach(review: SelfReview, rows: Sequence[Shortcoming]) -> None:
    """The carried rows are to be reported in ``review`` (a new draft): a copy of each there."""
    Shortcoming.objects.bulk_create([_copy(row, review, i) for i, row in enumerate(rows)])


class _Plan:
    """Rows to create, update and delete so that a review's rows follow its content."""

    def __init__(self):
        self.create: list[Shortcoming] = []
        self.update: list[Shortcoming] = []
        self.delete: list[int] = []
        self.origins: dict[int, str] = {}  # carried-from row → the status its report gives


FIELDS = ["text", "position", "remedy_report", "status", "report_position"]


def _plan(
    review: SelfReview,
    form: catalogue.FormSpec,
    found_rows: list[Shortcoming],
    reported_rows: list[Shortcoming],
    submitted: bool,
    plan: _Plan,
) -> None:
    subject = review.subject
    content = review.content
    owner = {
        "person_id": subject.person_id,
        "unit_id": subject.unit_id,
        "track": subject.track,
        "owner_id": subject.person_id,
    }
    key = found_key(form)
    texts = lines(content.get(key)) if key else []
    for i, text in enumerate(texts):
        if i < len(found_rows):
            row = found_rows[i]
            if (row.text, row.position) != (text, i):
                row.text, row.position = text, i
                plan.update.append(row)
        else:
            plan.create.append(
                Shortcoming(
                    **owner,
                    source=ShortcomingSource.SELF_REVIEW,
                    source_review=review,
                    position=i,
                    text=text,
                )
            )
    plan.delete += [r.pk for r in found_rows[len(texts) :]]  # a line taken out

    key = report_key(form)
    entries = [e for e in (content.get(key) or []) if isinstance(e, dict)] if key else []
    kept = [r for r in reported_rows if r.source != ShortcomingSource.OTHER]
    added = [r for r in reported_rows if r.source == ShortcomingSource.OTHER]
    for i, row in enumerate(kept):
        entry = entries[i] if i < len(entries) else {}
        values = (entry.get("remedy") or "", status_of(entry, submitted), i)
        if row.pk is None:
            row.remedy_report, row.status, row.report_position = values
            plan.create.append(row)
        elif (row.remedy_report, row.status, row.report_position) != values:
            row.remedy_report, row.status, row.report_position = values
            plan.update.append(row)
        if row.carried_from_id is not None:
            plan.origins[row.carried_from_id] = row.status
    extra = entries[len(kept) :]
    for j, entry in enumerate(extra):
        values = (
            entry.get("remedy") or "",
            status_of(entry, submitted),
            len(kept) + j,
            entry.get("shortcoming") or "",
        )
        if j < len(added):
            row = added[j]
            if (row.remedy_report, row.status, row.report_position, row.text) != values:
                row.remedy_report, row.status, row.report_position, row.text = values
                plan.update.append(row)
        else:
            plan.create.append(
                Shortcoming(
                    **owner,
                    source=ShortcomingSource.OTHER,
                    reported_in=review,
                    remedy_report=values[0],
                    status=values[1],
                    report_position=values[2],
                    text=values[3],
                )
            )
    plan.delete += [r.pk for r in added[len(extra) :]]


def _apply(plan: _Plan) -> None:
    if plan.delete:
        Shortcoming.objects.filter(pk__in=plan.delete).delete()
    if plan.update:
        Shortcoming.objects.bulk_update(plan.update, FIELDS, batch_size=500)
    if plan.create:
        Shortcoming.objects.bulk_create(plan.create, batch_size=500)
    if plan.origins:
        _follow_reports(list(plan.origins))


def _follow_reports(origins: list[int]) -> None:
    """A row found earlier takes the status of all its reports together (a leader reports on it
    in each place): remedied only when every report says so; being remedied when one did
    something; open while a report is still a draft; otherwise not remedied."""
    reports: dict[int, set[str]] = {}
    rows = Shortcoming.objects.filter(carried_from_id__in=origins)
    for origin, status in rows.values_list("carried_from_id", "status"):
        reports.setdefault(origin, set()).add(status)
    by_status: dict[str, list[int]] = {}
    for origin, statuses in reports.items():
        if statuses == {ShortcomingStatus.REMEDIED}:
            status = ShortcomingStatus.REMEDIED
        elif statuses & {ShortcomingStatus.REMEDIED, ShortcomingStatus.IN_PROGRESS}:
            status = ShortcomingStatus.IN_PROGRESS
        elif ShortcomingStatus.OPEN in statuses:
            status = ShortcomingStatus.OPEN
        else:
            status = ShortcomingStatus.NOT_REMEDIED
        by_status.setdefault(status, []).append(origin)
    for status, pks in by_status.items():
        Shortcoming.objects.filter(pk__in=pks).exclude(status=status).update(status=status)


def record(review: SelfReview, *, submitted: bool = False) -> None:
    """Make the review's rows follow its (cleaned) content: the lines of ``han_che`` are the
    rows found in it; the rows of the remedies section are the rows reported in it. Called by
    the services after every save, on the locked review; writes only what changed."""
    form = catalogue.forms()[review.form_key]
    plan = _Plan()
    _plan(review, form, found(review), reported(review), submitted, plan)
    _apply(plan)
    review.__dict__.pop("_shortcoming_rows", None)
    review.subject.__dict__["_remedied_pct"] = percent(
        report_statuses(form, review.content, submitted)
    )


def record_bulk(items: Sequence[tuple[catalogue.FormSpec, SelfReview, list[Shortcoming]]]) -> None:
    """``attach`` + ``record`` for many new reviews (the bulk writer): ``items`` are (form,
    saved review, its carried rows)."""
    plan = _Plan()
    for form, review, carried_rows in items:
        copies = [_copy(row, review, i) for i, row in enumerate(carried_rows)]
        submitted = review.status == ReviewStatus.SUBMITTED
        _plan(review, form, [], copies, submitted, plan)
    _apply(plan)


def summary(review: SelfReview) -> dict[str, int]:
    """What the audit entry of a submission says of the review's shortcomings."""
    rows = Shortcoming.objects.filter(reported_in=review).values_list("status", flat=True)
    return {
        "found": Shortcoming.objects.filter(source_review=review).count(),
        "reported": len(rows),
        "remedied": sum(1 for s in rows if s == ShortcomingStatus.REMEDIED),
    }


def summary_of(review: SelfReview, form: catalogue.FormSpec) -> dict[str, int]:
    """``summary`` from the content alone (the bulk writer, before the rows exist)."""
    key = report_key(form)
    entries = [e for e in (review.content.get(key) or []) if isinstance(e, dict)] if key else []
    fkey = found_key(form)
    return {
        "found": len(lines(review.content.get(fkey))) if fkey else 0,
        "reported": len(entries),
        "remedied": sum(1 for e in entries if e.get("done")),
    }


def report_statuses(form: catalogue.FormSpec, content: dict[str, Any], submitted: bool):
    """The statuses the rows reported in a review with ``content`` will have (the bulk writer
    evaluates before the rows exist)."""
    key = report_key(form)
    entries = [e for e in (content.get(key) or []) if isinstance(e, dict)] if key else []
    return [status_of(e, submitted) for e in entries]


# Whose row it is, as the reviews policy reads it (``policies.may_plan`` decides who plans).
subject_of = policies.shortcoming_subject


def _locked(shortcoming: Shortcoming) -> Shortcoming:
    return (
        Shortcoming.objects.select_for_update(of=("self",))
        .select_related(
            "source_review__subject__cycle",
            "source_subject__cycle",
            "reported_in__subject__cycle",
            "unit",
        )
        .get(pk=shortcoming.pk)
    )


def _check_owner(actor, owner) -> None:
    if owner is not None and actor is not None:
        visible = restrict(Person.objects.filter(pk=owner.pk), actor, Action.VIEW).exists()
        if not visible:  # named as missing, as any id outside the actor's sight
            raise ValidationError({"owner": _("This person does not exist.")})


def _check_text(field: str, value: str, required: bool = False) -> str:
    text = nfc_text(str(value or "")).strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    return text


@transaction.atomic
def shortcoming_plan(
    *,
    shortcoming: Shortcoming,
    actor,
    remedy_plan: str,
    owner=None,
    due_date=None,
) -> Shortcoming:
    """Set the plan to remedy a shortcoming, who answers for it and by when. Whoever may write
    the review of the subject it belongs to may (``policies.may_plan``). Locks the row."""
    row = _locked(shortcoming)
    if row.carried_from_id is not None:
        raise ValidationError(
            _("This row reports on an earlier shortcoming: plan the shortcoming itself.")
        )
    subject = subject_of(row)
    if subject is None:
        raise ValidationError(_("This shortcoming belongs to no review."))
    policies.check(policies.may_plan(actor, row))
    plan = _check_text("remedy_plan", remedy_plan)
    if due_date is not None and due_date < subject.cycle.period_end:
        raise ValidationError(
            {"due_date": _("The due date falls before the end of the period reviewed.")}
        )
    _check_owner(actor, owner)
    row.remedy_plan, row.owner, row.due_date = plan, owner, due_date
    row.save(update_fields=["remedy_plan", "owner", "due_date", "updated_at"])
    log_action(
        "review.shortcoming_planned",
        actor=actor,
        target=row.source_review or subject,
        unit=row.unit,
        data={
            "shortcoming": row.text,
            "remedy_plan": plan,
            "owner": owner.full_name if owner is not None else "",
            "due_date": due_date.isoformat() if due_date else "",
        },
    )
    return row


@transaction.atomic
def shortcoming_status(
    *, shortcoming: Shortcoming, actor, status: str, note: str = ""
) -> Shortcoming:
    """Record how far a shortcoming is remedied during the year (open, being remedied,
    remedied, not remedied). Once a later review reports on it, the status follows that report
    (``_follow_reports``) and is no longer set by hand. Locks the row."""
    row = _locked(shortcoming)
    if row.carried_from_id is not None or row.reports.exists():
        raise ValidationError(
            {
                "status": _(
                    "A later self-review reports on this shortcoming: its status follows that report."
                )
            }
        )
    if status not in ShortcomingStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    policies.check(policies.may_plan(actor, row))
    note = _check_text("note", note)
    before = row.status
    row.status = status
    if note:
        row.remedy_report = note
    row.save(update_fields=["status", "remedy_report", "updated_at"])
    log_action(
        "review.shortcoming_status",
        actor=actor,
        target=row.source_review or subject_of(row),
        unit=row.unit,
        data={"shortcoming": row.text, "from": before, "to": status, "note": note},
    )
    return row


@transaction.atomic
def shortcoming_add_named(
    *,
    subject: Subject,
    actor,
    source: str,
    source_ref: str,
    text: str,
    remedy_plan: str = "",
    owner=None,
    due_date=None,
) -> Shortcoming:
    """A shortcoming a review meeting or a decision names for ``subject`` (a person or a unit
    in a cycle): a row with that ``source`` and the record's reference (e.g. "decision:12"),
    carried into the subject's review of the next cycle like the review's own (``carried``).
    Those with ``change`` on the subject's unit add it (the staff, the cell's committee);
    nobody names their own. Locks the subject."""
    subject = (
        Subject.objects.select_for_update(of=("self",))
        .select_related("cycle", "unit")
        .get(pk=subject.pk)
    )
    if source not in NAMED:
        raise ValidationError({"source": _("A meeting or a decision names these shortcomings.")})
    policy = policies.ReviewPolicy(actor, subject)
    policies.check(actor is None or (policy.may_change and not policy.is_writer))
    text = _check_text("text", text, required=True)
    plan = _check_text("remedy_plan", remedy_plan)
    ref = nfc_text(str(source_ref or "")).strip()
    if not ref:
        raise ValidationError({"source_ref": _("Name the meeting or the decision.")})
    if len(ref) > 40:
        raise ValidationError({"source_ref": _("At most %(n)s characters.") % {"n": 40}})
    if due_date is not None and due_date < subject.cycle.period_end:
        raise ValidationError(
            {"due_date": _("The due date falls before the end of the period reviewed.")}
        )
    _check_owner(actor, owner)
    position = Shortcoming.objects.filter(source_subject=subject).count()
    row = Shortcoming.objects.create(
        person_id=subject.person_id,
        unit_id=subject.unit_id,
        track=subject.track,
        source=source,
        source_ref=ref,
        source_subject=subject,
        position=position,
        text=text,
        remedy_plan=plan,
        owner=owner if owner is not None else subject.person,
        due_date=due_date,
    )
    log_action(
        "review.shortcoming_named",
        actor=actor,
        target=subject,
        unit=subject.unit,
        data={
            "shortcoming": text,
            "source": source,
            "source_ref": ref,
            "owner": row.owner.full_name if row.owner_id else "",
            "due_date": due_date.isoformat() if due_date else "",
        },
    )
    return row
