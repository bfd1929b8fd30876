"""Welfare fund (计划生育公益金): the ledger and its per-year lock rows.

The seed names the fund's rules, 《区计划生育公益金管理暂行办法》 (line 153), but states
none of its figures: every amount and rule here (what counts as income, how a year's
balance carries over, that a grant may not overspend it) is **assumed, set locally**.

- ``FundEntry``: one line of the district's fund book (台账), income or spending, in yuan.
  Entries are never edited or deleted (a PostgreSQL trigger refuses both): a mistake is
  corrected by a reversing entry (``reverses``) that cancels the original, once.
- ``FundYear``: one row per district and year, created on demand, that every booking
  locks (``SELECT ... FOR UPDATE``) before it reads the balance, so two grants approved
  at the same moment are counted one after the other and the fund is never overspent.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from casework.field_rules import MoneyRule, VisibleText, past_date
from casework.models import _prefix_index


class FundEntry(models.Model):
    """One booking in the welfare fund's book (公益金台账): money in or out of the
    district's fund in one year.

    ``amount_yuan`` is always positive: the kind gives the direction (income kinds add
    to the fund, spending kinds take from it). A reversing entry (``reverses`` set) has
    the kind, amount, case and village of the entry it cancels and counts with the
    opposite sign, on the day it was booked (a correction of an earlier year's entry
    falls into the year it is booked in, and earlier years' figures stay as reported).
    """

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("allocation from the district (拨款)")
        DONATION = "donation", _("donation (捐赠)")
        OTHER_INCOME = "other_income", _("other income")
        GRANT = "grant", _("welfare-fund grant (公益金救助发放)")
        OTHER_SPENDING = "other_spending", _("other spending")

    INCOME_KINDS = (Kind.ALLOCATION, Kind.DONATION, Kind.OTHER_INCOME)
    SPENDING_KINDS = (Kind.GRANT, Kind.OTHER_SPENDING)

    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("district"),
                             help_text=_("The fund is the district's: its district."),
                             db_index=False)
    year = models.PositiveSmallIntegerField(_("fund year"))
    booked_on = models.DateField(_("booked on"),
                                 help_text=_("A day inside the fund year, not in the future."),
                                 validators=[past_date(_("booked on"))])
    kind = models.CharField(_("entry kind"), max_length=20, choices=Kind.choices)
    amount_yuan = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                      help_text=_("Always more than zero: the kind says "
                                                  "whether it comes in or goes out."),
                                      validators=[MoneyRule(_("amount (yuan)"),
                                                            positive=True)])
    counterparty = models.CharField(_("from / paid to"), max_length=100, blank=True,
                                    help_text=_("The donor, the allocating office or the "
                                                "payee."),
                                    validators=[VisibleText(_("from / paid to"))])
    reference = models.CharField(_("voucher or receipt number"), max_length=40, blank=True)
    case = models.ForeignKey("casework.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="fund_entries", verbose_name=_("case"),
                             help_text=_("The welfare-grant case a grant was paid for."))
    # the granted household's village, copied so a township's grants are one prefix match
    case_area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+",
                                  verbose_name=_("village of the grant"), db_index=False)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="reversal",
                                    verbose_name=_("reverses entry"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("welfare-fund entry")
        verbose_name_plural = _("welfare-fund entries")
        ordering = ["-id"]
        indexes = [
            _prefix_index("area", "fund_entry_area_prefix"),
            _prefix_index("case_area", "fund_entry_case_area_prefix"),
            models.Index(fields=["area", "year", "id"], name="fund_entry_area_year"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_yuan__gt=0),
                                   name="fund_entry_amount_positive"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100),
                                   name="fund_entry_year_range"),
            # a grant names its case (and the case's village); nothing else names one
            models.CheckConstraint(
                condition=(Q(kind="grant", case__isnull=False, case_area__isnull=False)
                           | (~Q(kind="grant") & Q(case__isnull=True,
                                                   case_area__isnull=True))),
                name="fund_entry_grant_has_case"),
            models.CheckConstraint(condition=~Q(reverses=F("id")),
                                   name="fund_entry_not_self_reversing"),
            models.UniqueConstraint(fields=["area", "reference"], condition=~Q(reference=""),
                                    name="fund_entry_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kind} {self.amount_yuan}"

    @property
    def is_income(self) -> bool:
        return self.kind in self.INCOME_KINDS

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def signed_yuan(self):
        """What the entry does to the balance: + in, - out (a reversal the opposite)."""
        sign = 1 if self.is_income else -1
        return self.amount_yuan * (-sign if self.is_reversal else sign)


class FundYear(models.Model):
    """The lock of one district's fund year (no figures: the entries are the figures).

    Every booking that can lower a year's balance locks the rows of that year and each
    later year up to the current one, oldest first, then reads the balances; a grant
    approved at the same moment waits for the lock and then sees the first one's entry.
    ``last_booked_at`` is written under the lock, so even under REPEATABLE READ a
    transaction that read a stale balance fails to lock instead of overspending.
    """

    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("district"), db_index=False)
    year = models.PositiveSmallIntegerField(_("fund year"))
    opened_at = models.DateTimeField(_("opened at"))
    last_booked_at = models.DateTimeField(_("last booking at"), null=True, blank=True)

    class Meta:
        verbose_name = _("welfare-fund year")
        verbose_name_plural = _("welfare-fund years")
        ordering = ["area_id", "year"]
        indexes = [_prefix_index("area", "fund_year_area_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="fund_year_once"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"
