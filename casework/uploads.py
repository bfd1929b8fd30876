"""What a supporting document may be: checked by content, not by the name it came with."""

import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
}


def megabytes(size: int) -> str:
    """``size`` bytes in MB as people write it: ``10``, ``10.5``."""
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


def sniff(head: bytes) -> str | None:
    """The file type its first bytes show (PDF, JPEG, PNG), or None."""
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def check_upload(file) -> str:
    """Raise a ValidationError the user can act on; return the detected type."""
    if file.size > MAX_UPLOAD_BYTES:
        # the message names the limit that applied and the file's own size, from the
        # same constant the check uses
        raise ValidationError(
            _("The file is %(size)s MB, larger than the limit of %(limit)s MB for a "
              "document; please send a smaller photo or scan."),
            code="too_large", params={"size": megabytes(file.size),
                                      "limit": megabytes(MAX_UPLOAD_BYTES)})
    position = file.tell() if hasattr(file, "tell") else 0
    head = file.read(16)
    file.seek(position)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(_("Only PDF, JPEG or PNG files can be uploaded."),
                              code="file_type")
    return kind


SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png"}


def document_path(instance, filename: str) -> str:
    """A random stored name: nothing of the family's file name (which may hold a name or
    an ID number) reaches the disk, and names cannot be guessed or collide."""
    suffix = PurePath(filename).suffix.lower()
    return (f"documents/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
            f"{suffix if suffix in SUFFIXES else ''}")
