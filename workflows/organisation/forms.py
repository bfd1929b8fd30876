"""Forms of the organisation pages (``workflows.organisation.views``): labels in the
user's language; the services check the rest and their errors land on the field they
name (``views._domain_error``)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.models import Membership
from casework.organisation.models import ActivityDay, OfficeHolder, OrgUnit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COUNT = {"min_value": 0, "max_value": 2_000_000_000}


class UnitForm(forms.Form):
    """A new unit: its kind and area (those the user keeps), and its particulars."""

    kind = forms.ChoiceField(label=_("kind of unit"), choices=OrgUnit.Kind.choices)
    area = forms.ChoiceField(label=_("area"),
                             help_text=_("Its own area for a district, township or village "
                                         "association; the township or village an enterprise "
                                         "association or migrant group belongs to."))
    name = forms.CharField(label=_("name"), max_length=100)
    enterprise_name = forms.CharField(label=_("enterprise"), max_length=100, required=False,
                                      help_text=_("Enterprise associations only."))
    basis = forms.ChoiceField(label=_("formed by"), required=False,
                              choices=[("", "—"), *OrgUnit.Basis.choices[1:]],
                              help_text=_("Migrant groups only."))
    leader_name = forms.CharField(label=_("leader"), max_length=60, required=False)
    member_count = forms.IntegerField(
        label=_("members (not on the roster)"), initial=0, **COUNT,
        help_text=_("Enterprise associations and migrant groups only; a level association's "
                    "members are counted from the roster."))
    founded_on = forms.DateField(label=_("founded on"), widget=DATE)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas


class UnitEditForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    enterprise_name = forms.CharField(label=_("enterprise"), max_length=100, required=False)
    basis = forms.ChoiceField(label=_("formed by"), required=False,
                              choices=[("", "—"), *OrgUnit.Basis.choices[1:]])
    leader_name = forms.CharField(label=_("leader"), max_length=60, required=False)
    member_count = forms.IntegerField(label=_("members (not on the roster)"), **COUNT)
    founded_on = forms.DateField(label=_("founded on"), widget=DATE)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, unit: OrgUnit, **kwargs):
        kwargs.setdefault("initial", {
            "name": unit.name, "enterprise_name": unit.enterprise_name, "basis": unit.basis,
            "leader_name": unit.leader_name, "member_count": unit.member_count,
            "founded_on": unit.founded_on, "note": unit.note})
        super().__init__(*args, **kwargs)
        if unit.kind != OrgUnit.Kind.ENTERPRISE:
            del self.fields["enterprise_name"]
        if unit.kind != OrgUnit.Kind.MIGRANT:
            del self.fields["basis"]
        if unit.is_level:
            del self.fields["member_count"]


class EndUnitForm(forms.Form):
    dissolved_on = forms.DateField(label=_("dissolved on"), widget=DATE,
                                   help_text=_("The first day the unit no longer exists."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"dissolved_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class HolderForm(forms.Form):
    """Someone takes an office: a member of the roster (by member number) or a name."""

    office = forms.ChoiceField(label=_("office"), choices=OfficeHolder.Office.choices)
    member_number = forms.CharField(
        label=_("member number"), max_length=30, required=False,
        help_text=_("When the office holder is on the roster: their name and sex are "
                    "taken from it."))
    name = forms.CharField(label=_("name"), max_length=60, required=False)
    sex = forms.ChoiceField(label=_("sex"), required=False,
                            choices=[("", "—"), *OfficeHolder.Sex.choices])
    since = forms.DateField(label=_("in office since"), widget=DATE)
    until = forms.DateField(label=_("in office until"), widget=DATE, required=False,
                            help_text=_("The first day no longer in office; empty while in "
                                        "office."))
    note = forms.CharField(label=_("note"), max_length=200, required=False,
                           help_text=_("E.g. a retired village cadre or teacher."))

    def __init__(self, *args, unit: OrgUnit, **kwargs):
        self.unit = unit
        super().__init__(*args, **kwargs)

    def clean_member_number(self):
        number = self.cleaned_data["member_number"].strip()
        self.person = None
        if number:
            membership = (Membership.objects.select_related("person__household")
                          .filter(number=number,
                                  person__household__area__code__startswith=self.unit.area_id)
                          .first())
            if membership is None:
                raise forms.ValidationError(_("No member with that number in this unit's "
                                              "area."))
            self.person = membership.person
        return number

    def clean(self):
        data = super().clean()
        if not data.get("member_number") and not self.errors.get("member_number"):
            if not data.get("name"):
                self.add_error("name", _("Enter the name, or a member number."))
            if not data.get("sex"):
                self.add_error("sex", _("Choose male or female."))
        return data


class EndHolderForm(forms.Form):
    until = forms.DateField(label=_("in office until"), widget=DATE,
                            help_text=_("The first day no longer in office."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"until": timezone.localdate()})
        super().__init__(*args, **kwargs)


class TrainingForm(forms.Form):
    area = forms.ChoiceField(label=_("organised by"))
    title = forms.CharField(label=_("title"), max_length=120)
    topics = forms.CharField(label=_("topics"), required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    first_day = forms.DateField(label=_("first day"), widget=DATE)
    last_day = forms.DateField(label=_("last day"), widget=DATE)
    venue = forms.CharField(label=_("venue"), max_length=120, required=False)
    audience = forms.CharField(label=_("audience"), max_length=200, required=False)
    other_attendees = forms.IntegerField(label=_("other attendees"), initial=0, **COUNT,
                                         help_text=_("Attendees not recorded by name."))

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas


class AttendanceForm(forms.Form):
    """One village's members as check boxes (those who attended ticked), the role of the
    newly ticked, and the count of attendees not recorded by name."""

    people = forms.MultipleChoiceField(label=_("Members who attended"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    role = forms.CharField(label=_("attended as"), max_length=60, required=False,
                           help_text=_("For the newly ticked, e.g. 村级秘书长, 服务员, 妇女主任."))
    other_attendees = forms.IntegerField(label=_("other attendees"), **COUNT,
                                         help_text=_("Attendees not recorded by name."))

    def __init__(self, *args, members: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = members


class ActivityForm(forms.Form):
    area = forms.ChoiceField(label=_("organised by"))
    kind = forms.ChoiceField(label=_("kind of activity"), choices=ActivityDay.Kind.choices)
    held_on = forms.DateField(label=_("held on"), widget=DATE)
    title = forms.CharField(label=_("title"), max_length=120)
    sessions_held = forms.IntegerField(label=_("sessions held"), initial=0, **COUNT)
    people_examined = forms.IntegerField(label=_("people examined"), initial=0, **COUNT)
    materials_distributed = forms.IntegerField(label=_("materials distributed"), initial=0,
                                               **COUNT)
    spending_yuan = forms.DecimalField(label=_("spending (yuan)"), max_digits=12,
                                       decimal_places=2, min_value=Decimal("0"), initial=0)
    note = forms.CharField(label=_("note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas


class AssessForm(forms.Form):
    """A village's scores for a year: one field per criterion that counts that year."""

    village = forms.ChoiceField(label=_("village"), widget=forms.HiddenInput)
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100,
                              widget=forms.HiddenInput)
    assessed_on = forms.DateField(label=_("assessed on"), widget=DATE)
    note = forms.CharField(label=_("note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, villages: list[tuple[str, str]], criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages
        self.criteria = list(criteria)
        english = (get_language() or "").startswith("en")
        for criterion in self.criteria:
            text = criterion.text_en if english else criterion.text_zh
            self.fields[f"score_{criterion.code}"] = forms.IntegerField(
                label=f"{text} (0–{criterion.max_score})", min_value=0,
                max_value=criterion.max_score,
                help_text=_("Maximum score assumed, set locally."))

    def scores(self) -> dict[str, int]:
        return {c.code: self.cleaned_data[f"score_{c.code}"] for c in self.criteria}
