"""Forms of the member roster's pages (``workflows.register.views``): field labels in the
user's language, and every error shown with the label of the field it concerns
(``workflows/register/_form_errors.html``)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.field_rules import rules_of
from casework.models import DuesPayment, Household, Membership, Person
from casework.register import dues
from eligibility.models import Program

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        membership = getattr(obj, "membership", None)
        number = f" · {membership.number}" if membership else ""
        return f"{obj.name} ({obj.get_relationship_display()}){number}"


class DuesPaymentForm(forms.Form):
    """A member's dues for a year, with the receipt."""

    person = MemberChoiceField(
        label=_("Member"), queryset=Person.objects.none(), empty_label=None,
        error_messages={"required": _("Choose the member who paid."),
                        "invalid_choice": _("Choose a member of this household.")})
    year = forms.IntegerField(label=_("dues year"), min_value=2000, max_value=2100,
                              error_messages={"required": _("Enter the year paid for.")})
    amount_yuan = forms.DecimalField(label=_("amount (yuan)"), max_digits=8, decimal_places=2,
                                     validators=rules_of(DuesPayment, "amount_yuan"),
                                     error_messages={"required": _("Enter the amount.")})
    paid_on = forms.DateField(label=_("paid on"), widget=DATE,
                              validators=rules_of(DuesPayment, "paid_on"),
                              error_messages={"required": _("Enter the payment date.")})
    receipt_number = forms.CharField(
        label=_("receipt number"), max_length=40, required=False,
        help_text=_("The paper receipt's number; left empty, one is given "
                    "(R<year>-<member number>)."))

    def __init__(self, *args, household: Household, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"year": today.year, "paid_on": today,
                                      "amount_yuan": dues.amount_for(today.year)})
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.filter(household=household, membership__isnull=False)
            .select_related("membership").order_by("id"))

    def clean_receipt_number(self) -> str:
        return " ".join(self.cleaned_data["receipt_number"].split())


class AddMembershipForm(forms.Form):
    person = MemberChoiceField(
        label=_("Person"), queryset=Person.objects.none(), empty_label=None,
        error_messages={"required": _("Choose who joins."),
                        "invalid_choice": _("Choose a person of this household who is not "
                                            "a member.")})
    number = forms.CharField(label=_("member number"), max_length=30,
                             error_messages={"required": _("Enter the member number.")})
    joined = forms.DateField(label=_("joined"), widget=DATE,
                             validators=rules_of(Membership, "joined"),
                             error_messages={"required": _("Enter the joining date.")})
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices,
                             initial=Membership.Role.MEMBER)

    def __init__(self, *args, household: Household, **kwargs):
        kwargs.setdefault("initial", {"joined": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.filter(household=household)
            .exclude(membership__isnull=False, membership__left__isnull=True).order_by("id"))


class EndMembershipForm(forms.Form):
    person = MemberChoiceField(
        label=_("Member"), queryset=Person.objects.none(), empty_label=None,
        error_messages={"required": _("Choose the member who leaves."),
                        "invalid_choice": _("Choose a current member of this household.")})
    left = forms.DateField(label=_("left"), widget=DATE,
                           validators=rules_of(Membership, "left"),
                           error_messages={"required": _("Enter the leaving date.")})

    def __init__(self, *args, household: Household, **kwargs):
        kwargs.setdefault("initial", {"left": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = (
            Person.objects.filter(household=household, membership__isnull=False,
                                  membership__left__isnull=True)
            .select_related("membership").order_by("id"))


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Program) -> str:
        return obj.display_name(get_language() or "zh-hans")


class OnBehalfForm(forms.Form):
    """An application the village staff file for the family (``on_behalf`` is recorded)."""

    program = ProgramChoiceField(
        label=_("Benefit"), queryset=Program.objects.none(), empty_label=None,
        error_messages={"required": _("Please choose a benefit."),
                        "invalid_choice": _("Please choose a benefit from the list.")})
    applicant = MemberChoiceField(
        label=_("Who is applying"), queryset=Person.objects.none(), empty_label=None,
        error_messages={"required": _("Please choose who is applying."),
                        "invalid_choice": _("Please choose a member of your household.")})
    statement = forms.CharField(
        label=_("Statement"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}))
    consent = forms.BooleanField(
        label=_("I agree that the association uses my family's personal data (names, "
                "identity numbers, phone, household circumstances) to decide this "
                "application and to keep its record, as the notice above explains."),
        error_messages={"required": _("Please tick the box to agree before sending.")})

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(active=True).order_by("id")
        self.fields["applicant"].queryset = (Person.objects.filter(household=household)
                                             .select_related("membership").order_by("id"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
        error_messages={"required": _("Choose the workbook to check."),
                        "empty": _("The file is empty.")})


class ExportForm(forms.Form):
    """The roster export: the area, and a purpose for full numbers (recorded)."""

    area = forms.ChoiceField(label=_("Area"), required=False)
    purpose = forms.CharField(
        label=_("Purpose (for full identity and phone numbers)"), required=False,
        max_length=200,
        help_text=_("Left empty, identity and phone numbers are masked. With a purpose "
                    "they are exported in full, and the export is recorded with it."))

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All my areas")), *areas]

    def clean_purpose(self) -> str:
        purpose = " ".join(self.cleaned_data["purpose"].split())
        if purpose and len(purpose) < 4:
            raise forms.ValidationError(_("Say why, in a few words."))
        return purpose


class ArrearsFilterForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    year = forms.IntegerField(label=_("Up to year"), required=False, min_value=2000,
                              max_value=2100)

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All my areas")), *areas]


class DriveForm(forms.Form):
    """The membership drive's common choices: the joining date, the role, and how the
    member numbers are made (the people and their typed numbers are the list's rows)."""

    GENERATE, GIVEN = "generate", "given"

    joined = forms.DateField(label=_("joined"), widget=DATE,
                             validators=rules_of(Membership, "joined"),
                             error_messages={"required": _("Enter the joining date.")})
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices,
                             initial=Membership.Role.MEMBER)
    scheme = forms.ChoiceField(
        label=_("Member numbers"), widget=forms.RadioSelect, initial=GENERATE,
        choices=[(GENERATE, _("Use the numbers typed below; give the others the next "
                              "numbers of the village (village code-year-0001)")),
                 (GIVEN, _("Use only the numbers typed below: each selected person "
                           "needs one"))])

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"joined": timezone.localdate()})
        super().__init__(*args, **kwargs)


class DriveVillageForm(forms.Form):
    """Which village's drive (for keepers whose area holds several villages)."""

    village = forms.ChoiceField(label=_("Village"))

    def __init__(self, *args, villages: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = villages
