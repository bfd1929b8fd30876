"""Forms of the health-check pages (``workflows.healthchecks.views``): they parse what
was typed; the rules (days inside the year, a result's day within the campaign) are the
services' (``casework.healthchecks.services``), whose errors come back to the field they
name."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.healthchecks.models import HealthCheckRecord

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
Result = HealthCheckRecord.Result


class CampaignFilterForm(forms.Form):
    """The campaign list's filters: a year (empty: every year) and an area of the user's."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000,
                              max_value=2100)
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(self, *args, areas: Sequence[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All my areas")), *areas]


class CoverageFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(self, *args, areas: Sequence[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All my areas")), *areas]


class _CampaignFields(forms.Form):
    first_day = forms.DateField(label=_("first day"), widget=DATE,
                                error_messages={"required": _("Enter the first day.")})
    last_day = forms.DateField(label=_("last day"), widget=DATE,
                               error_messages={"required": _("Enter the last day.")})
    venue = forms.CharField(label=_("venue"), max_length=200, required=False,
                            help_text=_("Where members go for the check, e.g. the village "
                                        "hall or the township hospital."))
    provider = forms.CharField(label=_("provider"), max_length=100, required=False,
                               help_text=_("Who examines, e.g. the township health centre."))
    funding_yuan = forms.DecimalField(
        label=_("village collective's funding (yuan)"), max_digits=12, decimal_places=2,
        min_value=Decimal("0"), initial=Decimal("0.00"),
        help_text=_("What the village collective pays for this year's checks."),
        error_messages={"required": _("Enter the funding (0 if none).")})
    note = forms.CharField(label=_("note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class OpenCampaignForm(_CampaignFields):
    """A village's campaign of a year; its member list is generated when it opens."""

    area = forms.ChoiceField(label=_("Village"),
                             error_messages={"required": _("Choose the village."),
                                             "invalid_choice": _("Choose one of your "
                                                                 "villages.")})
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100,
                              error_messages={"required": _("Enter the year.")})

    field_order = ["area", "year", "first_day", "last_day", "venue", "provider",
                   "funding_yuan", "note"]

    def __init__(self, *args, villages: Sequence[tuple[str, str]], **kwargs):
        kwargs.setdefault("initial", {"year": timezone.localdate().year,
                                      "funding_yuan": Decimal("0.00")})
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = list(villages)


class EditCampaignForm(_CampaignFields):
    """The campaign's days, place, provider, funding and note (the year stays)."""


class ResultFilterForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), required=False,
                               choices=[("", _("All results")), *Result.choices])


class ResultsForm(forms.Form):
    """One result and day per listed member of the page: ``result_<person id>`` and
    ``day_<person id>``, and ``persons``, the page's person ids, so the submission says
    which rows it holds."""

    persons = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, rows: Sequence[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        self.fields["persons"].initial = ",".join(str(pid) for pid, _name in self.rows)
        for pid, name in self.rows:
            self.fields[f"result_{pid}"] = forms.ChoiceField(
                label=_("Result for %(name)s") % {"name": name}, choices=Result.choices,
                error_messages={"required": _("Choose a result."),
                                "invalid_choice": _("Choose a result from the list.")})
            self.fields[f"day_{pid}"] = forms.DateField(
                label=_("Day checked for %(name)s") % {"name": name}, required=False,
                widget=DATE)

    def results(self) -> list[tuple[int, str, object]]:
        """(person id, result, day) of every row, in page order (after ``is_valid``)."""
        data = self.cleaned_data
        return [(pid, data[f"result_{pid}"], data.get(f"day_{pid}")) for pid, _n in self.rows]

    def field_of(self, person_id: int, field: str) -> str | None:
        """The form field for a service error's ``field`` on a person's row."""
        name = {"result": f"result_{person_id}", "checked_on": f"day_{person_id}"}.get(field)
        return name if name in self.fields else None


def posted_person_ids(data, limit: int) -> list[int]:
    """The person ids a results form says it holds (at most ``limit``; others dropped)."""
    ids = []
    for part in (data.get("persons") or "").split(","):
        part = part.strip()
        if part.isdigit() and int(part) not in ids:
            ids.append(int(part))
    return ids[:limit]
