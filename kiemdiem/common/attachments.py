"""Documents attached to records (a discipline decision's scan, a complaint's evidence).

An attachment is kept in the database with its record (``AttachmentFields``), written in the
same transaction, so a record is never saved without its files nor a file left without its
record, and backups hold both. Before anything is stored, ``check_attachment`` reads the
upload once and refuses, naming the file and the limit:

* a file over ``ATTACHMENT_MAX_BYTES`` (the upload handler drops larger bodies earlier still,
  ``common/uploads.py``);
* a type that is not a document or a scan, judged by the file's first bytes, never by its name
  or the browser's word: PDF, JPEG, PNG, and the Office/OpenDocument zip formats (DOCX, XLSX,
  ODT) — nothing a browser would run (HTML, SVG, scripts);
* more than ``ATTACHMENT_MAX_FILES`` on one record (``check_count``).

Files are served only through the owning app's views, after its policy, as downloads
(``Content-Disposition: attachment``, the type this module decided, ``nosniff``).
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kiemdiem.common.vietnamese import nfc_text

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"

ACCEPTED_TEXT = "PDF, JPG, PNG, DOCX, XLSX, ODT"
KINDS = (PDF, JPEG, PNG, DOCX, XLSX, ODT)  # every type a stored file can have


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _zip_type(head: bytes, data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            names = set(archive.namelist())
            # The mimetype member is a few bytes; its declared size is checked before it is
            # read (a zip may declare a tiny file and inflate to gigabytes: refused unread).
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                if archive.read("mimetype").strip() == ODT.encode():
                    return ODT
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """The document type the bytes are, or None."""
    head = data[:8]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(head, data)
    return None


def _safe_name(name: str) -> str:
    """The file's own name, without any folder, control characters or path tricks."""
    base = PurePath(nfc_text(name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '/\\:*?"<>|')
    return base.strip(" .")[:200] or _("attachment")


def check_attachment(upload) -> CheckedFile:
    """Read an uploaded file once and check it; ``ValidationError`` names the file."""
    name = _safe_name(getattr(upload, "name", ""))
    limit = settings.ATTACHMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("%(name)s is %(size)s MB; an attachment may be at most %(limit)s MB.")
            % {"name": name, "size": _mb(size), "limit": _mb(limit)}
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("%(name)s is over %(limit)s MB; an attachment may be at most %(limit)s MB.")
            % {"name": name, "limit": _mb(limit)}
        )
    if not data:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    kind = sniff(data)
    if kind is None:
        raise ValidationError(
            _("%(name)s is not a document or a scan this system keeps (%(types)s).")
            % {"name": name, "types": ACCEPTED_TEXT}
        )
    return CheckedFile(name, kind, data, hashlib.sha256(data).hexdigest())


def check_count(existing: int, adding: int) -> None:
    limit = settings.ATTACHMENT_MAX_FILES
    if existing + adding > limit:
        raise ValidationError(
            _("A record may have at most %(limit)s attachments.") % {"limit": limit}
        )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


class AttachmentFields(models.Model):
    """The columns of an attachment; each app's attachment model adds the record it belongs
    to and is written only from a ``CheckedFile``."""

    name = models.CharField(gettext_lazy("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(gettext_lazy("size"))
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    @classmethod
    def from_checked(cls, checked: CheckedFile, **fields):
        return cls(
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            content=checked.content,
            **fields,
        )

    def download(self) -> HttpResponse:
        """The file as a download (never shown inline), with the type decided on upload."""
        response = HttpResponse(bytes(self.content), content_type=self.content_type)
        response["Content-Disposition"] = _disposition(self.name)
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _disposition(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "ignore").decode() or "file"
    ascii_name = ascii_name.replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
