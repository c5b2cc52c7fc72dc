"""The signals by kind per unit below the cycle's root, stored with each computation; the runs
already stored are counted once here (the page reads them instead of grouping every signal)."""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Substr

SEGMENT_LENGTH = 4  # orgtree.models.SEGMENT_LENGTH when this was written


def count_stored_runs(apps, schema_editor):
    SignalRun = apps.get_model("insights", "SignalRun")
    Signal = apps.get_model("insights", "Signal")
    for run in SignalRun.objects.select_related("cycle__root"):
        root = run.cycle.root.path
        grouped = (
            Signal.objects.filter(cycle_id=run.cycle_id, unit__path__startswith=root)
            .annotate(below=Substr("unit__path", 1, len(root) + SEGMENT_LENGTH))
            .order_by()
            .values_list("below", "kind")
            .annotate(n=Count("pk"))
        )
        counts: dict = {}
        for below, kind, n in grouped:
            counts.setdefault("" if below == root else below, {})[kind] = n
        run.counts_below = counts
        run.save(update_fields=["counts_below"])


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="signalrun",
            name="counts_below",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(count_stored_runs, migrations.RunPython.noop),
    ]
