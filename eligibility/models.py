"""Programs and their dated policy parameters."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Program(models.Model):
    """A benefit the association grants (e.g. 一免二优六减半 medical discount)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_cash = models.BooleanField(_("cash benefit"), default=False)
    active = models.BooleanField(_("open for applications"), default=True)

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
    source_document = models.CharField(_("policy document"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

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
