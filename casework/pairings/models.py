"""Assistance pairings (帮扶结对): the records.

The report (seed lines 41-42, 44, 57, 156-157) describes the 会员联系户制度 put into
practice: after a survey, hardship family-planning households are paired with 行业领头人
and 致富能手 (a person, e.g. a breeder of 广东山黄鸡 in 多湖街道, or an enterprise), a
contract is signed (签订合同), and the partner helps the household (一帮一、手把手), with
visits afterwards. ``Household.paired`` (the fact the ``assistance_pairing`` program's
rule reads) is kept true while one of the household's contracts runs, by
``casework.pairings.services``.

Every record carries ``area`` (a village, or a partner's township) so scoping is the
usual prefix match on one indexed column.
"""

import uuid
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.field_rules import VisibleText, past_date, planned_date
from casework.models import Area, Case, Household, Person, _prefix_index
from casework.uploads import SUFFIXES


def contract_document_path(instance, filename: str) -> str:
    """A random stored name for a scanned contract (nothing of the uploaded name, which
    may hold a family's name, reaches the disk)."""
    suffix = PurePath(filename).suffix.lower()
    return (f"pairings/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
            f"{suffix if suffix in SUFFIXES else ''}")


class Partner(models.Model):
    """A pairing partner (帮扶人): a 行业领头人 / 致富能手 who helps hardship households, either
    a person (linked to the roster when they are in it) or an enterprise.

    ``area`` is where they work: a township (they help households of its villages) or a
    village. No phone number is kept: the village office reaches partners as it always has.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ENTERPRISE = "enterprise", _("enterprise")

    kind = models.CharField(_("kind of partner"), max_length=10, choices=Kind.choices,
                            default=Kind.PERSON)
    name = models.CharField(_("partner's name"), max_length=100,
                            help_text=_("The person's or the enterprise's name."),
                            validators=[VisibleText(_("partner's name"))])
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("person in the roster"))
    trade = models.CharField(_("trade"), max_length=200,
                             help_text=_("What the partner leads, e.g. breeding 广东山黄鸡 "
                                         "chickens, a white-peach orchard."))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("township or village"), db_index=False)
    active = models.BooleanField(_("active"), default=True,
                                 help_text=_("Only active partners take new contracts."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("added by"))
    created_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("pairing partner")
        verbose_name_plural = _("pairing partners")
        ordering = ["-id"]
        indexes = [_prefix_index("area", "pairings_partner_area")]
        constraints = [
            models.CheckConstraint(condition=Q(kind="person") | Q(person__isnull=True),
                                   name="pairings_partner_enterprise_no_person"),
        ]

    def __str__(self) -> str:
        return self.name


class PairingContract(models.Model):
    """The signed pairing contract (帮扶结对合同) between a hardship household and a partner.

    ``signed_on`` <= ``starts_on`` < ``ends_on`` (the last day included). ``state`` says
    where the contract is in its life, kept by the services and the daily
    ``end_finished_contracts``: ``pending`` until ``starts_on``, ``running`` until
    ``ends_on`` has passed or it is ended early, then ``ended``. An early end records
    ``ended_on`` (from that day on it no longer runs) and ``end_reason``. While a
    contract runs its household is marked paired (``Household.paired``). At most one
    contract of a household runs at a time (a constraint), and the services refuse
    overlapping periods. ``area`` is the household's village, copied so scoping filters
    one indexed column.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("signed, not started")
        RUNNING = "running", _("running")
        ENDED = "ended", _("ended")

    household = models.ForeignKey(Household, on_delete=models.PROTECT,
                                  related_name="pairing_contracts",
                                  verbose_name=_("household"))
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="contracts",
                                verbose_name=_("partner"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("application"),
                             help_text=_("The granted assistance-pairing application, if "
                                         "there is one."))
    signed_on = models.DateField(_("signed on"), validators=[past_date(_("signed on"))])
    starts_on = models.DateField(_("starts on"), validators=[planned_date(_("starts on"))])
    ends_on = models.DateField(_("ends on"), help_text=_("The last day of the contract."),
                               validators=[planned_date(_("ends on"))])
    terms = models.TextField(_("what the partner will do"))
    document = models.FileField(_("scanned contract"), upload_to=contract_document_path,
                                blank=True, max_length=200)
    document_name = models.CharField(_("file name"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    ended_on = models.DateField(_("ended early on"), null=True, blank=True,
                                validators=[past_date(_("ended early on"))])
    end_reason = models.TextField(_("why it ended early"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("pairing contract")
        verbose_name_plural = _("pairing contracts")
        ordering = ["-id"]
        indexes = [
            _prefix_index("area", "pairings_contract_area"),
            models.Index(fields=["household", "-id"], name="pairings_contract_household"),
            # the daily sweep reads only what is due: open contracts by end, pending by start
            models.Index(fields=["ends_on"], name="pairings_contract_open_end",
                         condition=Q(state__in=["pending", "running"])),
            models.Index(fields=["starts_on"], name="pairings_contract_pend_start",
                         condition=Q(state="pending")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(starts_on__gte=F("signed_on")),
                                   name="pairings_contract_starts_after_signing"),
            models.CheckConstraint(condition=Q(ends_on__gt=F("starts_on")),
                                   name="pairings_contract_ends_after_start"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | (Q(ended_on__gte=F("signed_on"))
                                                      & Q(ended_on__lte=F("ends_on"))),
                name="pairings_contract_ended_within"),
            models.UniqueConstraint(fields=["household"], condition=Q(state="running"),
                                    name="pairings_one_running_per_household"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def last_day(self):
        """The last day the contract ran or runs: the day before an early end, else
        ``ends_on``."""
        if self.ended_on is not None:
            return self.ended_on - timedelta(days=1)
        return self.ends_on

    def runs_on(self, day) -> bool:
        return self.starts_on <= day <= self.last_day


class PairingVisit(models.Model):
    """A follow-up visit (回访 / 上门帮扶) under a contract, by the partner or by the village
    association, within the contract's period and never in the future."""

    class VisitedBy(models.TextChoices):
        PARTNER = "partner", _("the partner")
        VILLAGE = "village", _("the village association")

    contract = models.ForeignKey(PairingContract, on_delete=models.PROTECT,
                                 related_name="visits", verbose_name=_("contract"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    visited_on = models.DateField(_("visited on"), validators=[past_date(_("visited on"))])
    visited_by = models.CharField(_("visited by"), max_length=10, choices=VisitedBy.choices)
    visitor_name = models.CharField(_("visitor's name"), max_length=60,
                                    validators=[VisibleText(_("visitor's name"))])
    note = models.TextField(_("what was done"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("pairing visit")
        verbose_name_plural = _("pairing visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            _prefix_index("area", "pairings_visit_area"),
            models.Index(fields=["contract", "visited_on"], name="pairings_visit_contract"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.visited_on}"
