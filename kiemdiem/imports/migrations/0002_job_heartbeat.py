from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="worker",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
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
    ]
