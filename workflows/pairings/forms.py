"""Forms of the pairing pages (``workflows.pairings.views``): labels in the user's language;
the services check the rules and their errors come back on the field they name
(``workflows/register/_form_errors.html`` shows each with its field's label)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Case
from casework.pairings.models import PairingContract, PairingVisit, Partner

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class PartnerForm(forms.Form):
    """A new pairing partner: a person (a member of the roster, by member number, when
    they are in it) or an enterprise, the trade they lead and where they work."""

    kind = forms.ChoiceField(label=_("kind of partner"), choices=Partner.Kind.choices,
                             initial=Partner.Kind.PERSON)
    name = forms.CharField(label=_("partner's name"), max_length=100, required=False,
                           help_text=_("The person's or the enterprise's name; for a member "
                                       "of the roster it may be left empty."))
    member_number = forms.CharField(
        label=_("member number"), max_length=30, required=False,
        help_text=_("When the partner is a member of the association (会员编号)."))
    trade = forms.CharField(label=_("trade"), max_length=200,
                            help_text=_("What the partner leads, e.g. breeding 广东山黄鸡 "
                                        "chickens, a white-peach orchard."),
                            error_messages={"required": _("Enter what the partner leads "
                                                          "(their trade).")})
    area = forms.ChoiceField(label=_("township or village"), choices=(),
                             error_messages={"required": _("Choose where the partner works."),
                                             "invalid_choice": _("Choose one of your "
                                                                 "areas.")})

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas

    def clean_member_number(self) -> str:
        return self.cleaned_data["member_number"].strip()


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Partner) -> str:
        return f"{obj.name} · {obj.trade} ({obj.area.name})"


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Case) -> str:
        return f"#{obj.pk} · {obj.application_date:%Y-%m-%d}"


class ContractForm(forms.Form):
    """A signed contract for the household: partner, dates, what was agreed, the scan."""

    partner = PartnerChoiceField(
        label=_("partner"), queryset=Partner.objects.none(), empty_label=None,
        error_messages={"required": _("Choose the partner."),
                        "invalid_choice": _("Choose an active partner of the household's "
                                            "township.")})
    case = CaseChoiceField(
        label=_("application"), queryset=Case.objects.none(), required=False,
        empty_label=_("(none)"),
        help_text=_("The household's granted assistance-pairing application, if any."),
        error_messages={"invalid_choice": _("Choose a granted application of this "
                                            "household.")})
    signed_on = forms.DateField(label=_("signed on"), widget=DATE,
                                error_messages={"required": _("Enter the day the contract "
                                                              "was signed.")})
    starts_on = forms.DateField(label=_("starts on"), widget=DATE,
                                error_messages={"required": _("Enter the day the contract "
                                                              "starts.")})
    ends_on = forms.DateField(label=_("ends on"), widget=DATE,
                              help_text=_("The last day of the contract."),
                              error_messages={"required": _("Enter the contract's last "
                                                            "day.")})
    terms = forms.CharField(label=_("what the partner will do"), max_length=4000, widget=TEXT,
                            error_messages={"required": _("Enter what the partner will "
                                                          "do.")})
    document = forms.FileField(
        label=_("scanned contract"), required=False,
        help_text=_("PDF, JPEG or PNG, at most 10 MB."))

    def __init__(self, *args, partners, cases, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"signed_on": today, "starts_on": today})
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["case"].queryset = cases


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("visited on"), widget=DATE,
                                 error_messages={"required": _("Enter the day of the "
                                                               "visit.")})
    visited_by = forms.ChoiceField(label=_("visited by"),
                                   choices=PairingVisit.VisitedBy.choices,
                                   initial=PairingVisit.VisitedBy.PARTNER)
    visitor_name = forms.CharField(label=_("visitor's name"), max_length=60, required=False,
                                   help_text=_("Left empty for the partner's own visit."))
    note = forms.CharField(label=_("what was done"), max_length=4000, required=False,
                           widget=TEXT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"visited_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class EndForm(forms.Form):
    ended_on = forms.DateField(label=_("ended early on"), widget=DATE,
                               help_text=_("From this day on the contract no longer runs."),
                               error_messages={"required": _("Enter the day the contract "
                                                             "ends.")})
    end_reason = forms.CharField(label=_("why it ended early"), max_length=4000, widget=TEXT,
                                 error_messages={"required": _("Say why the contract ends "
                                                               "early.")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"ended_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


STATE_CHOICES = [("", _("All")), *PairingContract.State.choices]
