"""Forms of the income-project pages (``workflows.projects.views``): labels in the user's
language; the rules are the services' (``casework.projects.services``), whose refusals
come back on the field they name."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.projects.models import IncomeProject

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    """A project: new (with its township) or changed (its township stays)."""

    area = forms.ChoiceField(label=_("Township"),
                             error_messages={"required": _("Choose a township.")})
    name = forms.CharField(label=_("project name"), max_length=100,
                           error_messages={"required": _("Enter the project's name.")})
    kind = forms.ChoiceField(label=_("kind of project"), choices=IncomeProject.Kind.choices,
                             initial=IncomeProject.Kind.OTHER)
    started_on = forms.DateField(label=_("started on"), widget=DATE,
                                 error_messages={"required": _("Enter the date the project "
                                                               "started.")})
    ended_on = forms.DateField(
        label=_("ended on"), widget=DATE, required=False,
        help_text=_("The first day the project no longer runs; empty while it runs. "
                    "Households still in it leave on that day."))
    support = forms.CharField(
        label=_("support given"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the project gives the households: training, help in kind, "
                    "help to sell."),
        error_messages={"required": _("Say what support the project gives.")})
    lead = forms.CharField(
        label=_("run by"), max_length=200, required=False,
        help_text=_("Who runs it: a cooperative, an enterprise, an able local person (能人)."))
    budget_yuan = forms.DecimalField(label=_("budget (yuan)"), max_digits=12,
                                     decimal_places=2, required=False)
    active = forms.BooleanField(
        label=_("open to new households"), required=False, initial=True,
        help_text=_("Families may apply to join it while it is open and running."))

    def __init__(self, *args, townships: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if townships is None:  # changing a project: the township is not a choice
            del self.fields["area"]
        else:
            self.fields["area"].choices = townships
            if len(townships) == 1:
                self.fields["area"].initial = townships[0][0]


class AddHouseholdForm(forms.Form):
    """A household of the project's township joins: found by its number."""

    household = forms.CharField(
        label=_("household number"), max_length=30,
        help_text=_("Search the township's households by number above, or type it."),
        error_messages={"required": _("Enter the household number.")})
    joined_on = forms.DateField(label=_("joined on"), widget=DATE,
                                error_messages={"required": _("Enter the date the household "
                                                              "joined.")})
    support_given = forms.CharField(label=_("support given to the household"), required=False,
                                    max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    support_yuan = forms.DecimalField(
        label=_("support (yuan)"), max_digits=12, decimal_places=2, required=False,
        help_text=_("What the support given so far is worth, in yuan."))

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"joined_on": timezone.localdate(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)

    def clean_household(self) -> str:
        return "".join(self.cleaned_data["household"].split())


class SupportForm(forms.Form):
    support_given = forms.CharField(label=_("support given to the household"), required=False,
                                    max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    support_yuan = forms.DecimalField(
        label=_("support (yuan)"), max_digits=12, decimal_places=2,
        help_text=_("What the support given so far is worth, in yuan."),
        error_messages={"required": _("Enter an amount in yuan.")})


class LeaveForm(forms.Form):
    left_on = forms.DateField(
        label=_("left on"), widget=DATE,
        help_text=_("The first day the household is no longer in the project."),
        error_messages={"required": _("Enter the date the household left.")})

    def __init__(self, *args, **kwargs):
        kwargs["initial"] = {"left_on": timezone.localdate(), **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)


class OpenProjectField(forms.ModelChoiceField):
    """The project an income-project application (少生快富项目扶持) is for: one of the
    projects open to the household (``casework.projects.selectors.projects_open_to``),
    each shown with what it gives. For the application forms (the family's and the
    village staff's on its behalf); the service ``link_application`` checks it again."""

    def label_from_instance(self, obj: IncomeProject) -> str:
        support = " ".join(obj.support.split())
        return f"{obj.name}: {support[:60]}{'…' if len(support) > 60 else ''}"


def open_project_field(household, *, required: bool = True) -> OpenProjectField:
    """A form field listing the projects open to ``household``."""
    from casework.projects.selectors import projects_open_to

    return OpenProjectField(
        label=_("Which project"), queryset=projects_open_to(household), required=required,
        empty_label=None if required else "—",
        help_text=_("Income-project support is given through one of your township's "
                    "projects: choose the one you want to join."),
        error_messages={"required": _("Choose the project you apply to join."),
                        "invalid_choice": _("Choose one of your township's open projects.")})
