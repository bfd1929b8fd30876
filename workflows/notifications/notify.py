"""Notifications leave through the outbox.

A step writes outbox rows in its own transaction; after commit the relay is
kicked, and the beat sweep catches anything a lost kick left behind. The worker's
``deliver`` (``workflows.tasks``) hands each row to its channel, here:

- in-app (``deliver_inapp``): the row fans out to the recipients' user accounts as
  ``casework.models.Message`` rows, one per user and row (a unique constraint), in the
  transaction that marks the row sent. ``household:<id>`` means the household's family
  accounts, ``<step>:<area code>`` the active staff whose role acts on that step in an
  area containing that one (``workflows.steps.STEP_ROLE``; for ``appeal_review``, those
  who may decide the case's pending appeal, found by the finder the appeals feature
  registers: ``register_recipients``), and ``recipient_user`` one account. A staff
  notice about their work (``STAFF_EMAIL_TEMPLATES``) also queues an e-mail outbox row
  for each of those users who has an e-mail address, in the same transaction, so it too
  is sent once and can be traced;
- e-mail (``send_email``): Django's e-mail backend, to the row's address (or its user's);
- SMS: ``workflows.notifications.sms`` (the gateway, and the per-number hourly limit).

The case pages and the API read a case's messages through ``case_outbox``.

This module imports no feature and not ``workflows.tasks`` (which imports it): the relay
task, and the finders of the recipients a feature names (``appeal_review:<village>``), are
registered by the features in ``WorkflowsConfig.ready`` (``register_relay``,
``register_recipients``).
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from casework.history.audit import queue_outbox
from casework.models import Case, Message, OutboxMessage, Person, User
from casework.personal.phones import mask_email, mask_phone

from ..steps import RECERTIFICATION_REVIEW, RECERTIFICATION_ROLE, STEP_ROLE
from .messages import STEP_NAMES, render, template_label

logger = logging.getLogger(__name__)

# which steps tell the family (SMS to the applicant) and which tell staff (in-app)
FAMILY_TEMPLATES = {
    "submitted": "case_submitted",
    "family_revision": "case_returned",
    "public_notice": "case_public_notice",
    "approved": "case_approved",
    "rejected": "case_rejected",
    "withdrawn": "case_withdrawn",
}
STAFF_STEPS = {"village_review", "objection_review", "township_review", "district_review"}
# in-app notices about a staff member's work that also go by e-mail to staff with an address
STAFF_EMAIL_TEMPLATES = {"task_waiting", "task_reminder", "task_overdue", "task_escalated"}
# the language a message is stored and sent in (SMS and e-mail have no reader's choice)
MESSAGE_LANGUAGE = "zh-hans"
# the unread count stops at this many ("99+"): a bounded read however many there are
UNREAD_LIMIT = 99
# a failed row is retried (``workflows.tasks.deliver``) until it has had this many attempts;
# then it stays unsent with its last error, for staff to see
MAX_ATTEMPTS = 8

Channel = OutboxMessage.Channel


PERSON = "person"  # an SMS row's recipient: ``person:<id>``, the number read when sending


def sms_recipient(person_id: int) -> str:
    """The SMS recipient of an outbox row: the person, not their number, so that no
    phone number is kept in clear at rest (``Person.phone`` is encrypted); the worker
    reads the number when it sends (``sms_number``)."""
    return f"{PERSON}:{person_id}"


def sms_number(recipient: str) -> str:
    """The number to send an SMS row to: the person's current phone (empty if they have
    none any more); a row written before recipients were persons holds the number."""
    kind, sep, key = recipient.partition(":")
    if sep and kind == PERSON:
        person = Person.objects.filter(pk=int(key)).only("phone").first()
        return (person.phone or "") if person is not None else ""
    return recipient


def notify_step(case: Case, step: str) -> None:
    """Queue the messages that entering ``step`` (or reaching an outcome) sends."""
    staff_recipient = f"{step}:{case.area_id}" if step in STAFF_STEPS else None
    queue_case_messages(case, FAMILY_TEMPLATES.get(step),
                        {"step": step, "program": case.program_id},  # the case is the row's FK
                        staff_recipient=staff_recipient)


def queue_case_messages(case: Case, template: str | None, payload: dict[str, Any], *,
                        staff_recipient: str | None = None) -> None:
    """Queue a case's outbox rows in the caller's transaction: with a family
    ``template``, the family's SMS (if the applicant has a phone) and its in-app message;
    with a ``staff_recipient`` (``<step>:<area code>``), that group's in-app
    "task_waiting" notice. The relay is kicked after commit."""
    now = timezone.now()
    rows = []
    if template is not None:
        if case.applicant.phone:
            rows.append(OutboxMessage(case=case, channel=Channel.SMS,
                                      recipient=sms_recipient(case.applicant_id),
                                      template=template, payload=payload, created_at=now))
        rows.append(OutboxMessage(case=case, channel=Channel.INAPP,
                                  recipient=f"household:{case.household_id}",
                                  template=template, payload=payload, created_at=now))
    if staff_recipient is not None:
        rows.append(OutboxMessage(case=case, channel=Channel.INAPP, recipient=staff_recipient,
                                  template="task_waiting", payload=payload, created_at=now))
    if rows:
        queue_outbox(rows)
        kick_relay_on_commit()


# --- what the features plug in (``WorkflowsConfig.ready``) ---------------------------------

_relay_task = None  # workflows.tasks.relay_outbox
# "<kind>:<key>" recipients whose users a feature finds: kind -> finder(case id) -> users
_recipient_finders: dict[str, Callable[[int | None], Any]] = {}


def register_relay(task) -> None:
    """The Celery task ``kick_relay`` sends (``workflows.tasks.relay_outbox``)."""
    global _relay_task
    _relay_task = task


def register_recipients(kind: str, finder: Callable[[int | None], Any]) -> None:
    """Rows for ``<kind>:<key>`` go to ``finder(case id)``'s active users (a queryset);
    for a kind whose users no step role names (an appeal's reviewers: the level above
    the one appealed, less whoever decided)."""
    _recipient_finders[kind] = finder


def kick_relay_on_commit() -> None:
    """Kick the relay after the current transaction commits, once per transaction
    however many steps in it queued rows."""
    connection = transaction.get_connection()
    if not any(func is kick_relay for _, func, _ in connection.run_on_commit):
        transaction.on_commit(kick_relay)


_last_kick = 0.0
KICK_INTERVAL = 0.5  # seconds; a relay run takes everything pending, beat sweeps the rest
KICK_BROKER_TIMEOUT = 1.0  # seconds; the kick is a hint, beat sweeps what it misses
# off only in tests that run no worker (tests/conftest.py): a kick would reach the shared
# test worker, which would then write to the database while the test runner flushes it
KICKS_ENABLED = True


def kick_relay() -> None:
    """Ask a worker to relay pending messages; if the broker is down, beat sweeps later.

    Debounced per process: under a burst of commits one kick in half a second is
    enough, since the relay sends every pending row and the beat sweep catches a
    row committed just after a relay run read the table.
    """
    global _last_kick
    relay_outbox = _relay_task

    if not KICKS_ENABLED:
        return
    if relay_outbox is None:  # not registered (WorkflowsConfig.ready): beat sweeps
        logger.warning("outbox relay kick skipped: no relay task registered; beat will sweep")
        return

    now = time.monotonic()
    if now - _last_kick < KICK_INTERVAL:
        return
    _last_kick = now
    try:
        # one connection attempt with short socket timeouts: ``retry=False`` alone still
        # lets kombu retry the connection for seconds, and a hung Redis would hold the
        # family's request for as long as it hangs
        with relay_outbox.app.connection_for_write(transport_options={
                "socket_connect_timeout": KICK_BROKER_TIMEOUT,
                "socket_timeout": KICK_BROKER_TIMEOUT}) as broker:
            broker.ensure_connection(max_retries=0)
            relay_outbox.apply_async(retry=False, connection=broker)
    except Exception:  # broker down: the rows wait in the database, nothing is lost
        logger.warning("outbox relay kick failed; beat will sweep", exc_info=True)


# --- delivery ----------------------------------------------------------------------

class UnknownRecipient(ValueError):
    """An outbox row whose recipient names nobody this code knows how to find."""


def _step_roles() -> dict[str, str]:
    return {**STEP_ROLE, RECERTIFICATION_REVIEW: RECERTIFICATION_ROLE}


def _area_prefixes(code: str) -> list[str]:
    """Every code an area containing ``code`` can have: its prefixes (codes are
    hierarchical), matched exactly against ``User.area`` (an indexed FK)."""
    return [code[:n] for n in range(1, len(code) + 1)]


def recipient_users(message: OutboxMessage):
    """The active accounts an in-app or e-mail row is for (a queryset)."""
    active = User.objects.filter(is_active=True)
    if message.recipient_user_id:
        return active.filter(pk=message.recipient_user_id)
    kind, sep, key = message.recipient.partition(":")
    if sep and kind == "household" and key.isdigit():
        return active.filter(household_id=int(key), role=User.Role.FAMILY)
    finder = _recipient_finders.get(kind) if sep else None
    if finder is not None:  # e.g. an appeal's: the role depends on the level appealed
        return finder(message.case_id)
    role = _step_roles().get(kind) if sep else None
    if role is None or not key:
        raise UnknownRecipient(f"unknown recipient {message.recipient!r}")
    if role == User.Role.FAMILY:  # the family's own step: its household is told instead
        raise UnknownRecipient(f"a family step names no staff: {message.recipient!r}")
    return active.filter(role=role, area_id__in=_area_prefixes(key))


def _text(message: OutboxMessage) -> str:
    with translation.override(MESSAGE_LANGUAGE):
        return render(message.template, {**message.payload, "case": message.case_id})


def deliver_inapp(message: OutboxMessage) -> int:
    """Put the row's message in each recipient's inbox (once: a unique constraint), and
    queue the e-mail of a staff notice; returns the number of recipients. Runs in the
    transaction that marks the row sent."""
    now = timezone.now()
    users = list(recipient_users(message).only("id", "role", "email"))
    text = _text(message)
    Message.objects.bulk_create(
        [Message(recipient_id=user.pk, outbox_id=message.pk, case_id=message.case_id,
                 template=message.template, payload=message.payload, text=text,
                 created_at=now) for user in users],
        ignore_conflicts=True)
    if message.template in STAFF_EMAIL_TEMPLATES:
        emails = [OutboxMessage(case_id=message.case_id, channel=Channel.EMAIL,
                                recipient_user_id=user.pk, recipient=user.email,
                                template=message.template, payload=message.payload,
                                created_at=now)
                  for user in users if user.is_staff_role and user.email]
        if emails:
            OutboxMessage.objects.bulk_create(emails)
            transaction.on_commit(kick_relay)
    return len(users)


def _subject(message: OutboxMessage) -> str:
    if message.case_id:
        return _("Benefit casework: case #%(case)s") % {"case": message.case_id}
    return _("Benefit casework")


def send_email(message: OutboxMessage) -> int:
    """Send an e-mail row through Django's e-mail backend; returns the number of
    addresses. The row names an address, or a user (their address now), or a group
    (``<step>:<area>``: those of its users who have an address)."""
    from django.core.mail import EmailMessage, get_connection

    if "@" in message.recipient:
        addresses = [message.recipient]
    else:
        addresses = [email for email in recipient_users(message).exclude(email="")
                     .values_list("email", flat=True)]
    if not addresses:
        return 0
    with translation.override(MESSAGE_LANGUAGE):
        subject, text = _subject(message), _text(message)
    mails = [EmailMessage(subject=subject, body=text, to=[address]) for address in addresses]
    get_connection().send_messages(mails)
    return len(addresses)


# --- reading a user's messages -----------------------------------------------------

def inbox_for(user: User):
    """The user's own in-app messages, newest first (keyset on id)."""
    if not user.is_authenticated:
        return Message.objects.none()
    return Message.objects.filter(recipient_id=user.pk).order_by("-id")


def unread_count(user: User) -> int:
    """Unread messages, counted up to ``UNREAD_LIMIT + 1`` (shown as "99+")."""
    if not user.is_authenticated:
        return 0
    return (Message.objects.filter(recipient_id=user.pk, read_at__isnull=True)
            .values("id")[:UNREAD_LIMIT + 1].count())


def unread_label(count: int) -> str:
    return f"{UNREAD_LIMIT}+" if count > UNREAD_LIMIT else str(count)


def mark_read(user: User, ids=None) -> int:
    """Mark the user's unread messages (those of ``ids``, or all) read; returns how many."""
    rows = Message.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if ids is not None:
        ids = list(ids)
        if not ids:
            return 0
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


def message_text(message: Message) -> str:
    """The message in the reader's (active) language; as delivered if it cannot be."""
    try:
        return render(message.template, {**message.payload, "case": message.case_id})
    except KeyError:
        return message.text


# --- a case's messages (the case pages, the API) -------------------------------------

class Status:
    SENT = "sent"
    PENDING = "pending"
    FAILED = "failed"


STATUS_LABELS = {
    Status.SENT: pgettext_lazy("message status", "sent"),
    Status.PENDING: pgettext_lazy("message status", "waiting to be sent"),
    Status.FAILED: pgettext_lazy("message status", "failed"),
}
CHANNEL_LABELS = {
    Channel.SMS: gettext_lazy("SMS"),
    Channel.EMAIL: gettext_lazy("e-mail"),
    Channel.INAPP: gettext_lazy("in-app message"),
}
# what a family sees of its case's messages: what was sent to it
FAMILY_VISIBLE = Q(channel=Channel.SMS) | Q(channel=Channel.INAPP,
                                            recipient__startswith="household:")


def case_outbox(case: Case, *, family: bool = False):
    """The case's outbox rows, oldest first; a family's view holds only its own messages.
    The caller has read ``case`` through the user's scope."""
    rows = OutboxMessage.objects.filter(case_id=case.pk)
    if family:
        rows = rows.filter(FAMILY_VISIBLE)
    return rows.order_by("id")


def outbox_status(row: OutboxMessage) -> str:
    if row.sent_at is not None:
        return Status.SENT
    if row.attempts >= MAX_ATTEMPTS:
        return Status.FAILED
    return Status.PENDING


def person_phones(rows: list[OutboxMessage], case: Case | None = None) -> dict[str, str]:
    """{SMS recipient: its person's phone} for the rows naming a person: the case's
    applicant's when already read with the case (every family SMS goes to the applicant),
    the others in one query."""
    known = {}
    if case is not None and Case.applicant.is_cached(case):
        known[sms_recipient(case.applicant_id)] = case.applicant.phone or ""
    ids = {int(r.recipient.partition(":")[2]) for r in rows
           if r.channel == Channel.SMS and r.recipient.startswith(f"{PERSON}:")
           and r.recipient not in known}
    if ids:
        known.update({sms_recipient(p.pk): p.phone or ""
                      for p in Person.objects.filter(pk__in=ids).only("phone")})
    return known


def shown_recipient(row: OutboxMessage, phones: dict[str, str] | None = None) -> str:
    """The recipient as a case page shows it: phone and address masked (an SMS row's
    person's phone from ``phones``, ``person_phones`` of the page's rows)."""
    if row.channel == Channel.SMS:
        if row.recipient.startswith(f"{PERSON}:"):
            number = (phones or {}).get(row.recipient, "")
            return mask_phone(number) if number else _("the applicant's mobile phone")
        return mask_phone(row.recipient)
    if row.channel == Channel.EMAIL:
        return mask_email(row.recipient) if row.recipient else ""
    kind, sep, key = row.recipient.partition(":")
    if kind == "household":
        return _("household")
    if sep and kind in STEP_NAMES:
        return _("%(step)s staff") % {"step": STEP_NAMES[kind]}
    return ""


def outbox_text(row: OutboxMessage) -> str:
    try:
        return render(row.template, {**row.payload, "case": row.case_id})
    except KeyError:
        return template_label(row.template)


def outbox_rows(rows, case: Case | None = None) -> list[dict]:
    """Outbox rows (of ``case``, when given) as the case pages show them (in the active
    language)."""
    rows = list(rows)
    phones = person_phones(rows, case)
    result = []
    for row in rows:
        status = outbox_status(row)
        result.append({
            "id": row.pk,
            "channel": row.channel,
            "channel_label": str(CHANNEL_LABELS.get(row.channel, row.channel)),
            "template": row.template,
            "template_label": template_label(row.template),
            "text": outbox_text(row),
            "recipient": shown_recipient(row, phones),
            "status": status,
            "status_label": str(STATUS_LABELS[status]),
            "created_at": row.created_at,
            "sent_at": row.sent_at,
            "at": row.sent_at or row.created_at,
            "attempts": row.attempts,
            "last_error": row.last_error if status != Status.SENT else "",
        })
    return result
