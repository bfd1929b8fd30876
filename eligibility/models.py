"""Programs and their dated policy parameters."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .parameters import periods_overlap


def source_label(document: str, location: str, assumed: bool) -> str:
    """How a parameter's source is shown (admin, API, explanations)."""
    if assumed or not document:
        return gettext("assumed, set locally")
    return f"{document}, {location}" if location else document


class Program(models.Model):
    """A benefit the association grants (e.g. 一免二优六减半 medical discount)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_cash = models.BooleanField(_("cash benefit"), default=False)
    active = models.BooleanField(_("open for applications"), default=True)
    history = HistoricalRecords(verbose_name=_("historical program"),
                                verbose_name_plural=_("historical programs"))

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self, language: str = "zh-hans") -> str:
        return self.name_en if language.startswith("en") else self.name_zh


class PolicyParameter(models.Model):
    """One policy value, in force from a date (and until one), with its source document.

    Never edited in place once a decision used it: a change is a new row with a
    later ``effective_from``; decisions store the values they used.
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="parameters",
                                verbose_name=_("program"))
    key = models.SlugField(_("key"), max_length=60)
    value = models.JSONField(_("value"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True,
                                    help_text=_("Last day in force; empty means open-ended."))
    # where the value comes from: a document that states it and where in it, or
    # ``assumed`` (the association's records do not state it: set locally, to be
    # confirmed); never a document that does not state the value
    source_document = models.CharField(_("policy document"), max_length=200, blank=True)
    source_location = models.CharField(
        _("where in the document"), max_length=120, blank=True,
        help_text=_("E.g. the line or article that states the value."))
    assumed = models.BooleanField(
        _("assumed, set locally"), default=False,
        help_text=_("No document states this value: it was set locally and should be "
                    "confirmed."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    # who changed what and when (django-simple-history; the admin shows it)
    history = HistoricalRecords(
        verbose_name=_("historical policy parameter"),
        verbose_name_plural=_("historical policy parameters"))

    class Meta:
        verbose_name = _("policy parameter")
        verbose_name_plural = _("policy parameters")
        ordering = ["program", "key", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["program", "key", "effective_from"],
                                    name="parameter_unique_start"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F(
                    "effective_from")),
                name="parameter_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code}.{self.key}={self.value} ({self.effective_from}–)"

    @property
    def source_label(self) -> str:
        """The value's source as people read it: "document, location", or "assumed, set
        locally" (in the reader's language)."""
        return source_label(self.source_document, self.source_location, self.assumed)

    def overlapping(self) -> "PolicyParameter | None":
        """Another row of the same program and key whose period shares a day with this
        one's (the earliest such), or ``None``."""
        if self.program_id is None or not self.key or self.effective_from is None:
            return None
        others = (PolicyParameter.objects.filter(program_id=self.program_id, key=self.key)
                  .exclude(pk=self.pk).order_by("effective_from"))
        return next((other for other in others if periods_overlap(
            self.effective_from, self.effective_to, other.effective_from, other.effective_to)),
            None)

    def clean(self) -> None:
        """A value either names its source or is marked assumed; and periods of one
        parameter never overlap: on any day exactly one value is in
        force, so a decision's parameters are unambiguous and editing one period never
        reaches into another."""
        super().clean()
        if not self.assumed and not (self.source_document or "").strip():
            raise ValidationError({"source_document": gettext(
                "Name the document that states this value, or mark it “assumed, set "
                "locally”.")})
        if self.effective_to is not None and self.effective_from is not None and (
                self.effective_to < self.effective_from):
            raise ValidationError({"effective_to": gettext(
                "“Effective to” must not be before “effective from”.")})
        other = self.overlapping()
        if other is None:
            return
        # name the field whose date reaches into the other period
        starts_inside = other.effective_from <= self.effective_from and (
            other.effective_to is None or self.effective_from <= other.effective_to)
        field = "effective_from" if starts_inside else "effective_to"
        values = {
            "key": self.key,
            "start": other.effective_from.isoformat(),
            "end": (other.effective_to.isoformat() if other.effective_to
                    else pgettext("period end", "open-ended")),
        }
        if field == "effective_from":
            message = gettext(
                "“Effective from” falls within the period of “%(key)s” already in force "
                "from %(start)s to %(end)s. Periods of one parameter must not overlap: "
                "first set that row's “effective to” to the day before, or choose another "
                "date.") % values
        else:
            message = gettext(
                "“Effective to” reaches into the period of “%(key)s” in force from "
                "%(start)s to %(end)s. Periods of one parameter must not overlap: end this "
                "period before %(start)s.") % values
        raise ValidationError({field: message}, code="overlap")
