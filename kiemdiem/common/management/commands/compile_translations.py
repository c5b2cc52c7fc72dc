"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib (no GNU gettext needed)."""

import os
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without GNU gettext."

    def handle(self, *args, **options):
        count = 0
        for base in settings.LOCALE_PATHS:
            for po_path in Path(base).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                # Written aside and renamed: parallel test workers compile at the same time, and
                # none may read a half-written catalogue.
                fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
                os.close(fd)
                polib.pofile(str(po_path)).save_as_mofile(tmp)
                os.replace(tmp, mo_path)
                count += 1
        if options["verbosity"]:
            self.stdout.write(f"{count} catalogue(s) compiled")
