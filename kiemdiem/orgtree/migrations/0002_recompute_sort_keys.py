"""Unit.name_sort_key: byte-order ("C") collation on PostgreSQL, and every key recomputed.

The key format changed (common.vietnamese: syllable by syllable, a name that starts another
sorts first). Keys are derived data, so reversing leaves them as they are.
"""

import kiemdiem.common.fields
from django.db import migrations

from kiemdiem.common.vietnamese import text_sort_key

BATCH = 2000


def recompute(apps, schema_editor):
    Unit = apps.get_model("orgtree", "Unit")
    last = 0
    while True:  # pk by pk in batches: no open cursor while we write, memory bounded
        batch = list(
            Unit.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "name", "name_sort_key")[:BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for unit in batch:
            key = text_sort_key(unit.name)[:600]
            if key != unit.name_sort_key:
                unit.name_sort_key = key
                changed.append(unit)
        Unit.objects.bulk_update(changed, ["name_sort_key"])


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
