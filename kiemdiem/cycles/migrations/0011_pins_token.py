"""``ReviewCycle.pins_token``: a trigger draws a new one at every change of a cycle's pins.

The autosave reads the cycle row under its lock anyway (``cycles.services.hold_open``); with
this token beside the status, ``reviews.engine`` keeps the pins it read in memory and asks
the database again only when they changed. A trigger, not the services, draws it: pins written
by any path (a bulk load, a command) change it all the same. A random number rather than a
count: a change rolled back leaves no number that a later change could draw again and so
revive pins that never were.
"""

from django.db import migrations, models

PG = """
CREATE OR REPLACE FUNCTION kiemdiem_pins_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE cycles_reviewcycle SET pins_token = floor(random() * 2147483647)::int WHERE id = OLD.cycle_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE cycles_reviewcycle SET pins_token = floor(random() * 2147483647)::int WHERE id = NEW.cycle_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER pins_changed AFTER INSERT OR UPDATE OR DELETE ON cycles_pinnedpack
  FOR EACH ROW EXECUTE FUNCTION kiemdiem_pins_changed();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS pins_changed ON cycles_pinnedpack;
DROP FUNCTION IF EXISTS kiemdiem_pins_changed();
"""

SQLITE = [
    """CREATE TRIGGER pins_inserted AFTER INSERT ON cycles_pinnedpack BEGIN
         UPDATE cycles_reviewcycle SET pins_token = abs(random() % 2147483647) WHERE id = NEW.cycle_id;
       END""",
    """CREATE TRIGGER pins_updated AFTER UPDATE ON cycles_pinnedpack BEGIN
         UPDATE cycles_reviewcycle SET pins_token = abs(random() % 2147483647)
         WHERE id IN (OLD.cycle_id, NEW.cycle_id);
       END""",
    """CREATE TRIGGER pins_deleted AFTER DELETE ON cycles_pinnedpack BEGIN
         UPDATE cycles_reviewcycle SET pins_token = abs(random() % 2147483647) WHERE id = OLD.cycle_id;
       END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS pins_inserted",
    "DROP TRIGGER IF EXISTS pins_updated",
    "DROP TRIGGER IF EXISTS pins_deleted",
]


def create(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(PG)
        else:
            for sql in SQLITE:
                cursor.execute(sql)


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(PG_DROP)
        else:
            for sql in SQLITE_DROP:
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cycles", "0010_subject_tallies")]

    operations = [
        migrations.AddField(
            model_name="reviewcycle",
            name="pins_token",
            field=models.IntegerField(default=0, editable=False),
        ),
        migrations.RunPython(create, drop),
    ]
