"""The first of the upload handlers: a file larger than any form takes is never stored.

Django's own handlers keep an upload in memory or write it to a temporary file whole, and the
form refuses it afterwards: a 2 GB post would fill the disk first. This handler runs before
them; once a file passes ``UPLOAD_MAX_BYTES`` (by the size the request declares, or by the bytes
actually received) it drops the file (``SkipFile``: the rest is read and thrown away, nothing
kept) and notes it on the request, so the form can say why instead of "this field is required".
The proxy in front (docs/operations.md) should refuse such bodies even earlier.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile


def upload_limit() -> int:
    return settings.UPLOAD_MAX_BYTES


def refused_uploads(request) -> dict[str, int]:
    """Field name → bytes seen (or declared) of each file this request's upload dropped."""
    return getattr(request, "refused_uploads", {})


class SizeLimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request_length = content_length or 0
        self.request.refused_uploads = {}
        return None  # let the parser read the parts

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        self.received = 0
        # A request declaring more than the limit plus room for the form's other fields
        # cannot carry an acceptable file.
        if self.request_length > upload_limit() + 64 * 1024:
            self._refuse(self.request_length)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > upload_limit():
            self._refuse(self.received)
        return raw_data  # on to the handler that stores it

    def file_complete(self, file_size):
        return None  # the storing handler makes the file

    def _refuse(self, size: int):
        self.request.refused_uploads[self.field_name] = size
        raise SkipFile
