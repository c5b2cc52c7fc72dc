"""manage.py export_data --kind people --unit P out.xlsx (or out.csv)"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kiemdiem.imports import exporters
from kiemdiem.imports.models import ImportKind
from kiemdiem.orgtree.models import Unit


class Command(BaseCommand):
    help = "Export a subtree's units or people in the import template's format."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--kind", choices=ImportKind.values, required=True)
        parser.add_argument("--unit", required=True)

    def handle(self, *args, **options):
        unit = Unit.objects.filter(code__iexact=options["unit"]).first()
        if unit is None:
            raise CommandError(f"no unit with code {options['unit']}")
        path = Path(options["file"])
        rows = exporters.export_rows(options["kind"], unit)
        with path.open("wb") as out:
            if path.suffix.lower() == ".csv":
                exporters.write_csv(options["kind"], rows, out)
            else:
                exporters.write_xlsx(options["kind"], rows, out)
        self.stdout.write(f"wrote {path}")
