"""Health checks (健康体检): the yearly campaign of a village and its member list.

The seed (line 150): 由村集体出资，每年给全体会员一次全面体检 — the village collective pays
for one full health check a year for every association member. So a campaign belongs to
one village and one year (``HealthCheckCampaign``, unique per village and year), and its
member list (``HealthCheckRecord``) is generated from the roster: every person of the
village's households whose association membership is active on the campaign's first day.

By design a record holds **no medical detail**: only whether the member was checked
(done), was checked and referred on for a further look (referred), did not come
(not done), or is still waiting (pending), and on which day. Findings stay between the
member and the hospital that examined them; the association only needs to know who
took up the benefit.

The services (``casework.healthchecks.services``) are the only writers; each change is
recorded as a ``casework.models.RecordEvent`` in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.field_rules import MoneyRule, past_date, planned_date
from casework.models import Area, Person, _prefix_index


class HealthCheckCampaign(models.Model):
    """A village's health check of one year (年度全面体检): its days, place, the hospital
    that examines, and what the village collective pays for it.

    ``year`` is the campaign's identity (one per village and year); both days lie inside
    it (checked by the services, the order also by a constraint). ``funding_yuan`` is the
    collective's money for the campaign as the village reports it; the seed states no
    amount, so every figure is the village's own (none is assumed by the software).
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), limit_choices_to={"level": "village"},
                             db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    first_day = models.DateField(_("first day"), validators=[planned_date(_("first day"))])
    last_day = models.DateField(_("last day"), validators=[planned_date(_("last day"))])
    venue = models.CharField(_("venue"), max_length=200, blank=True,
                             help_text=_("Where members go for the check, e.g. the village "
                                         "hall or the township hospital."))
    provider = models.CharField(_("provider"), max_length=100, blank=True,
                                help_text=_("Who examines, e.g. the township health centre."))
    funding_yuan = models.DecimalField(
        _("village collective's funding (yuan)"), max_digits=12, decimal_places=2,
        default=0, help_text=_("What the village collective pays for this year's checks."),
        validators=[MoneyRule(_("village collective's funding (yuan)"))])
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("opened by"))
    created_at = models.DateTimeField(_("opened at"))

    class Meta:
        verbose_name = _("health-check campaign")
        verbose_name_plural = _("health-check campaigns")
        ordering = ["-year", "area_id"]
        indexes = [_prefix_index("area", "healthchecks_campaign_area"),
                   models.Index(fields=["year", "area"], name="healthchecks_campaign_year")]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"],
                                    name="healthchecks_campaign_once_a_year"),
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")),
                                   name="healthchecks_campaign_days_ordered"),
            models.CheckConstraint(condition=Q(funding_yuan__gte=0),
                                   name="healthchecks_campaign_funding_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"


class HealthCheckRecord(models.Model):
    """One member on a campaign's list, and whether they were checked (体检记录).

    ``area`` is the campaign's village, copied so scoping filters one indexed column.
    ``checked_on`` is set exactly when the result is done or referred (a constraint).
    ``listed_at`` is when the member was put on the list (the list is generated when the
    campaign opens and topped up later, never shortened); ``recorded_at``/``recorded_by``
    when and by whom the current result was last recorded.
    """

    class Result(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("checked")
        NOT_DONE = "not_done", _("not checked")
        REFERRED = "referred", _("checked and referred")

    campaign = models.ForeignKey(HealthCheckCampaign, on_delete=models.PROTECT,
                                 related_name="records", verbose_name=_("campaign"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT,
                               related_name="health_check_records",
                               verbose_name=_("person"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices,
                              default=Result.PENDING)
    checked_on = models.DateField(_("checked on"), null=True, blank=True,
                                  validators=[past_date(_("checked on"))])
    listed_at = models.DateTimeField(_("listed at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    #: the results that mean the member was examined
    CHECKED = (Result.DONE, Result.REFERRED)

    class Meta:
        verbose_name = _("health-check record")
        verbose_name_plural = _("health-check records")
        ordering = ["campaign_id", "id"]
        indexes = [_prefix_index("area", "healthchecks_record_area"),
                   models.Index(fields=["campaign", "result", "id"],
                                name="healthchecks_record_result")]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"],
                                    name="healthchecks_record_once_per_campaign"),
            models.CheckConstraint(
                condition=(Q(result__in=["done", "referred"], checked_on__isnull=False)
                           | Q(result__in=["pending", "not_done"], checked_on__isnull=True)),
                name="healthchecks_record_date_when_checked"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.person_id} {self.result}"
