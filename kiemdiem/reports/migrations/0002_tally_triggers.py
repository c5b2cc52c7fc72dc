"""The triggers that keep the subject summaries (cycles.SubjectTally / TallyDelta) current.

Every insert, update and delete of a subject, and of a self-review, appends the change of its
bucket (kind, track, status, tier, review status) at the subject's unit to cycles_tallydelta in
the same statement. On PostgreSQL the triggers are per statement with transition tables (a bulk
update of 100,000 subjects appends one row per changed bucket and unit); SQLite has per-row
triggers. The subjects already there are appended as deltas once, here (docs/reports.md).
"""

from django.db import migrations

DELTA = "cycles_tallydelta"
COLS = "cycle_id, unit_id, kind, track, status, tier, review, n"

PG = f"""
CREATE OR REPLACE FUNCTION kiemdiem_tally_subject() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {DELTA} ({COLS})
    SELECT s.cycle_id, s.unit_id, s.kind, s.track, s.status, s.tier, coalesce(r.status, ''), count(*)
    FROM new_rows s LEFT JOIN reviews_selfreview r ON r.subject_id = s.id
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {DELTA} ({COLS})
    SELECT s.cycle_id, s.unit_id, s.kind, s.track, s.status, s.tier, coalesce(r.status, ''), -count(*)
    FROM old_rows s LEFT JOIN reviews_selfreview r ON r.subject_id = s.id
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
  ELSE
    INSERT INTO {DELTA} ({COLS})
    SELECT c.cycle_id, c.unit_id, c.kind, c.track, c.status, c.tier, coalesce(r.status, ''), sum(c.n)
    FROM (
      SELECT id, cycle_id, unit_id, kind, track, status, tier, -1 AS n FROM old_rows
      UNION ALL
      SELECT id, cycle_id, unit_id, kind, track, status, tier, 1 AS n FROM new_rows
    ) c LEFT JOIN reviews_selfreview r ON r.subject_id = c.id
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING sum(c.n) <> 0;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kiemdiem_tally_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {DELTA} ({COLS})
    SELECT s.cycle_id, s.unit_id, s.kind, s.track, s.status, s.tier, c.review, sum(c.n)
    FROM (
      SELECT subject_id, '' AS review, -1 AS n FROM new_rows
      UNION ALL SELECT subject_id, status, 1 FROM new_rows
    ) c JOIN cycles_subject s ON s.id = c.subject_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(c.n) <> 0;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {DELTA} ({COLS})
    SELECT s.cycle_id, s.unit_id, s.kind, s.track, s.status, s.tier, c.review, sum(c.n)
    FROM (
      SELECT subject_id, status AS review, -1 AS n FROM old_rows
      UNION ALL SELECT subject_id, '', 1 FROM old_rows
    ) c JOIN cycles_subject s ON s.id = c.subject_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(c.n) <> 0;
  ELSE
    INSERT INTO {DELTA} ({COLS})
    SELECT s.cycle_id, s.unit_id, s.kind, s.track, s.status, s.tier, c.review, sum(c.n)
    FROM (
      SELECT subject_id, status AS review, -1 AS n FROM old_rows
      UNION ALL SELECT subject_id, status, 1 FROM new_rows
    ) c JOIN cycles_subject s ON s.id = c.subject_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(c.n) <> 0;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER tally_subject_insert AFTER INSERT ON cycles_subject
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kiemdiem_tally_subject();
CREATE TRIGGER tally_subject_update AFTER UPDATE ON cycles_subject
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION kiemdiem_tally_subject();
CREATE TRIGGER tally_subject_delete AFTER DELETE ON cycles_subject
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kiemdiem_tally_subject();
CREATE TRIGGER tally_review_insert AFTER INSERT ON reviews_selfreview
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kiemdiem_tally_review();
CREATE TRIGGER tally_review_update AFTER UPDATE ON reviews_selfreview
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION kiemdiem_tally_review();
CREATE TRIGGER tally_review_delete AFTER DELETE ON reviews_selfreview
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kiemdiem_tally_review();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS tally_subject_insert ON cycles_subject;
DROP TRIGGER IF EXISTS tally_subject_update ON cycles_subject;
DROP TRIGGER IF EXISTS tally_subject_delete ON cycles_subject;
DROP TRIGGER IF EXISTS tally_review_insert ON reviews_selfreview;
DROP TRIGGER IF EXISTS tally_review_update ON reviews_selfreview;
DROP TRIGGER IF EXISTS tally_review_delete ON reviews_selfreview;
DROP FUNCTION IF EXISTS kiemdiem_tally_subject();
DROP FUNCTION IF EXISTS kiemdiem_tally_review();
"""


def _subject(row: str, n: str) -> str:
    review = f"coalesce((SELECT status FROM reviews_selfreview WHERE subject_id = {row}.id), '')"
    return (
        f"INSERT INTO {DELTA} ({COLS}) VALUES ({row}.cycle_id, {row}.unit_id, {row}.kind, "
        f"{row}.track, {row}.status, {row}.tier, {review}, {n});"
    )


def _review(row: str, review: str, n: str) -> str:
    return (
        f"INSERT INTO {DELTA} ({COLS}) SELECT s.cycle_id, s.unit_id, s.kind, s.track, s.status, "
        f"s.tier, {review}, {n} FROM cycles_subject s WHERE s.id = {row}.subject_id;"
    )


CHANGED = " OR ".join(
    f"OLD.{c} IS NOT NEW.{c}" for c in ("id", "cycle_id", "unit_id", "kind", "track", "status", "tier")
)

SQLITE = [
    "CREATE TRIGGER tally_subject_insert AFTER INSERT ON cycles_subject BEGIN "
    + _subject("NEW", "1")
    + " END;",
    f"CREATE TRIGGER tally_subject_update AFTER UPDATE ON cycles_subject WHEN {CHANGED} BEGIN "
    + _subject("OLD", "-1")
    + " "
    + _subject("NEW", "1")
    + " END;",
    "CREATE TRIGGER tally_subject_delete AFTER DELETE ON cycles_subject BEGIN "
    + _subject("OLD", "-1")
    + " END;",
    "CREATE TRIGGER tally_review_insert AFTER INSERT ON reviews_selfreview BEGIN "
    + _review("NEW", "''", "-1")
    + " "
    + _review("NEW", "NEW.status", "1")
    + " END;",
    "CREATE TRIGGER tally_review_update AFTER UPDATE ON reviews_selfreview "
    "WHEN OLD.status IS NOT NEW.status OR OLD.subject_id IS NOT NEW.subject_id BEGIN "
    + _review("OLD", "OLD.status", "-1")
    + " "
    + _review("NEW", "NEW.status", "1")
    + " END;",
    "CREATE TRIGGER tally_review_delete AFTER DELETE ON reviews_selfreview BEGIN "
    + _review("OLD", "OLD.status", "-1")
    + " "
    + _review("OLD", "''", "1")
    + " END;",
]

SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "tally_subject_insert",
        "tally_subject_update",
        "tally_subject_delete",
        "tally_review_insert",
        "tally_review_update",
        "tally_review_delete",
    )
]

# The subjects already there, once, as deltas (folded by the next fold).
EXISTING = f"""
INSERT INTO {DELTA} ({COLS})
SELECT s.cycle_id, s.unit_id, s.kind, s.track, s.status, s.tier, coalesce(r.status, ''), count(*)
FROM cycles_subject s LEFT JOIN reviews_selfreview r ON r.subject_id = s.id
GROUP BY s.cycle_id, s.unit_id, s.kind, s.track, s.status, s.tier, coalesce(r.status, '')
"""


def create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG)
        else:
            for statement in SQLITE:
                cursor.execute(statement)
        cursor.execute(EXISTING)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_DROP)
        else:
            for statement in SQLITE_DROP:
                cursor.execute(statement)
        cursor.execute(f"DELETE FROM {DELTA}")
        cursor.execute("DELETE FROM cycles_subjecttally")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("cycles", "0010_subject_tallies"),
        ("reviews", "0006_named_shortcomings"),
    ]

    operations = [migrations.RunPython(create, drop)]
