"""Attachments are judged by their bytes, never by their names: documents and scans pass,
anything a browser would run is refused, and every refusal names the file."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from kiemdiem.common.attachments import DOCX, PDF, check_attachment, check_count


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_a_pdf_name_with_html_bytes_is_refused_naming_the_file():
    upload = SimpleUploadedFile("quyet-dinh.pdf", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError) as error:
        check_attachment(upload)
    assert "quyet-dinh.pdf" in error.value.messages[0]


def test_an_svg_is_refused_even_as_an_image():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    upload = SimpleUploadedFile("scan.svg", svg, content_type="image/svg+xml")
    with pytest.raises(ValidationError, match="scan.svg"):
        check_attachment(upload)


def test_a_file_over_the_limit_is_refused_naming_it_and_the_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        check_attachment(upload)
    message = error.value.messages[0]
    assert "bien-ban.pdf" in message and "1" in message and "MB" in message


def test_a_docx_is_accepted_as_docx_and_a_pdf_as_pdf():
    checked = check_attachment(SimpleUploadedFile("ket-luan.docx", _docx()))
    assert checked.content_type == DOCX and checked.name == "ket-luan.docx"
    pdf = check_attachment(SimpleUploadedFile("qd.pdf", b"%PDF-1.7\n%\xe2\xe3"))
    assert pdf.content_type == PDF and len(pdf.sha256) == 64


def test_a_name_with_a_path_trick_is_cleaned_to_the_files_own_name():
    upload = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n")
    upload.name = "../../etc/Quyết định\x00 kỷ luật.pdf"
    checked = check_attachment(upload)
    assert checked.name == "Quyết định kỷ luật.pdf"
    upload = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n")
    upload.name = "..\\..\\windows\\qd.pdf"
    assert check_attachment(upload).name == "qd.pdf"


def test_an_empty_file_and_too_many_files_are_refused(settings):
    with pytest.raises(ValidationError, match="rong.pdf"):
        check_attachment(SimpleUploadedFile("rong.pdf", b""))
    settings.ATTACHMENT_MAX_FILES = 3
    check_count(2, 1)
    with pytest.raises(ValidationError):
        check_count(2, 2)
