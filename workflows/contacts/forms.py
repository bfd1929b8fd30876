"""Forms of the contact-household pages (``workflows.contacts.views``): labels in the
user's language, every error shown with the label of its field
(``workflows/register/_form_errors.html``)."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.contacts.models import NOTE_MAX, ContactReport, ReportingRound
from casework.contacts.selectors import ContactSheet, head_name
from casework.models import Household, Person

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        membership = getattr(obj, "membership", None)
        number = f" · {membership.number}" if membership else ""
        return f"{obj.name} ({obj.household.number}){number}"


class HouseholdChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Household) -> str:
        head = head_name(obj)
        parts = [obj.number, head, obj.address]
        return " · ".join(p for p in parts if p)


class AssignForm(forms.Form):
    """One contact member and the households they will look after (check boxes)."""

    contact = ContactChoiceField(
        label=_("Contact member"), queryset=Person.objects.none(),
        empty_label=_("Choose a member"),
        error_messages={"required": _("Choose the member who looks after the households."),
                        "invalid_choice": _("Choose an active member of this village.")})
    households = HouseholdChoices(
        label=_("Households"), queryset=Household.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one household."),
                        "invalid_choice": _("Choose households of this village without a "
                                            "contact member."),
                        "invalid_pk_value": _("Choose households from the list.")})
    since = forms.DateField(label=_("since"), widget=DATE,
                            error_messages={"required": _("Enter the first day.")})

    def __init__(self, *args, candidates, households, **kwargs):
        kwargs.setdefault("initial", {"since": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = candidates
        self.fields["households"].queryset = households


class EndAssignmentForm(forms.Form):
    until = forms.DateField(
        label=_("until"), widget=DATE,
        help_text=_("The first day the member no longer looks after the household."),
        error_messages={"required": _("Enter the end date.")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"until": timezone.localdate()})
        super().__init__(*args, **kwargs)


def parse_days(text: str) -> list[int]:
    """"4, 7, 10" (commas, spaces or 、) as day numbers; ValueError if not numbers."""
    parts = [p for p in re.split(r"[\s,，、;；]+", text or "") if p]
    return [int(p) for p in parts]


class RoundForm(forms.Form):
    """Open a reporting round of a village or a township."""

    area = forms.ChoiceField(label=_("Area"), error_messages={
        "required": _("Choose the village or township."),
        "invalid_choice": _("Choose an area from the list.")})
    title = forms.CharField(label=_("title"), max_length=120,
                            error_messages={"required": _("Enter a title.")})
    reason = forms.CharField(label=_("reason"), max_length=300, required=False,
                             help_text=_("Why the round runs, e.g. an emergency."))
    schedule = forms.ChoiceField(label=_("schedule"), choices=ReportingRound.Schedule.choices,
                                 initial=ReportingRound.Schedule.DAILY,
                                 widget=forms.RadioSelect)
    days_of_month = forms.CharField(
        label=_("days of the month"), required=False, max_length=120,
        help_text=_("For a round on set days, e.g. 4, 7, 10, 14, 17, 20, 24, 27, 30."))
    first_day = forms.DateField(label=_("first day"), widget=DATE,
                                error_messages={"required": _("Enter the first day.")})
    last_day = forms.DateField(label=_("last day"), widget=DATE,
                               error_messages={"required": _("Enter the last day.")})

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"first_day": today, "last_day": today})
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas
        if len(areas) == 1:
            self.fields["area"].initial = areas[0][0]

    def clean_days_of_month(self) -> list[int]:
        try:
            return parse_days(self.cleaned_data["days_of_month"])
        except ValueError:
            raise forms.ValidationError(_("Days of the month are numbers from 1 to 31, "
                                          "separated by commas.")) from None


class DayForm(forms.Form):
    """The day a round's page shows."""

    date = forms.DateField(label=_("Reporting day"), widget=DATE, required=False)


STATUS_CHOICES = [("", _("not reported")), *ContactReport.Status.choices]


class ContactReportForm(forms.Form):
    """One contact member's report for a day: a status (and a short note) per household.
    A household left "not reported" is not filed (it stays in the missing list)."""

    def __init__(self, *args, sheet: ContactSheet, **kwargs):
        kwargs.setdefault("prefix", f"c{sheet.contact.pk}")
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        for row in sheet.rows:
            household = row.household
            label = " · ".join(p for p in (household.number, head_name(household)) if p)
            report = row.report
            self.fields[f"status_{household.pk}"] = forms.ChoiceField(
                label=label, choices=STATUS_CHOICES, required=False,
                initial=report.status if report else "")
            self.fields[f"note_{household.pk}"] = forms.CharField(
                label=_("Note on %(household)s") % {"household": household.number},
                max_length=NOTE_MAX, required=False, initial=report.note if report else "",
                help_text=_("Optional; no medical detail."))

    def pairs(self):
        """(row, status field, note field) for the template."""
        return [(row, self[f"status_{row.household.pk}"], self[f"note_{row.household.pk}"])
                for row in self.sheet.rows]

    def entries(self) -> list[tuple[Household, str, str]]:
        data = self.cleaned_data
        return [(row.household, data[f"status_{row.household.pk}"],
                 data.get(f"note_{row.household.pk}", ""))
                for row in self.sheet.rows if data.get(f"status_{row.household.pk}")]

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(f"status_{r.household.pk}")
                                       for r in self.sheet.rows):
            raise forms.ValidationError(_("Choose a status for at least one household."))
        return data


def reporting_date(value: str) -> date | None:
    """A ``YYYY-MM-DD`` query parameter, or None."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
