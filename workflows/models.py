"""Deadlines of human steps and the working-day calendar they are counted in; appeals and
re-certification reviews (the subjects of their flows' processes).

The database is the source of truth for every deadline: a ``Deadline`` row per
human task holds when it is due and the next time the sweep must look at it
(``next_at``). Celery only runs the sweep; a lost task or a restarted broker
loses nothing, the next sweep finds the row still due.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from casework.models import Case

from .viewflow_adapter import link_cases

# an application's process names its case (``process.case``, ``case.process``)
link_cases(Process, Case)


class CalendarYear(models.Model):
    """A year of China's public holidays and swapped working days (调休), as published.

    A year is loaded only when its State Council notice is known; counting working
    days into a year that is not here logs a warning and the system check reports
    it, rather than silently counting calendar days.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=200,
                              help_text=_("The notice the dates come from."))
    provisional = models.BooleanField(
        _("provisional"), default=False,
        help_text=_("Derived from the holiday rules before the official notice was "
                    "published; confirm the dates when it is."))

    class Meta:
        ordering = ["year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the Monday-to-Friday week: a holiday or a swapped workday."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday")
        WORKDAY = "workday", _("swapped working day (调休上班)")

    day = models.DateField(_("date"), primary_key=True)
    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days",
                             verbose_name=_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.day and self.year_id and self.day.year != self.year_id:
            raise ValidationError({"day": _("The date must fall in the year %(year)s.")
                                   % {"year": self.year_id}})
        if self.day and self.kind == self.Kind.WORKDAY and self.day.weekday() < 5:
            raise ValidationError({"kind": _("A swapped working day must be a Saturday or "
                                             "Sunday.")})


class Deadline(models.Model):
    """The deadline of one human task, and what the sweep does next about it.

    ``stage`` is the next action (remind, then mark overdue and tell the level
    above, then escalate); ``next_at`` is when it is due, NULL once nothing is left
    to do or the task is finished. The sweep reads only rows with ``next_at`` in
    the past, through a partial index: its cost follows the due rows, not the
    number of deadlines. A deadline never decides anything by itself.
    """

    class Stage(models.TextChoices):
        REMIND = "remind", _("reminder")
        DUE = "due", _("due")
        ESCALATE = "escalate", _("escalation")
        DONE = "done", _("done")

    task = models.OneToOneField("viewflow.Task", on_delete=models.CASCADE, primary_key=True,
                                related_name="deadline")
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE,
                             related_name="deadlines")
    step = models.CharField(max_length=50)
    working_days = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    next_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # the task's scope (its ``owner_permission`` and ``owner_permission_obj_pk``, fixed when
    # the task is created), copied so that the inbox and queue's order (``due_order``) is
    # read from this table's indexes alone
    role = models.CharField(max_length=255, blank=True, default="", db_default="")
    scope_key = models.CharField(max_length=255, blank=True, default="", db_default="")

    class Meta:
        indexes = [
            models.Index(fields=["next_at"], condition=Q(next_at__isnull=False),
                         name="deadline_next_due"),
            # the inbox and queue, most urgent first (``workflows.due_order``): open
            # deadlines by due time, ties by task, for a wide scope (walked in order) ...
            models.Index(fields=["due_at", "task"], condition=Q(closed_at__isnull=True),
                         name="wf_deadline_open_due"),
            # ... and by role and village-code prefix, for a narrow one (read, then sorted)
            models.Index(fields=["role", "scope_key", "due_at", "task"],
                         condition=Q(closed_at__isnull=True), name="wf_deadline_open_scope",
                         opclasses=["varchar_pattern_ops", "varchar_pattern_ops",
                                    "timestamptz_ops", "int8_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.step} of case {self.case_id} due {self.due_at:%Y-%m-%d}"


class Appeal(models.Model):
    """A family's appeal against a rejection (``workflows.appeals``).

    One per rejection (``decision`` is unique): reviewed one level above the level that
    rejected (``review_role``), never by the person who made the appealed decision. While
    it is pending the case is "under appeal"; dismissed, the rejection stands; upheld,
    the case resumes after the appealed level in a new application process
    (``resumed_process``), the old one (``appealed_process``) kept as it ended.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("under review")
        DISMISSED = "dismissed", _("dismissed: the decision stands")
        UPHELD = "upheld", _("upheld: the rejection is overturned")

    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, related_name="appeals",
                             verbose_name=_("case"))
    # the case's village, copied so scoping filters one indexed column
    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"))
    decision = models.OneToOneField("casework.Decision", on_delete=models.PROTECT,
                                    related_name="appeal", verbose_name=_("appealed decision"))
    appealed_step = models.CharField(_("appealed step"), max_length=50)
    appealed_process = models.ForeignKey("viewflow.Process", on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="+")
    review_role = models.CharField(_("reviewed by"), max_length=20)
    grounds = models.TextField(_("grounds"))
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("lodged by"))
    on_behalf = models.BooleanField(_("lodged on the family's behalf"), default=False)
    lodged_at = models.DateTimeField(_("lodged at"))
    deadline = models.DateField(_("last day to appeal"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices,
                               default=Outcome.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    process = models.OneToOneField("viewflow.Process", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="appeal")
    resumed_process = models.ForeignKey("viewflow.Process", on_delete=models.SET_NULL,
                                        null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-id"]
        indexes = [models.Index(fields=["area"], name="appeal_area_prefix",
                                opclasses=["varchar_pattern_ops"])]
        constraints = [
            # one appeal open per case at a time (and one per rejection: ``decision``)
            models.UniqueConstraint(fields=["case"], condition=Q(outcome="pending"),
                                    name="appeal_one_pending_per_case"),
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk} of case {self.case_id}"


class Recertification(models.Model):
    """An entitlement's yearly re-check (年审) found that it no longer qualifies.

    The village reviews it (``workflows.recertification``: this is its subject, as
    ``Appeal`` is an appeal's; it lived in casework until 2026-12): the entitlement continues,
    or it ends with a reason told to the family. Never a silent cut-off. Passing
    entitlements get no row; the run (``RecertificationRun``) records what was checked.
    The decision and the facts it was made on are stored, so it replays like a case's.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending review")
        CONTINUED = "continued", _("continued")
        ENDED = "ended", _("ended")

    entitlement = models.ForeignKey("casework.Entitlement", on_delete=models.PROTECT,
                                    related_name="recertifications",
                                    verbose_name=_("entitlement"))
    # the application that granted it: the review's events go into its history
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT,
                             related_name="recertifications",
                             verbose_name=_("case"))
    # the entitlement's village, copied so scoping filters one indexed column
    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"))
    year = models.PositiveSmallIntegerField(_("year"))
    on = models.DateField(_("rules applied as of"))
    eligible = models.BooleanField(_("still eligible"))
    rule_version = models.CharField(_("rule version"), max_length=40, blank=True)
    decision = models.JSONField(_("eligibility decision"), default=dict, blank=True)
    facts = models.JSONField(_("facts snapshot"), default=dict, blank=True)
    process = models.OneToOneField("viewflow.Process", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="recertification")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices,
                               default=Outcome.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("re-certification")
        verbose_name_plural = _("re-certifications")
        ordering = ["-id"]
        # the table keeps the name it had when the model lived in casework (migration
        # workflows 0008 moved the model, not the rows)
        db_table = "casework_recertification"
        indexes = [models.Index(fields=["area"], name="recert_area_prefix",
                                opclasses=["varchar_pattern_ops"])]
        constraints = [
            # a re-run of the year opens nothing twice
            models.UniqueConstraint(fields=["entitlement", "year"],
                                    name="recert_once_per_entitlement_year"),
            # and no second review while one is still open (from an earlier year)
            models.UniqueConstraint(fields=["entitlement"], condition=Q(outcome="pending"),
                                    name="recert_one_pending_per_entitlement"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id}/{self.year}"
