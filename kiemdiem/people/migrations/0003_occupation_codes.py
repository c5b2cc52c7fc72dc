"""Occupation codes in English (docs/architecture.md, "Stored codes"); ``cbccvc`` stays.

One UPDATE per code, both ways. Audit entries keep the codes they were written with (the log
is not rewritten); ``audit.display`` reads the former codes too.
"""

from django.db import migrations, models

# Former code -> new code. Written out here: a migration does not read today's models.
RENAMED = {
    "llvt": "armed_forces",
    "doanh_nghiep": "enterprise",
    "nong_dan": "farmer",
    "hoc_sinh": "student",
    "huu_tri": "retired",
    "khac": "other",
}


def _rename(apps, mapping):
    PartyMember = apps.get_model("people", "PartyMember")
    for old, new in mapping.items():
        PartyMember.objects.filter(occupation=old).update(occupation=new)


def forward(apps, schema_editor):
    _rename(apps, RENAMED)


def backward(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_recompute_sort_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="partymember",
            name="occupation",
            field=models.CharField(
                choices=[
                    ("cbccvc", "Cadre, civil servant or public employee"),
                    ("armed_forces", "Armed forces"),
                    ("enterprise", "Enterprise employee"),
                    ("farmer", "Farmer"),
                    ("student", "Student"),
                    ("retired", "Retired"),
                    ("other", "Other"),
                ],
                default="cbccvc",
                max_length=20,
                verbose_name="occupation",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
