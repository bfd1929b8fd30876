"""Contact households (会员联系户) and reporting rounds (每日一报): the records.

The seed (lines 57, 101-105, 156-157) describes the association's "member contact
household" system: each association member of a village looks after a few households of
the same village (一帮一、手把手), knows who comes and goes, and passes it on to the village
association. During the SARS emergency the district set up a daily report on top of it
(建立每日一报制度, line 101), and the district's own reporting to the city ran on set days
(每逢4、7、10报…每天报一则…每隔10天汇总上报, line 85). So:

- ``ContactAssignment``: which member looks after which household, from when to when.
  A household has one contact member at a time (a partial unique constraint on the open
  assignment; the services also refuse a new assignment overlapping an ended one), and a
  member never looks after their own household.
- ``ReportingRound``: a reporting period opened by a village, or by a township for all its
  villages: reports every day, or on set days of the month (the 4th, 7th, 10th, ...).
- ``ContactReport``: one contact member's word on one household for one reporting day:
  all well, something to report (someone came back from an affected area, someone is
  ill: the village follows up in person), or not reached. No medical detail: the status
  and a short note are all the record holds.

Expected reports are derived, not stored: on each reporting day, every household with an
open assignment in the round's area owes one report (``casework.contacts.selectors``).
The services (``casework.contacts.services``) are the only writers; each change is
recorded as a ``casework.models.RecordEvent`` in the same transaction.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.field_rules import VisibleText, past_date, planned_date
from casework.models import Area, Household, Person, _prefix_index

#: the longest reporting round, in days (assumed, set locally: the seed's emergency
#: reporting ran for weeks; a round of more than a year is a mistake)
MAX_ROUND_DAYS = 366
#: the longest note on a report (assumed, set locally: a line, not a medical record)
NOTE_MAX = 200


class ContactAssignment(models.Model):
    """A member who looks after a household of their village (会员联系户).

    Open from ``since`` (inclusive) until ``until`` (exclusive; empty while open): a
    household handed from one contact member to another on a day is the old
    assignment's ``until`` and the new one's ``since``. ``area`` is the household's
    village, copied so scoping filters one indexed column.
    """

    contact = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("contact member"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("household"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), limit_choices_to={"level": "village"},
                             db_index=False)
    since = models.DateField(_("since"), validators=[past_date(_("since"))])
    until = models.DateField(_("until"), null=True, blank=True,
                             help_text=_("The first day the member no longer looks after "
                                         "the household; empty while they do."),
                             validators=[past_date(_("until"))])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("contact assignment")
        verbose_name_plural = _("contact assignments")
        ordering = ["area_id", "contact_id", "household_id"]
        indexes = [
            _prefix_index("area", "contacts_assignment_area"),
            models.Index(fields=["contact", "since"], name="contacts_assignment_contact"),
            models.Index(fields=["household", "since"], name="contacts_assignment_hh"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(until__isnull=True),
                                    name="contacts_one_open_assignment_per_household"),
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                                   name="contacts_assignment_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.household_id}"

    def is_open_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or self.until > day)


class ReportingRound(models.Model):
    """A reporting period of a village, or of a township for every village of it
    (每日一报, or 每逢4、7、10报): its days, why it runs, and whether it was closed early.

    The reporting days are ``first_day`` to ``last_day`` (both included), every day or the
    ``days_of_month`` listed (a day a month lacks, e.g. the 31st of April, is skipped).
    Closing a round ends it on the day it is closed: the days after it owe no report
    (``ends_on``).
    """

    class Schedule(models.TextChoices):
        DAILY = "daily", _("every day")
        SET_DAYS = "set_days", _("on set days of the month")

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("area"),
                             help_text=_("A village, or a township: then every village of "
                                         "it reports."), db_index=False)
    title = models.CharField(_("title"), max_length=120, validators=[VisibleText(_("title"))])
    reason = models.CharField(_("reason"), max_length=300, blank=True,
                              help_text=_("Why the round runs, e.g. an emergency."))
    schedule = models.CharField(_("schedule"), max_length=10, choices=Schedule.choices,
                                default=Schedule.DAILY)
    days_of_month = models.JSONField(
        _("days of the month"), default=list, blank=True,
        help_text=_("For a round on set days: the days of the month, e.g. 4, 7, 10, 14, 17, "
                    "20, 24, 27, 30."))
    first_day = models.DateField(_("first day"), validators=[planned_date(_("first day"))])
    last_day = models.DateField(_("last day"), validators=[planned_date(_("last day"))])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("opened by"))
    created_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-first_day", "-id"]
        indexes = [_prefix_index("area", "contacts_round_area")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")),
                                   name="contacts_round_dates_ordered"),
            models.CheckConstraint(condition=Q(schedule__in=["daily", "set_days"]),
                                   name="contacts_round_schedule_known"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def closed_on(self) -> date | None:
        """The local day the round was closed, if it was."""
        return timezone.localdate(self.closed_at) if self.closed_at else None

    @property
    def ends_on(self) -> date:
        """The round's last reporting day: ``last_day``, or the closing day if earlier."""
        closed = self.closed_on
        return min(self.last_day, closed) if closed else self.last_day

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def covers(self, village_code: str) -> bool:
        """Whether the village reports in this round (the round's own, or its township's)."""
        return village_code.startswith(self.area_id)


class ContactReport(models.Model):
    """A contact member's report on one household for one reporting day.

    ``contact`` is the household's contact member on ``report_date`` (checked by the
    service); ``area`` the household's village. One report per round, day and household:
    filing again for the same day corrects it.
    """

    class Status(models.TextChoices):
        ALL_WELL = "all_well", _("all well")
        TO_REPORT = "to_report", _("something to report")
        NOT_REACHED = "not_reached", _("not reached")

    round = models.ForeignKey(ReportingRound, on_delete=models.PROTECT, related_name="reports",
                              verbose_name=_("reporting round"))
    report_date = models.DateField(_("report date"), validators=[past_date(_("report date"))])
    contact = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("contact member"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("household"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True,
                            help_text=_("A short note for the village, e.g. who came back "
                                        "from where. No medical detail."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("contact report")
        verbose_name_plural = _("contact reports")
        ordering = ["round_id", "report_date", "household_id"]
        indexes = [
            _prefix_index("area", "contacts_report_area"),
            models.Index(fields=["round", "report_date", "area"], name="contacts_report_day"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["round", "report_date", "household"],
                                    name="contacts_one_report_per_household_day"),
            models.CheckConstraint(
                condition=Q(status__in=["all_well", "to_report", "not_reached"]),
                name="contacts_report_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.report_date} {self.household_id}"
