"""Income projects (少生快富项目): the records.

The report (seed lines 55-58) tells of ten "fewer births, faster prosperity" projects of
the new-family plan, the 源东 white-peach base (源东大白桃基地) among them, that helped a
hundred-odd households out of poverty; line 43 and 121 tell how the 源东 association
found buyers for the peaches, lines 191-196 ask the townships to grow such projects
(一乡一品, 一村一品, piecework 来料加工) around local able people (能人). So a project
belongs to a township, says what support it gives (training, help in kind, help to
sell), and keeps the family-planning households it helps, each with what it was given.

- ``IncomeProject``: the project of a township.
- ``ProjectHousehold``: one household's time in a project (joined, left, the support
  it got). A household has at most one open membership of a project; it may join again
  after leaving (a new row).
- ``ProjectApplication``: which project an ``income_project`` application (a
  ``casework.Case``) is for; when the case is granted the household joins that project
  (``casework.projects.services.join_on_grant``).

Dates: ``ended_on`` and ``left_on`` are the first day *without* (as
``casework.Membership.left``): a project that ended on 1 January 2026 ran through 2025.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.field_rules import MoneyRule, VisibleText, past_date, planned_date
from casework.models import _prefix_index


class IncomeProject(models.Model):
    """A township's 少生快富 project: a base, a farm or a workshop that helps
    family-planning households earn more (e.g. the 源东大白桃基地, white-peach base)."""

    class Kind(models.TextChoices):
        # the kinds the report names or asks for (lines 43, 44, 194)
        ORCHARD = "orchard", _("orchard or fruit base")
        CROPS = "crops", _("crops, vegetables or herbs")
        LIVESTOCK = "livestock", _("livestock or poultry")
        AQUACULTURE = "aquaculture", _("fish farming")
        PROCESSING = "processing", _("piecework and processing (来料加工)")
        SALES = "sales", _("sales and marketing help")
        OTHER = "other", _("other")

    name = models.CharField(_("project name"), max_length=100,
                            validators=[VisibleText(_("project name"))])
    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("township"), limit_choices_to={"level": "township"},
                             db_index=False)
    kind = models.CharField(_("kind of project"), max_length=20, choices=Kind.choices,
                            default=Kind.OTHER)
    started_on = models.DateField(_("started on"), validators=[planned_date(_("started on"))])
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True,
        help_text=_("The first day the project no longer runs; empty while it runs."),
        validators=[planned_date(_("ended on"))])
    support = models.TextField(
        _("support given"),
        help_text=_("What the project gives the households: training, help in kind, "
                    "help to sell."))
    lead = models.CharField(
        _("run by"), max_length=200, blank=True,
        help_text=_("Who runs it: a cooperative, an enterprise, an able local person (能人)."),
        validators=[VisibleText(_("run by"))])
    budget_yuan = models.DecimalField(_("budget (yuan)"), max_digits=12, decimal_places=2,
                                      null=True, blank=True,
                                      validators=[MoneyRule(_("budget (yuan)"))])
    active = models.BooleanField(
        _("open to new households"), default=True,
        help_text=_("Families may apply to join it and households may be added while it is "
                    "open and running."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("income project")
        verbose_name_plural = _("income projects")
        ordering = ["area_id", "name"]
        indexes = [_prefix_index("area", "projects_project_area")]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="project_unique_name"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True)
                                   | Q(ended_on__gt=F("started_on")),
                                   name="project_dates_ordered"),
            models.CheckConstraint(condition=Q(budget_yuan__isnull=True)
                                   | Q(budget_yuan__gte=0),
                                   name="project_budget_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def runs_on(self, day) -> bool:
        """Whether the project runs on ``day`` (started, not yet ended)."""
        return self.started_on <= day and (self.ended_on is None or self.ended_on > day)


class ProjectHousehold(models.Model):
    """A household helped by a project (帮扶户): when it joined and left, and the support
    it was given. ``area`` is the household's village, copied so scoping filters one
    indexed column (a village reviewer sees the households of their village)."""

    project = models.ForeignKey(IncomeProject, on_delete=models.PROTECT,
                                related_name="households", verbose_name=_("project"))
    household = models.ForeignKey("casework.Household", on_delete=models.PROTECT,
                                  related_name="income_projects", verbose_name=_("household"))
    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    joined_on = models.DateField(_("joined on"), validators=[past_date(_("joined on"))])
    left_on = models.DateField(
        _("left on"), null=True, blank=True,
        help_text=_("The first day the household is no longer in the project."),
        validators=[past_date(_("left on"))])
    support_given = models.TextField(_("support given to the household"), blank=True)
    support_yuan = models.DecimalField(
        _("support (yuan)"), max_digits=12, decimal_places=2, default=0,
        help_text=_("What the support given so far is worth, in yuan."),
        validators=[MoneyRule(_("support (yuan)"))])
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("application"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("household in a project")
        verbose_name_plural = _("households in projects")
        ordering = ["project_id", "id"]
        indexes = [_prefix_index("area", "projects_household_area"),
                   models.Index(fields=["project", "id"], name="project_household_page"),
                   models.Index(fields=["joined_on"], name="project_household_joined")]
        constraints = [
            models.UniqueConstraint(fields=["project", "household"],
                                    condition=Q(left_on__isnull=True),
                                    name="project_one_open_membership"),
            models.CheckConstraint(condition=Q(left_on__isnull=True)
                                   | Q(left_on__gt=F("joined_on")),
                                   name="project_household_dates_ordered"),
            models.CheckConstraint(condition=Q(support_yuan__gte=0),
                                   name="project_support_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.household_id}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


class ProjectApplication(models.Model):
    """Which project an income-project application (少生快富项目扶持) is for: set when the
    application is submitted (``services.link_application``); on the grant the
    household joins it (``services.join_on_grant``). ``area`` is the case's village."""

    case = models.OneToOneField("casework.Case", on_delete=models.CASCADE,
                                related_name="income_project_link",
                                verbose_name=_("application"))
    project = models.ForeignKey(IncomeProject, on_delete=models.PROTECT,
                                related_name="applications", verbose_name=_("project"))
    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    linked_at = models.DateTimeField(_("linked at"))

    class Meta:
        verbose_name = _("project of an application")
        verbose_name_plural = _("projects of applications")
        ordering = ["-id"]
        indexes = [_prefix_index("area", "projects_application_area")]

    def __str__(self) -> str:
        return f"{self.case_id} -> {self.project_id}"
