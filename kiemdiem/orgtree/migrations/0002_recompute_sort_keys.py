"""Unit.name_sort_key: byte-order ("C") collation on PostgreSQL, and every key recomputed.

The key format changed (common.vietnamese: syllable by syllable, a name that starts another
sorts first). Keys are derived data, so reversing leaves them as they are.
"""

from django.db import migrations

import kiemdiem.common.fields
from kiemdiem.common.db import column_writer
from kiemdiem.common.vietnamese import text_sort_key

BATCH = 5000


def recompute(apps, schema_editor):
    Unit = apps.get_model("orgtree", "Unit")
    write = column_writer(schema_editor.connection, Unit._meta.db_table, "name_sort_key")
    last = 0
    while True:  # pk by pk in batches: no open cursor while we write, memory bounded
        rows = list(
            Unit.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "name", "name_sort_key")[:BATCH]
        )
        if not rows:
            return
        last = rows[-1][0]
        changed = []
        for pk, name, old in rows:
            key = text_sort_key(name)[:600]
            if key != old:
                changed.append((key, pk))
        write(changed)


class Migration(migrations.Migration):
    dependencies = [
        ("orgtree", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="unit",
            name="name_sort_key",
            field=kiemdiem.common.fields.SortKeyField(
                db_index=True, editable=False, max_length=600
            ),
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True),
    ]
