"""Person.sort_key: byte-order ("C") collation on PostgreSQL, and every key recomputed.

The key format changed (common.vietnamese: syllable by syllable, a name that starts another
sorts first). Keys are derived data, so reversing leaves them as they are; the old code would
rewrite each one the next time the person is saved.
"""

import kiemdiem.common.fields
from django.db import migrations

from kiemdiem.common.vietnamese import name_sort_key

BATCH = 2000


def recompute(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    fields = ("pk", "family_name", "middle_name", "given_name", "sort_key")
    last = 0
    while True:  # pk by pk in batches: no open cursor while we write, memory bounded
        batch = list(Person.objects.filter(pk__gt=last).order_by("pk").only(*fields)[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        changed = []
        for person in batch:
            key = name_sort_key(person.family_name, person.middle_name, person.given_name)[:800]
            if key != person.sort_key:
                person.sort_key = key
                changed.append(person)
        Person.objects.bulk_update(changed, ["sort_key"])


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
