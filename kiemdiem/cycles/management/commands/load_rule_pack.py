"""``manage.py load_rule_pack FILE [--check]``: check a local rule pack and store it (with
``--check`` nothing is stored, and the output says so)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from kiemdiem import rules_engine
from kiemdiem.cycles import services

MAX_BYTES = 1_000_000  # a pack is a few dozen kilobytes; refuse anything far larger unread


class Command(BaseCommand):
    help = (
        "Check a local rule pack (TOML, 'extends' a central pack, 'issuer' = the issuing "
        "unit's code) and store it, versioned and hashed. With --check nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the pack file (.toml)")
        parser.add_argument(
            "--check", action="store_true", help="only check the file; store nothing"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        name = path.name
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CommandError(
                    _("%(file)s: too large for a rule pack (over %(n)d bytes).")
                    % {"file": name, "n": MAX_BYTES}
                )
            text = path.read_bytes().decode("utf-8")
        except OSError as error:
            raise CommandError(f"{name}: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise CommandError(
                _("%(file)s: not UTF-8 (byte at position %(pos)d).")
                % {"file": name, "pos": error.start + 1}
            ) from None
        try:
            pack, stored, created = services.local_pack_load(
                text=text, file_name=name, check_only=options["check"], actor=None
            )
        except rules_engine.PackError as error:
            line = rules_engine.error_line(text, error)
            where = f"{name}:{line}" if line else name
            raise CommandError(f"{where}: [{error.code}] {error.message(_lang())}") from None
        except ValidationError as error:
            raise CommandError(_describe(name, text, error)) from None
        info = {
            "pack": pack.id,
            "version": pack.version,
            "base": pack.base.id if pack.base else "",
            "hash": pack.hash,
            "rules": pack.rule_count(),
        }
        if created:
            message = _(
                "%(pack)s %(version)s (extends %(base)s) stored: %(rules)d rules, %(hash)s."
            )
        elif stored is not None:
            info["loaded"] = localtime(stored.loaded_at).strftime("%Y-%m-%d %H:%M")
            message = (
                _(
                    "%(pack)s %(version)s (extends %(base)s) is valid and already stored "
                    "(loaded %(loaded)s): %(rules)d rules, %(hash)s. Checked, not stored again."
                )
                if options["check"]
                else _(
                    "%(pack)s %(version)s (extends %(base)s) is already stored (loaded "
                    "%(loaded)s): %(rules)d rules, %(hash)s. Nothing new stored."
                )
            )
        else:
            message = _(
                "%(pack)s %(version)s (extends %(base)s) is valid: %(rules)d rules, %(hash)s. "
                "Checked, not stored."
            )
        self.stdout.write(message % info)


def _lang() -> str:
    from django.utils.translation import get_language

    return "en" if (get_language() or "vi").startswith("en") else "vi"


def _describe(name: str, text: str, error: ValidationError) -> str:
    """A service refusal as ``file:line: key: message`` lines (the key's line when found)."""
    lines = text.splitlines()
    out = []
    for key, messages in getattr(error, "message_dict", {"": error.messages}).items():
        number = next(
            (i for i, line in enumerate(lines, 1) if line.strip().startswith(f"{key} ")), None
        )
        where = f"{name}:{number}" if number else name
        out += [f"{where}: {key}: {m}" if key else f"{where}: {m}" for m in messages]
    return "\n".join(out)
