"""Forms of the family pages: few fields, large controls, messages that name the field."""

from pathlib import Path

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.models import Person
from casework.uploads import check_upload
from eligibility.models import Program
from workflows.documents import DOCUMENT_KINDS
from workflows.projects.forms import open_project_field

MAX_UPLOAD_MB = 10
ALLOWED_SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".heif", ".webp", ".pdf")


class ProgramChoiceField(forms.ModelChoiceField):
    """Programs named in the active language."""

    def label_from_instance(self, obj: Program) -> str:
        return obj.display_name(get_language() or "zh-hans")


class ApplicantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name} ({obj.get_relationship_display()})"


INCOME_PROJECT = "income_project"


class ApplyForm(forms.Form):
    """Step 1 of an application: which benefit, for whom, and in the family's words why."""

    program = ProgramChoiceField(
        label=_("Benefit"), queryset=Program.objects.none(), widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Please choose a benefit."),
                        "invalid_choice": _("Please choose a benefit from the list.")})
    applicant = ApplicantChoiceField(
        label=_("Who is applying"), queryset=Person.objects.none(), widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Please choose who is applying."),
                        "invalid_choice": _("Please choose a member of your household.")})
    statement = forms.CharField(
        label=_("Anything you want the reviewers to know (optional)"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    consent = forms.BooleanField(
        label=_("I agree that the association uses my family's personal data (names, "
                "identity numbers, phone, household circumstances) to decide this "
                "application and to keep its record, as the notice above explains."),
        required=False)

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(active=True).order_by("id")
        members = (Person.objects.filter(household=household).order_by("id")
                   if household is not None else Person.objects.none())
        self.fields["applicant"].queryset = members
        if household is not None:
            # income-project support (少生快富) is given through one of the township's
            # projects: the family says which (required for that benefit only)
            self.fields["project"] = open_project_field(household, required=False)
            self.order_fields(["program", "project", "applicant", "statement", "consent"])

    def clean(self):
        data = super().clean()
        program, project = data.get("program"), data.get("project")
        if program is not None and program.code == INCOME_PROJECT and project is None:
            self.add_error("project" if "project" in self.fields else "program",
                           _("Choose the project you apply to join."))
        elif program is not None and program.code != INCOME_PROJECT:
            data["project"] = None  # a project chosen, then another benefit: not sent
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are you withdrawing? (optional)"), required=False,
                             max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResubmitForm(forms.Form):
    statement = forms.CharField(
        label=_("What you added or corrected"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Add any missing documents above first, then resubmit."))


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=_("Why do you disagree with the decision?"), max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please state why you disagree with the decision.")})


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type of document"), choices=DOCUMENT_KINDS,
                             error_messages={"required": _("Please choose the type of "
                                                           "document.")})
    file = forms.FileField(
        label=_("Photo or file"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
        error_messages={"required": _("Please choose a photo or file to upload."),
                        "empty": _("The file is empty.")})
    description = forms.CharField(label=_("Note (optional)"), required=False, max_length=200)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is too large: at most %(mb)s MB.") % {"mb": MAX_UPLOAD_MB})
        if Path(upload.name or "").suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Please upload a photo (JPG, PNG) or a PDF file."))
        check_upload(upload)  # and the content must really be one (casework.uploads)
        return upload
