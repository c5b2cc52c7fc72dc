"""Writes about self-reviews: start, save a draft, submit, amend, send back, link.

A draft can be saved as often as the writer likes (the page autosaves); submitting locks it and
records a numbered version; an amendment re-opens it with a reason and the next submission is
recorded as the next version. Nothing written is ever overwritten without a version behind it.

Each write checks ``reviews.policies`` for its ``actor`` first and refuses with
``PermissionDenied`` (nothing changed) — except a suggestion, which was refused with a
``ValidationError`` before the policy existed and still is; ``actor=None`` is the system (demo,
commands, fixtures).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from kiemdiem.audit.services import log_action
from kiemdiem.common.db import without_waiting_for_disk
from kiemdiem.common.vietnamese import nfc_text
from kiemdiem.cycles.models import Subject, SubjectKind, SubjectStatus, TierChoice
from kiemdiem.cycles.services import hold_open
from kiemdiem.notifications.services import notify
from kiemdiem.orgtree.models import UnitGroup
from kiemdiem.reviews import catalogue, engine, forms, policies, shortcomings
from kiemdiem.reviews.models import (
    ReviewStatus,
    ReviewVersion,
    SelfReview,
    Suggestion,
    VersionKind,
)
from kiemdiem.reviews.shape import check_shape

MAX_TEXT = 20_000
MAX_ROWS = 100


def form_of(subject: Subject) -> catalogue.FormSpec:
    pin = engine.pin_of(subject)
    if pin is None:
        raise ValidationError(_("The cycle has no rule set for this kind of subject."))
    try:
        # A local pack keeps its central pack's forms (it may only add criteria and rules,
        # which the rating section asks from the pack itself).
        pack_id = pin.local_pack.extends if pin.local_pack_id else pin.pack_id
        return catalogue.form_for(pack_id, subject.kind)
    except catalogue.CatalogueError as error:
        raise ValidationError(_("There is no self-review form for this subject.")) from error


def check_rated_on_submitted_review(subject: Subject) -> None:
    """A subject with a self-review form is rated on its submitted review (not a draft, nor one
    being amended or sent back). Called by ``decisions.services.decide`` through
    ``cycles.hooks`` (registered in ``ReviewsConfig.ready``)."""
    try:
        form_of(subject)
    except ValidationError:
        return  # no form for this kind under the pinned rule set: rated on the record
    if not SelfReview.objects.filter(subject=subject, status=ReviewStatus.SUBMITTED).exists():
        raise ValidationError(
            _("The self-review has not been submitted yet (or is being amended or sent back).")
        )


def previous_shortcomings(subject: Subject) -> list[str]:
    """The shortcomings found in the same subject's last submitted review of an earlier cycle
    on the same track, to be remedied in this one (``shortcomings.carried``)."""
    return [row.text for row in shortcomings.carried(subject)]


def _lock_subject(subject_pk: int) -> Subject:
    """Lock what a review write changes, in the one order every write uses (docs/cycles.md):

    1. the cycle row ``FOR KEY SHARE`` (``cycles.services.hold_open``): shared by all writers of
       the cycle, it only keeps a close out until this transaction ends;
    2. the subject row ``FOR NO KEY UPDATE``: writers of one subject (and its rating) take turns;
    3. the review row (``_lock_review``).

    ``of=("self",)`` matters: without it PostgreSQL locks every joined row, the cycle's too, and
    every review write of the cycle would queue behind every other."""
    pins_token = hold_open(subject_id=subject_pk)
    subject = (
        Subject.objects.select_for_update(no_key=True, of=("self",))
        .select_related("cycle", "unit", "person")
        .get(pk=subject_pk)
    )
    engine.pins_read_at(subject, pins_token)  # the pins need no query while unchanged
    return subject


def _lock_review(review: SelfReview, *, wait_for_disk: bool = True) -> SelfReview:
    """The review, locked in the order of ``_lock_subject``: the cycle ``FOR KEY SHARE``, then
    in one statement the subject and the review ``FOR NO KEY UPDATE`` — PostgreSQL locks the
    rows of a statement in the order its ``OF`` names them, subject first
    (``reviews/tests/test_concurrency.py`` checks it). The subject, its cycle and person come
    with it, read after the locks were granted; its unit too, unless the caller read it with
    the review (a write locks no unit: the page's policy read serves). (A review never changes
    subject.)

    ``wait_for_disk=False``: the commit returns before the WAL is on disk
    (``common.db.without_waiting_for_disk``), for the autosave."""
    pins_token = hold_open(subject_id=review.subject_id)
    read = SelfReview._meta.get_field("subject").get_cached_value(review, None)
    unit = Subject._meta.get_field("unit").get_cached_value(read, None) if read else None
    related = ["subject__cycle", "subject__person"] + ([] if unit else ["subject__unit"])
    query = SelfReview.objects.select_related(*related).select_for_update(
        no_key=True, of=("subject", "self")
    )
    if not wait_for_disk:
        query = without_waiting_for_disk(query)
    locked = query.get(pk=review.pk)
    if unit is not None and locked.subject.unit_id == unit.pk:
        locked.subject.unit = unit
    engine.pins_read_at(locked.subject, pins_token)  # the pins need no query while unchanged
    return locked


@transaction.atomic
def review_start(*, subject: Subject, actor) -> SelfReview:
    """The subject's review, created as a draft (last cycle's shortcomings filled in)."""
    policies.check(policies.ReviewPolicy(actor, subject).may_write)
    existing = SelfReview.objects.filter(subject_id=subject.pk).first()
    if existing is not None:
        return existing
    # Lock the subject: two clicks on "Start" create one review.
    subject = _lock_subject(subject.pk)
    existing = SelfReview.objects.filter(subject=subject).first()
    if existing is not None:
        return existing
    if subject.status == SubjectStatus.NOT_RATED:
        raise ValidationError(
            _("This subject is not rated in this cycle: %(reason)s") % {"reason": subject.reason}
        )
    form = form_of(subject)
    carried = shortcomings.carried(subject) if shortcomings.report_key(form) else []
    review = SelfReview.objects.create(
        subject=subject,
        form_key=form.key,
        content=shortcomings.start_content(form, carried),
        updated_by=actor,
    )
    shortcomings.attach(review, carried)
    log_action(
        "review.started", actor=actor, target=review, unit=subject.unit, data={"form": form.code}
    )
    return review


def _text(value: Any, where: str) -> str:
    text = nfc_text(str(value or ""))
    if len(text) > MAX_TEXT:
        raise ValidationError({where: _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    return text


def _too_long(section: catalogue.Section, count: int, row: int | None = None) -> str:
    numbers = {
        "section": section.title,
        "max": number_format(MAX_TEXT, force_grouping=True),
        "count": number_format(count, force_grouping=True),
    }
    if row is None:
        return _("Section '%(section)s' is longer than %(max)s characters (%(count)s now).") % (
            numbers
        )
    return _(
        "Section '%(section)s', row %(row)s: longer than %(max)s characters (%(count)s now)."
    ) % {**numbers, "row": row}


class Problems:
    """What a save could not keep, by the page's field name (``forms`` documents the names):
    ``{field: (section key, message, what was written)}``. The text is ``None`` where there is
    nothing the page could show back (a wrong shape, an unknown checklist item)."""

    def __init__(self):
        self.fields: dict[str, tuple[str, str, Any]] = {}

    def add(self, section: str, field: str, message: str, written: Any = None) -> None:
        self.fields.setdefault(field, (section, message, written))

    def raise_by_section(self) -> None:
        if self.fields:
            by_section: dict[str, list[str]] = {}
            for section, message, _written in self.fields.values():
                by_section.setdefault(section, []).append(message)
            raise ValidationError(by_section)


def _fits(value: Any, problems: Problems, section, field: str, fallback="", row=None) -> str:
    """``value`` as NFC text when it is within the length limit; else ``fallback`` (what was
    saved before), with the problem recorded against ``field``."""
    text = nfc_text(str(value or ""))
    if len(text) <= MAX_TEXT:
        return text
    problems.add(section.key, field, _too_long(section, len(text), row), text)
    return fallback


def _at(rows: Any, index: int, name: str) -> str:
    """Field ``name`` of row ``index`` of a saved list of rows ("" when there is none)."""
    if isinstance(rows, list) and index < len(rows) and isinstance(rows[index], dict):
        return rows[index].get(name) or ""
    return ""


def clean_content(
    form: catalogue.FormSpec,
    raw: dict[str, Any],
    *,
    inputs: list[engine.Input] | None = None,
    carried: list[str] = (),
    previous: dict[str, Any] | None = None,
    problems: Problems | None = None,
) -> dict[str, Any]:
    """Keep only what the form asks for, each section in its shape; refuse what cannot be.

    ``inputs`` are the rating inputs the pinned rule set asks for (others are dropped, values
    normalised); ``carried`` are last cycle's shortcomings, which the writer cannot rewrite.

    Without ``problems`` the first invalid field refuses the whole content (ValidationError by
    section key: the API's all-or-nothing PUT). With ``problems`` (the page's autosave) every
    invalid field is recorded there by its field name and keeps its ``previous`` value, so the
    rest of the draft is still saved."""
    strict = problems is None
    problems = Problems() if strict else problems
    previous = previous or {}
    out: dict[str, Any] = {}
    for section in form.sections:
        value = raw.get(section.key)
        if value is None:
            continue
        key, name = section.key, f"s.{section.key}"
        before = previous.get(key)
        if section.type == "text" and section.scored:
            # On a scored part: the text and its points (a plain text is taken as the text);
            # kept as plain text while no points are given.
            value = value if isinstance(value, dict) else {"text": value}
            before = before if isinstance(before, dict) else {"text": before or ""}
            text = _fits(value.get("text"), problems, section, name, before.get("text") or "")
            points = _points(
                form, section, value.get("points"), before.get("points"), problems, f"{name}.points"
            )
            out[key] = {"text": text, "points": points} if points else text
        elif section.type == "text":
            out[key] = _fits(value, problems, section, name, fallback=before or "")
        elif section.type == "products":
            value = value if isinstance(value, dict) else {"text": value}
            before = before if isinstance(before, dict) else {}
            posted = value.get("products")
            wrong_shape = posted is not None and not isinstance(posted, list)
            if wrong_shape:
                problems.add(key, name, _("Expected a list of rows."))
                posted = None
            rows = [
                {
                    part: _fits(
                        r.get(part),
                        problems,
                        section,
                        f"{name}.p.{i}.{part}",
                        fallback=_at(before.get("products"), i, part),
                        row=i + 1,
                    )
                    for part in ("name", "result", "evidence")
                    if part != "evidence" or section.scored
                }
                | (
                    {
                        "points": _points(
                            form,
                            section,
                            r.get("points"),
                            _at(before.get("products"), i, "points"),
                            problems,
                            f"{name}.p.{i}.points",
                        )
                    }
                    if section.scored
                    else {}
                )
                for i, r in enumerate(posted or [])
                if isinstance(r, dict)
                and any(r.get(part) for part in ("name", "result", "points", "evidence"))
            ]
            # Points and evidence are kept only when given (rows of unscored forms have none).
            rows = [{k: v for k, v in r.items() if v or k in ("name", "result")} for r in rows]
            if len(rows) > MAX_ROWS:
                problems.add(key, name, _("At most %(n)s rows.") % {"n": MAX_ROWS})
            if wrong_shape or len(rows) > MAX_ROWS:
                rows = list(before.get("products") or [])
            text = _fits(
                value.get("text"), problems, section, f"{name}.text", before.get("text") or ""
            )
            out[key] = {"text": text, "products": rows}
        elif section.type == "checklist":
            value = value if isinstance(value, dict) else {}
            before = before if isinstance(before, dict) else {}
            known = catalogue.checklists()[section.list].ids
            checked = value.get("checked") or []
            if not isinstance(checked, list):
                problems.add(key, name, _("Expected a list of rows."))
                checked = before.get("checked") or []
            checked = [str(i) for i in checked]
            unknown = [i for i in checked if i not in known]
            if unknown:
                problems.add(
                    key, name, _("Unknown items: %(items)s") % {"items": ", ".join(unknown)}
                )
            explanation = _fits(
                value.get("explanation"),
                problems,
                section,
                f"{name}.explanation",
                before.get("explanation") or "",
            )
            out[key] = {"checked": [i for i in known if i in checked], "explanation": explanation}
        elif section.type == "shortcomings":
            if not isinstance(value, list):
                problems.add(key, name, _("Expected a list of rows."))
                out[key] = before if isinstance(before, list) else []
                continue
            rows = [
                {
                    part: _fits(
                        r.get(part),
                        problems,
                        section,
                        f"{name}.r.{i}.{part}",
                        fallback=_at(before, i, part),
                        row=i + 1,
                    )
                    for part in ("shortcoming", "remedy")
                }
                | {"done": bool(r.get("done"))}
                for i, r in enumerate(value)
                if isinstance(r, dict)
            ]
            kept = [
                {
                    **(rows[i] if i < len(rows) else {"remedy": "", "done": False}),
                    "shortcoming": text,
                    "carried": True,
                }
                for i, text in enumerate(carried)
            ]
            rows = kept + [r for r in rows[len(carried) :] if r["shortcoming"] or r["remedy"]]
            if len(rows) > MAX_ROWS:
                problems.add(key, name, _("At most %(n)s rows.") % {"n": MAX_ROWS})
                rows = before if isinstance(before, list) else kept
            out[key] = rows
        elif section.type == "rating":
            out[key] = _clean_rating(section, value, inputs, before, problems)
    _feed_scores(form, out, inputs, problems)
    if strict:
        problems.raise_by_section()
    return out


def points_problem(most: int, written: Any) -> str:
    """Why ``written`` cannot be the points of a section or product of a part worth ``most``
    points ("" when it can)."""
    number = forms.decimal_of(written)
    if number is None or number < 0 or number > most:
        return _("Points: a number from 0 to %(most)s (%(value)s was entered).") % {
            "most": most,
            "value": str(written)[:40],
        }
    return ""


def _points(form, section, written, before, problems: Problems, field: str) -> str:
    """The points given to a section or a product row of a scored part, as text ("" if none);
    a wrong value is recorded against ``field`` and the value saved before is kept."""
    if written is None or written == "":
        return ""
    text = "" if isinstance(written, bool) else str(written).strip().replace(",", ".")
    message = points_problem(form.part(section.part).points, text)
    if message:
        problems.add(section.key, field, message, str(written)[:40])
        return str(before or "")
    return format(forms.decimal_of(text).normalize(), "f")


def _feed_scores(form, content: dict[str, Any], inputs, problems: Problems) -> None:
    """The points written in the form's scored parts are the rating's part scores: each part's
    sum is checked against its maximum and, when points were given, written into the rating
    input the part feeds (``general_score``, ``task_score``), replacing what was typed there."""
    if not form.parts:
        return
    rating_key = next(s.key for s in form.sections if s.type == "rating")
    asked = {spec.name for spec in inputs} if inputs is not None else None
    sums = forms.part_points(form, content)
    for part in form.parts:
        total = sums.get(part.key)
        if total is None:
            continue
        if total > part.points:
            first = part.sections[0]
            problems.add(
                first,
                f"s.{first}.part",
                _("%(part)s: the points add up to %(total)s, more than its %(most)s.")
                % {
                    "part": part.title,
                    "total": format(total.normalize(), "f"),
                    "most": part.points,
                },
            )
            continue
        name = f"fact.{part.feeds}"
        if asked is None or name in asked:
            rating = dict(content.get(rating_key) or {})
            rating[name] = format(total.normalize(), "f")
            content[rating_key] = rating


def _clean_rating(section, value, inputs, before, problems: Problems) -> dict[str, str]:
    """Each rating input on its own: an invalid one keeps the value saved before."""
    before = before if isinstance(before, dict) else {}
    if not isinstance(value, dict):
        problems.add(section.key, f"s.{section.key}", _("Expected a single value."))
        return before
    rating: dict[str, str] = {}
    for k, v in value.items():
        if v in (None, ""):
            continue
        if isinstance(v, bool):
            rating[str(k)] = "true" if v else "false"
        elif isinstance(v, str | int | float):
            rating[str(k)] = str(v)[:40]
        else:
            problems.add(section.key, f"r.{k}", _("Expected a single value."))
            if before.get(str(k)):
                rating[str(k)] = before[str(k)]
    if inputs is None:
        return rating
    out: dict[str, str] = {}
    for spec in inputs:
        written = rating.get(spec.name)
        if written is None:
            continue
        try:
            out[spec.name] = engine.normalise_one(spec, written)
        except ValidationError as error:
            problems.add(section.key, f"r.{spec.name}", error.messages[0], written)
            if before.get(spec.name):
                out[spec.name] = before[spec.name]
    return out


def unsaved_errors(review: SelfReview) -> dict[str, str]:
    """Why each field the writer typed into could not be saved (``review.unsaved``), in the
    reader's language; a value that has become valid meanwhile is left out (the next save
    keeps it)."""
    if not review.unsaved:
        return {}
    form = catalogue.forms()[review.form_key]
    sections = {section.key: section for section in form.sections}
    inputs = {spec.name: spec for spec in engine.inputs_of(review.subject) or []}
    errors = {}
    for field, written in review.unsaved.items():
        if field.startswith("r.") and field[2:] in inputs:
            try:
                engine.normalise_one(inputs[field[2:]], written)
            except ValidationError as error:
                errors[field] = error.messages[0]
            continue
        parts = field.split(".")
        section = sections.get(parts[1]) if len(parts) > 1 else None
        if section is not None and section.scored and parts[-1] == "points":
            if message := points_problem(form.part(section.part).points, written):
                errors[field] = message
            continue
        text = nfc_text(str(written or ""))
        if section is not None and len(text) > MAX_TEXT:
            row = int(parts[3]) + 1 if len(parts) > 4 and parts[3].isdigit() else None
            errors[field] = _too_long(section, len(text), row)
    return errors


def rating_of(form: catalogue.FormSpec, content: dict[str, Any]) -> dict[str, Any]:
    key = next(s.key for s in form.sections if s.type == "rating")
    return content.get(key) or {}


def check_tier(tier: str) -> str:
    if tier and tier not in TierChoice.values:
        raise ValidationError({"proposed_tier": _("Choose one of the four tiers.")})
    return tier


def _check_writable(review: SelfReview) -> None:
    """On a review from ``_lock_review`` (which has checked that the cycle is open)."""
    if review.status == ReviewStatus.SUBMITTED:
        raise ValidationError(
            _("This review has been submitted and is locked. Start an amendment to change it.")
        )
    if review.subject.tier:
        raise ValidationError(_("This subject has been rated; the review can no longer change."))
    if review.subject.status == SubjectStatus.NOT_RATED:
        raise ValidationError(_("This subject is not rated in this cycle."))


def revision_of(review: SelfReview) -> str:
    return review.updated_at.isoformat()


class StaleRevision(ValidationError):
    """The writer's page (or API client) holds an older draft than the saved one."""


def _check_revision(review: SelfReview, revision: str | datetime.datetime | None) -> None:
    """``revision`` is the ``updated_at`` of the draft the writer started from (ISO 8601 text
    from the page, or a datetime from the API), compared as an instant."""
    if not revision:
        return
    if isinstance(revision, str):
        try:
            revision = parse_datetime(revision)
        except ValueError:  # well-formed but impossible (month 13): not this draft either
            revision = None
    if revision is None or revision != review.updated_at:
        changed_at = timezone.localtime(review.updated_at).strftime("%H:%M:%S %d/%m/%Y")
        error = StaleRevision(
            _(
                "This review was changed elsewhere (in another window or by another person) at"
                " %(time)s. Copy what you have just written, then reload the page to see the"
                " latest text."
            )
            % {"time": changed_at}
        )
        error.changed_at = changed_at
        raise error


def _apply(
    review: SelfReview,
    content: dict[str, Any],
    proposed_tier: str,
    keep_valid: bool = False,
    submitted: bool = False,
) -> None:
    """Put the cleaned content and the engine's fresh result on a locked review.

    With ``keep_valid`` an invalid field does not refuse the save: it keeps its saved value,
    what was typed into it goes to ``review.unsaved`` (shown back with its error until it is
    corrected) and ``review.field_errors`` says why, by field name. The shortcomings' rows then
    follow the content (``shortcomings.record``), before the engine reads them."""
    form = catalogue.forms()[review.form_key]
    problems = Problems() if keep_valid else None
    review.content = clean_content(
        form,
        content,
        inputs=engine.inputs_of(review.subject),
        carried=shortcomings.carried_texts(review),
        previous=review.content,
        problems=problems,
    )
    if problems is None:
        review.proposed_tier = check_tier(proposed_tier)
        review.unsaved = {}
        review.field_errors = {}
    else:
        try:
            review.proposed_tier = check_tier(proposed_tier)
        except ValidationError as error:
            problems.add("proposed_tier", "proposed_tier", error.messages[0])
        review.unsaved = {
            field: written
            for field, (_section, _message, written) in problems.fields.items()
            if written is not None
        }
        review.field_errors = {
            field: message for field, (_section, message, _written) in problems.fields.items()
        }
    shortcomings.record(review, submitted=submitted)
    _evaluate(review)


def _fresh_result(review: SelfReview, codes: bool = False) -> dict[str, Any]:
    form = catalogue.forms()[review.form_key]
    return engine.evaluate(review.subject, rating_of(form, review.content), codes=codes)


def _evaluate(review: SelfReview) -> None:
    result = _fresh_result(review)
    review.engine_result = engine.stored(result)
    review.live_result = result  # with its explanation, for the page that saved it


def live_result(review: SelfReview, codes: bool = False) -> dict[str, Any]:
    """The engine's result with its explanation: as just saved, or rebuilt from the content
    (always rebuilt when the reader wants the rule codes, which a save does not compute)."""
    if hasattr(review, "live_result") and not codes:
        return review.live_result
    return _fresh_result(review, codes=codes)


# What a draft save writes (and nothing else: the hot path of every autosave).
DRAFT_FIELDS = ["content", "unsaved", "proposed_tier", "engine_result", "updated_by", "updated_at"]


@transaction.atomic
def review_save(
    *,
    review: SelfReview,
    content: dict[str, Any],
    proposed_tier: str,
    actor,
    revision: str | datetime.datetime | None = None,
    keep_valid: bool = False,
):
    """Save the draft as written (autosave) and the engine's result for it. ``revision`` is
    the version of the draft the writer's page shows: a save from a page that is behind (another
    window, or someone writing on the member's behalf) is refused instead of overwriting.

    ``keep_valid`` (the page): an invalid field does not stop the rest of the draft from being
    saved; see ``_apply``. Without it an invalid field refuses the whole save (a program's
    draft comes through ``review_replace``, which checks its shape first)."""
    policies.check(policies.ReviewPolicy(actor, review.subject).may_write)
    # The page's autosave (keep_valid) is saved again with the writer's next keystrokes.
    review = _lock_review(review, wait_for_disk=not keep_valid)
    _check_writable(review)
    _check_revision(review, revision)
    _apply(review, content, proposed_tier, keep_valid=keep_valid)
    review.updated_by = actor
    review.save(update_fields=DRAFT_FIELDS)
    return review


def review_replace(
    *,
    review: SelfReview,
    content: dict[str, Any],
    proposed_tier: str,
    actor,
    revision: str | datetime.datetime | None = None,
):
    """Replace the draft with ``content`` sent whole by a program (the API, a command, a job):
    its shape is checked first (``shape.check_shape``: only the form's sections, each of its
    type, the rating's inputs with values of theirs; JSON numbers and booleans become the
    stored text), then it is saved all or nothing (``review_save``). Nothing is locked
    before the shape is right — nor is the shape read for someone who may not write."""
    policies.check(policies.ReviewPolicy(actor, review.subject).may_write)
    form = catalogue.forms()[review.form_key]
    content = check_shape(form, engine.inputs_of(review.subject), content)
    return review_save(
        review=review, content=content, proposed_tier=proposed_tier, actor=actor, revision=revision
    )


def check_filled(review: SelfReview) -> None:
    form = catalogue.forms()[review.form_key]
    empty = []
    for number, section in enumerate(form.sections, start=1):
        if section not in form.required():
            continue
        value = review.content.get(section.key)
        if section.type == "products":
            value = (value or {}).get("text") or (value or {}).get("products")
        elif section.type == "text":
            value = forms.text_of(value).strip()
        if not value:
            empty.append(f"{number}. {section.title}")
    if empty:
        raise ValidationError(
            {"content": _("Still empty: %(sections)s.") % {"sections": "; ".join(empty)}}
        )
    sums = forms.part_points(form, review.content)
    for part in form.parts:
        if sums.get(part.key, 0) > part.points:
            raise ValidationError(
                {
                    "content": _(
                        "%(part)s: the points add up to %(total)s, more than its %(most)s."
                    )
                    % {
                        "part": part.title,
                        "total": format(sums[part.key].normalize(), "f"),
                        "most": part.points,
                    }
                }
            )


def collective_pending(subject: Subject) -> Subject | None:
    """The collective whose report must be submitted before this member's review."""
    if not subject.person_id or subject.unit.group != UnitGroup.COLLECTIVE:
        return None
    collective = Subject.objects.filter(
        cycle_id=subject.cycle_id,
        unit_id=subject.unit_id,
        kind=SubjectKind.COLLECTIVE,
        status=SubjectStatus.PENDING,
    ).first()
    if collective is None:
        return None
    # A report once submitted stays in force while it is being amended.
    done = SelfReview.objects.filter(subject=collective, version__gt=0).exists()
    return None if done else collective


def _record(review: SelfReview, kind: str, actor, note: str = "") -> ReviewVersion:
    return ReviewVersion.objects.create(
        review=review,
        number=review.version,
        kind=kind,
        content=review.content,
        proposed_tier=review.proposed_tier,
        engine_result=review.engine_result,
        note=note,
        created_by=actor,
    )


@transaction.atomic
def review_submit(
    *,
    review: SelfReview,
    actor,
    content: dict[str, Any] | None = None,
    proposed_tier: str | None = None,
    revision: str | datetime.datetime | None = None,
) -> SelfReview:
    """Lock the review and record it as the next version — with ``content`` and
    ``proposed_tier`` saved first in the same transaction when given (the page's Submit)."""
    policies.check(policies.ReviewPolicy(actor, review.subject).may_submit)
    review = _lock_review(review)
    _check_writable(review)
    _check_revision(review, revision)
    if content is not None:
        tier = review.proposed_tier if proposed_tier is None else proposed_tier
        _apply(review, content, tier, submitted=True)
    else:
        shortcomings.record(review, submitted=True)  # what was not remedied now says so
        _evaluate(review)  # the facts from other subjects may have changed
    unsaved = unsaved_errors(review)
    if unsaved:
        raise ValidationError(
            _("Not submitted: some fields could not be saved. %(errors)s")
            % {"errors": " ".join(unsaved.values())}
        )
    if not review.proposed_tier:
        raise ValidationError({"proposed_tier": _("Propose your tier before submitting.")})
    check_filled(review)
    waiting = collective_pending(review.subject)
    if waiting is not None:
        raise ValidationError(
            _(
                "The collective's report of %(unit)s has not been submitted yet: members submit"
                " their reviews after the collective's (HD 21 §3.7)."
            )
            % {"unit": waiting.unit.name}
        )
    amended = review.version > 0
    review.version += 1
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.updated_by = actor
    review.return_comment = ""
    note = review.amendment_reason
    review.amendment_reason = ""
    review.save()
    _record(review, VersionKind.AMENDED if amended else VersionKind.SUBMITTED, actor, note)
    log_action(
        "review.submitted",
        actor=actor,
        target=review,
        unit=review.subject.unit,
        data={
            "version": review.version,
            "proposed_tier": review.proposed_tier,
            "note": note,
            **shortcomings.summary(review),
        },
    )
    return review


@transaction.atomic
def review_amend(*, review: SelfReview, reason: str, actor) -> SelfReview:
    """Re-open a submitted review for an amendment; the submitted version stays on record."""
    policies.check(policies.ReviewPolicy(actor, review.subject).may_amend)
    review = _lock_review(review)
    if review.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted review can be amended."))
    if review.subject.tier:
        raise ValidationError(_("This subject has been rated; the review can no longer change."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    review.status = ReviewStatus.DRAFT
    review.amendment_reason = reason.strip()
    review.updated_by = actor
    review.save()
    log_action(
        "review.amendment_started",
        actor=actor,
        target=review,
        unit=review.subject.unit,
        data={"reason": review.amendment_reason},
    )
    return review


@transaction.atomic
def review_return(*, review: SelfReview, comment: str, actor) -> SelfReview:
    """Send a submitted review back to its writer with a comment (not the writer themself)."""
    policies.check(policies.ReviewPolicy(actor, review.subject).may_return)
    review = _lock_review(review)
    if review.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted review can be sent back."))
    if review.subject.tier:
        raise ValidationError(_("This subject has been rated; the review can no longer change."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what needs to change.")})
    review.status = ReviewStatus.RETURNED
    review.return_comment = comment.strip()
    review.updated_by = actor
    review.save()
    _record(review, VersionKind.RETURNED, actor, review.return_comment)
    log_action(
        "review.returned",
        actor=actor,
        target=review,
        unit=review.subject.unit,
        data={"comment": review.return_comment},
    )
    _tell_writers(
        review.subject,
        key=f"review-returned:{review.pk}:{review.version}",
        text=lambda: (
            _("Your review in %(cycle)s was sent back: %(comment)s")
            % {"cycle": review.subject.cycle.name, "comment": review.return_comment}
        ),
    )
    return review


def _tell_writers(subject: Subject, *, key: str, text) -> None:
    """A notice to whoever writes the subject's review, in their own language (``text`` is
    called once per recipient under their language)."""
    for user in policies.writers(subject):
        with translation.override(user.language):
            notify(user, key=key, text=text(), url=reverse("review-edit", args=[subject.pk]))


@transaction.atomic
def review_link(*, review: SelfReview, members: list[SelfReview], actor) -> SelfReview:
    """Link members' reviews into the collective's report (members of that collective only)."""
    policies.check(policies.ReviewPolicy(actor, review.subject).may_link)
    review = _lock_review(review)
    if review.subject.person_id is not None:
        raise ValidationError(_("Only a collective's report links its members' reviews."))
    # No lock on rating here: the collective is rated before its members submit theirs.
    members = list(
        SelfReview.objects.filter(pk__in=[m.pk for m in members]).select_related("subject")
    )
    wrong = [
        m
        for m in members
        if m.subject.unit_id != review.subject.unit_id
        or m.subject.cycle_id != review.subject.cycle_id
        or m.subject.person_id is None
        or m.version == 0
    ]
    if wrong:
        raise ValidationError(_("Only submitted reviews written in this collective can be linked."))
    review.linked_reviews.set(members)
    log_action(
        "review.linked",
        actor=actor,
        target=review,
        unit=review.subject.unit,
        data={"reviews": sorted(m.pk for m in members)},
    )
    return review


@transaction.atomic
def suggestion_add(*, subject: Subject, text: str, actor) -> Suggestion:
    """A level suggests content for a subject's review (HD 21/25/43: "gợi ý kiểm điểm").
    It is raised in the name of the nearest unit, at or above the subject's, where the actor
    may change things; the writer is told."""
    hold_open(subject.cycle_id)
    if not policies.ReviewPolicy(actor, subject).may_suggest:
        raise ValidationError(_("You may not raise suggestions for this subject."))
    text = _text(text, "text")
    if not text:
        raise ValidationError({"text": _("Write the suggested content.")})
    level = policies.suggesting_level(actor, subject)
    suggestion = Suggestion.objects.create(
        subject=subject, raised_by=level, text=text, created_by=actor
    )
    log_action(
        "review.suggestion_added",
        actor=actor,
        target=subject,
        unit=subject.unit,
        data={"text": text, "raised_by": level.name},
    )
    _tell_writers(
        subject,
        key=f"suggestion:{suggestion.pk}",
        text=lambda: (
            _("%(unit)s suggests content for your review in %(cycle)s: %(text)s")
            % {"unit": level.name, "cycle": subject.cycle.name, "text": text}
        ),
    )
    return suggestion
