"""A case's documents: the kinds families bring, their labels, and the download page.

``DOCUMENT_KINDS`` is the one list of kinds: the family upload form offers it,
and the family and staff case pages show ``kind_label(code)`` instead of the
stored code (``Document.kind``; a code not in the list, e.g. sent through the
API, is shown as it is).

``download`` (``/documents/<id>/``, included from ``config.urls`` with
``path("documents/", include("workflows.documents"))``) serves a document of
a case the user may see: the document is looked up through
``casework.selectors.cases_for``, so a case outside the user's area or
household, or a missing document, is a 404, never a 403 that confirms it
exists; anonymous users go to the login page. Images and PDF files open in the
browser (phones display them); anything else is a download. The content type
follows the stored file's extension, never the bytes (``nosniff``), and the
response is not cached (identity cards, medical records). Every document served is
recorded (``casework.privacy.access_log.record_access``, kind ``document``) with a purpose
derived from the user's role and the case (``access_purpose``); a HEAD request, which
shows nothing of the file, is not.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from casework.models import AccessRecord, Document, User
from casework.privacy.access_log import record_access, site_language
from casework.selectors import cases_for

# what families usually bring; stored as the code in Document.kind
DOCUMENT_KINDS = [
    ("id_card", _("Resident identity card")),
    ("household_register", _("Household register (hukou booklet)")),
    ("one_child_certificate", _("One-child parents' certificate")),
    ("renunciation", _("Written renunciation of a second birth")),
    ("income_proof", _("Proof of income or hardship")),
    ("medical_record", _("Medical record")),
    ("other", _("Other document")),
]
DOCUMENT_KIND_LABELS = dict(DOCUMENT_KINDS)

# extensions shown in the browser (as_attachment=False), with their content type
INLINE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".pdf": "application/pdf",
}
DOWNLOAD_TYPE = "application/octet-stream"


def kind_label(kind: str) -> str:
    """The kind as people read it, in the active language; an unknown code as it is."""
    return str(DOCUMENT_KIND_LABELS.get(kind, kind))


def file_name(document: Document) -> str:
    """The name the file came with (no folders, no control characters); the stored name
    is random."""
    name = PurePosixPath(document.original_name or document.file.name or "").name
    return "".join(ch for ch in name if unicodedata.category(ch)[0] != "C") or "document"


def download_url(document: Document) -> str:
    return reverse("documents:download", args=[document.pk])


@dataclass(frozen=True)
class DocumentRow:
    """A document as a case page lists it: label, note, file name, time and link."""

    pk: int
    kind: str
    label: str
    description: str
    name: str
    uploaded_at: datetime
    url: str


def document_rows(documents) -> list[DocumentRow]:
    return [DocumentRow(pk=d.pk, kind=d.kind, label=kind_label(d.kind),
                        description=d.description, name=file_name(d),
                        uploaded_at=d.uploaded_at, url=download_url(d))
            for d in documents]


# why each role looks at a case's personal data (PIPL: the purpose of each access)
ACCESS_PURPOSES = {
    User.Role.FAMILY: _("the family's own application #%(case)s"),
    User.Role.VILLAGE_REVIEWER: _("village review of case #%(case)s"),
    User.Role.TOWNSHIP_APPROVER: _("township review of case #%(case)s"),
    User.Role.DISTRICT_APPROVER: _("district review of case #%(case)s"),
    User.Role.AUDITOR: _("audit of case #%(case)s"),
    User.Role.ADMIN: _("administration of case #%(case)s"),
}


def access_purpose(user, case_id: int) -> str:
    """The purpose recorded when ``user`` sees personal data of case ``case_id``, from
    their role; written in the site's language (zh-hans) whatever the reader's."""
    text = ACCESS_PURPOSES.get(getattr(user, "role", None), _("case #%(case)s"))
    return site_language(text, case=case_id)


def scoped_document(user, document_id: int) -> Document:
    """The document if its case is one ``user`` may see, else 404."""
    case_ids = cases_for(user).order_by().values("pk")
    document = (Document.objects.filter(pk=document_id, case_id__in=case_ids)
                .select_related("case").first())
    if document is None:
        raise Http404("No document matches the given query.")
    return document


@require_safe
def download(request, document_id: int):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    document = scoped_document(request.user, document_id)
    name = file_name(document)
    content_type = INLINE_TYPES.get(PurePosixPath(name).suffix.lower())
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # the row outlived its file
        raise Http404("No document matches the given query.") from exc
    if request.method != "HEAD":
        record_access(request.user, AccessRecord.Kind.DOCUMENT, case=document.case,
                      object_ref=f"document:{document.pk} {document.kind}",
                      purpose=access_purpose(request.user, document.case_id),
                      path=request.path)
    response = FileResponse(handle, as_attachment=content_type is None, filename=name,
                            content_type=content_type or DOWNLOAD_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    return response


app_name = "documents"
urlpatterns = [
    path("<int:document_id>/", download, name="download"),
]
