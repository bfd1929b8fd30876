"""Recording who saw personal data (PIPL articles 51 and 55: purpose and access records).

Views and exports call ``record_access`` when they show a full resident identity
number or phone number, health data or a document, or export case histories. The
record is written at once, in the caller's transaction.

Selectors only read: one that finds whose full numbers a page may show
(``casework.selectors.identities_shown``) returns them, and the view that shows them
records it here (``record_reveal``), in the same request.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import AccessRecord, User

Kind = AccessRecord.Kind


def site_language(text, **params) -> str:
    """``text`` (a translatable message with ``%(name)s`` placeholders) in the site's
    language (zh-hans), whatever the reader's: a purpose is stored once and read later,
    by auditors, in the association's language."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(text) % params


def record_access(user: User, kind: str, *, purpose: str, case=None, person=None,
                  object_ref: str = "", path: str = "") -> AccessRecord | None:
    """Record that ``user`` saw ``kind`` of personal data, and why.

    ``purpose`` says why in words an auditor understands ("village review of case
    #12", "household register export"). Anonymous users see no personal data, so
    nothing is recorded for them.
    """
    if user is None or not user.is_authenticated:
        return None
    record = AccessRecord(user=user, at=timezone.now(), kind=kind, purpose=purpose[:200],
                          case=case, person=person, object_ref=object_ref[:80],
                          path=path[:200])
    record.save(force_insert=True)
    return record


def record_many(user: User, kind: str, *, purpose: str, people=(), path: str = "") -> int:
    """One record per person whose data ``user`` saw on one page or in one export."""
    if user is None or not user.is_authenticated:
        return 0
    now = timezone.now()
    rows = [AccessRecord(user=user, at=now, kind=kind, purpose=purpose[:200], person=person,
                         object_ref=f"person:{person.pk}", path=path[:200])
            for person in people]
    AccessRecord.objects.bulk_create(rows)
    return len(rows)


def record_reveal(user: User, revealed, *, purpose: str, case=None, path: str = "") -> None:
    """Record that ``user`` was shown the full numbers of ``revealed`` (a
    ``casework.selectors.Revealed``): one RESIDENT_ID record per person of
    ``revealed.people``, one PHONE record per person of ``revealed.phones``.

    On one person's page of a case (``case`` given, one person shown) the records name
    the case (``record_access``); otherwise one record per person (``record_many``: one
    INSERT each kind). ``purpose`` says why, for the auditor. Nothing is recorded when no
    one's numbers were shown.
    """
    people, phones = list(revealed.people), list(revealed.phones)
    if not people:
        return
    if case is not None and len(people) == 1:
        person = people[0]
        record_access(user, Kind.RESIDENT_ID, purpose=purpose, case=case, person=person,
                      object_ref=f"person:{person.pk}", path=path)
        if phones:
            record_access(user, Kind.PHONE, purpose=purpose, case=case, person=person,
                          object_ref=f"person:{person.pk}", path=path)
    else:
        record_many(user, Kind.RESIDENT_ID, purpose=purpose, people=people, path=path)
        if phones:
            record_many(user, Kind.PHONE, purpose=purpose, people=phones, path=path)


def case_file_purpose(case) -> str:
    """The purpose recorded when a case's file shows its applicant's full number: in the
    site's language, its words and the case's status alike, whatever the reader's."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return site_language(gettext_lazy("case file of case #%(case)s (%(status)s)"),
                             case=case.pk, status=case.get_status_display())


def record_health_view(user: User, case, *, purpose: str, path: str = "") -> None:
    """An annual health check's case shows health data (its pre-check counts the checks
    the applicant had this year): record each showing to staff. A family reading its
    own case is not an access by someone else."""
    from eligibility.rules.health_check import PROGRAM as HEALTH_PROGRAM

    if case.program.code == HEALTH_PROGRAM and user.role != User.Role.FAMILY:
        record_access(user, Kind.HEALTH, case=case, person=case.applicant,
                      object_ref=f"case:{case.pk} facts", purpose=purpose, path=path)
