"""Import steps run as jobs of the queue: the import links its step's job (``task``) instead of
recording its own process and heartbeat; "confirmed" waits for the queue to import.

Imports left checking or importing by the threads of the old version are interrupted: those
threads died with the processes stopped for the upgrade (their work was rolled back).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def interrupt_thread_jobs(apps, schema_editor):
    ImportJob = apps.get_model("imports", "ImportJob")
    ImportJob.objects.filter(status__in=["queued", "validating", "running"]).update(
        status="interrupted", finished_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0002_job_heartbeat"),
        ("jobs", "0001_initial"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="importjob",
            name="heartbeat_at",
        ),
        migrations.RemoveField(
            model_name="importjob",
            name="worker",
        ),
        migrations.AddField(
            model_name="importjob",
            name="task",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="jobs.job",
                verbose_name="background job",
            ),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("validating", "Checking the file"),
                    ("ready", "Checked, waiting for confirmation"),
                    ("invalid", "Has errors, nothing imported"),
                    ("confirmed", "Confirmed, waiting to be imported"),
                    ("running", "Importing"),
                    ("done", "Imported"),
                    ("failed", "Failed, nothing imported"),
                    ("interrupted", "Interrupted"),
                ],
                default="queued",
                max_length=12,
                verbose_name="status",
            ),
        ),
        # Last: on PostgreSQL an ALTER TABLE after an UPDATE in the same transaction can fail.
        migrations.RunPython(interrupt_thread_jobs, migrations.RunPython.noop),
    ]
