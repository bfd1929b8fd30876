"""Forms of the dues campaigns' pages (``workflows.duescampaigns.views``)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(forms.Form):
    """A campaign: its area and year when opened, then its period, pilot mark, target."""

    area = forms.ChoiceField(label=_("Area"),
                             help_text=_("A township, or the whole district."))
    year = forms.IntegerField(label=_("dues year"), min_value=2000, max_value=2100,
                              error_messages={"required": _("Enter the dues year.")})
    pilot = forms.BooleanField(label=_("Pilot township (试点)"), required=False)
    starts_on = forms.DateField(label=_("starts on"), widget=DATE,
                                error_messages={"required": _("Enter the first day.")})
    ends_on = forms.DateField(label=_("ends on"), widget=DATE,
                              error_messages={"required": _("Enter the last day.")})
    target_percent = forms.IntegerField(
        label=_("target (percent of members owing)"), required=False, min_value=0, max_value=100,
        help_text=_("The share of the members owing dues for the year to collect from "
                    "(assumed, set locally)."))
    note = forms.CharField(label=_("note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, areas: list[tuple[str, str]] | None = None, **kwargs):
        """``areas`` for a new campaign; without them (a change) area and year are fixed."""
        year = timezone.localdate().year
        kwargs.setdefault("initial", {"year": year})
        super().__init__(*args, **kwargs)
        if areas is None:
            del self.fields["area"]
            del self.fields["year"]
        else:
            self.fields["area"].choices = areas


class RatesForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    year = forms.IntegerField(label=_("dues year"), required=False, min_value=2000,
                              max_value=2100)
    as_of = forms.DateField(label=_("as of"), required=False, widget=DATE)

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All my areas")), *areas]


class CampaignFilterForm(forms.Form):
    year = forms.IntegerField(label=_("dues year"), required=False, min_value=2000,
                              max_value=2100)
