"""Person.sort_key: byte-order ("C") collation on PostgreSQL, and every key recomputed.

The key format changed (common.vietnamese: syllable by syllable, a name that starts another
sorts first). Keys are derived data, so reversing leaves them as they are; the old code would
rewrite each one the next time the person is saved.
"""

from django.db import migrations

import kiemdiem.common.fields
from kiemdiem.common.db import column_writer
from kiemdiem.common.vietnamese import name_sort_key

BATCH = 5000


def recompute(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    write = column_writer(schema_editor.connection, Person._meta.db_table, "sort_key")
    fields = ("pk", "family_name", "middle_name", "given_name", "sort_key")
    last = 0
    while True:  # pk by pk in batches: no open cursor while we write, memory bounded
        rows = list(Person.objects.filter(pk__gt=last).order_by("pk").values_list(*fields)[:BATCH])
        if not rows:
            return
        last = rows[-1][0]
        changed = []
        for pk, family, middle, given, old in rows:
            key = name_sort_key(family, middle, given)[:800]
            if key != old:
                changed.append((key, pk))
        write(changed)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="person",
            name="sort_key",
            field=kiemdiem.common.fields.SortKeyField(
                db_index=True, editable=False, max_length=800
            ),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True),
    ]
