"""The shortcomings written in existing reviews' JSON content become rows.

For each review, oldest cycle first: each line of ``han_che`` becomes a row found in it; each
row of ``khac_phuc`` becomes a row reported in it — a carried one (``"carried": true``) points
to the row found in the same person's (or unit's) last submitted review of an earlier cycle
on the same track with the same text; one without such a row (its review was written before
this history) is kept with nothing to point to; a row the writer added is source ``other``.
The content itself is left as it was (it still holds the sections as written), so going
back only deletes the rows.

``rows_from_content(apps)`` is also what ``reviews/tests/test_shortcomings.py`` runs on a
review written with JSON content.
"""

from django.db import migrations


def _lines(text):
    return [line.strip(" -•\t") for line in str(text or "").splitlines() if line.strip(" -•\t")]


def _status(row, submitted):
    if row.get("done"):
        return "remedied"
    if (row.get("remedy") or "").strip():
        return "in_progress"
    return "not_remedied" if submitted else "open"


FLUSH = 5_000  # carried rows' statuses written in batches


def rows_from_content(apps, schema_editor=None):
    SelfReview = apps.get_model("reviews", "SelfReview")
    Shortcoming = apps.get_model("reviews", "Shortcoming")
    done = set(
        Shortcoming.objects.exclude(source_review=None).values_list("source_review_id", flat=True)
    ) | set(Shortcoming.objects.exclude(reported_in=None).values_list("reported_in_id", flat=True))
    pending = SelfReview.objects.exclude(pk__in=done).select_related("subject__cycle")
    # One owner's history at a time (a person's, then a unit's reviews, each on one track, oldest
    # cycle first): memory holds one owner's found rows, not the country's.
    by_person = pending.filter(subject__person__isnull=False).order_by(
        "subject__person_id", "subject__track", "subject__cycle__period_end", "submitted_at", "pk"
    )
    by_unit = pending.filter(subject__person__isnull=True).order_by(
        "subject__unit_id", "subject__track", "subject__cycle__period_end", "submitted_at", "pk"
    )
    statuses = {}  # row found earlier → the status its report gives

    def flush():
        by_status = {}
        for pk, status in statuses.items():
            by_status.setdefault(status, []).append(pk)
        for status, pks in by_status.items():
            Shortcoming.objects.filter(pk__in=pks).update(status=status)
        statuses.clear()

    for reviews in (by_person, by_unit):
        owner_key, history = None, []  # history: [(period_end, submitted, {text: row id})]
        for review in reviews.iterator(chunk_size=500):
            subject = review.subject
            key = (subject.person_id or subject.unit_id, subject.track)
            if key != owner_key:
                owner_key, history = key, []
            content = review.content if isinstance(review.content, dict) else {}
            submitted = review.status == "submitted"
            owner = {
                "person_id": subject.person_id,
                "unit_id": subject.unit_id,
                "track": subject.track,
            }
            found = [
                Shortcoming(
                    **owner,
                    owner_id=subject.person_id,
                    source="self_review",
                    source_review_id=review.pk,
                    position=i,
                    text=text,
                )
                for i, text in enumerate(_lines(content.get("han_che")))
            ]
            Shortcoming.objects.bulk_create(found)
            earlier = [e for e in history if e[0] < subject.cycle.period_start and e[1]]
            origins = dict(earlier[-1][2]) if earlier else {}
            reported = []
            rows = content.get("khac_phuc")
            for i, row in enumerate(rows if isinstance(rows, list) else []):
                if not isinstance(row, dict):
                    continue
                text = str(row.get("shortcoming") or "")
                origin = origins.pop(text, None) if row.get("carried") else None
                status = _status(row, submitted)
                reported.append(
                    Shortcoming(
                        **owner,
                        owner_id=subject.person_id,
                        source="self_review" if row.get("carried") else "other",
                        carried_from_id=origin,
                        text=text,
                        reported_in_id=review.pk,
                        report_position=i,
                        remedy_report=str(row.get("remedy") or ""),
                        status=status,
                    )
                )
                if origin is not None:
                    statuses[origin] = status
            Shortcoming.objects.bulk_create(reported)
            history.append((subject.cycle.period_end, submitted, {r.text: r.pk for r in found}))
            if len(statuses) >= FLUSH:
                flush()
    flush()


def delete_rows(apps, schema_editor):
    apps.get_model("reviews", "Shortcoming").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_shortcoming_rows")]

    operations = [migrations.RunPython(rows_from_content, delete_rows)]
