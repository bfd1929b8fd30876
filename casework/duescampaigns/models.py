"""Dues collection campaigns (会费收缴): the records.

The report's fourth task for the organisation (seed lines 186-187): 四要抓好会费的收缴工作
... 各镇乡(街道)要抓好试点, and the collection will count toward the 示范协会 assessment.
A campaign is one year's collection drive of a township (the pilot townships first) or
of the whole district; the dues themselves, who owes them and their payments are the
roster's (``casework.register.dues``, ``casework.models.DuesPayment``).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.field_rules import planned_date
from casework.models import Area, _prefix_index


class DuesCampaign(models.Model):
    """One year's dues collection (会费收缴) in a township, or district-wide.

    ``pilot`` marks the townships that pilot the collection (试点, seed line 187) before
    it goes everywhere. ``target_percent`` is the share of the members owing dues for
    the year the campaign means to collect from: a figure the district sets, not the
    seed's (assumed, set locally). One campaign per area and year.
    """

    year = models.PositiveSmallIntegerField(_("dues year"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("area"),
                             help_text=_("A township (镇/乡/街道), or the district for a "
                                         "district-wide campaign."), db_index=False)
    pilot = models.BooleanField(_("pilot township"), default=False,
                                help_text=_("One of the townships that pilot the "
                                            "collection (试点)."))
    starts_on = models.DateField(_("starts on"), validators=[planned_date(_("starts on"))])
    ends_on = models.DateField(_("ends on"), validators=[planned_date(_("ends on"))])
    target_percent = models.PositiveSmallIntegerField(
        _("target (percent of members owing)"), null=True, blank=True,
        help_text=_("The share of the members owing dues for the year to collect from, "
                    "0 to 100 (assumed, set locally)."))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("opened by"))
    created_at = models.DateTimeField(_("opened at"))

    class Meta:
        verbose_name = _("dues campaign")
        verbose_name_plural = _("dues campaigns")
        ordering = ["-year", "area_id"]
        indexes = [_prefix_index("area", "duescampaigns_campaign_area")]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"],
                                    name="duescampaigns_one_per_area_year"),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")),
                                   name="duescampaigns_dates_ordered"),
            models.CheckConstraint(condition=Q(target_percent__isnull=True)
                                   | Q(target_percent__gte=0, target_percent__lte=100),
                                   name="duescampaigns_target_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.area_id}"
