"""Forms of the welfare-fund pages (``workflows.fund.views``): labels in the user's
language, every error shown with the label of its field. The rules are the services'
(``casework.fund.services``); these only parse."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.fund.models import FundEntry
from casework.fund.services import BOOKABLE_KINDS, COUNTERPARTY_MAX, NOTE_MAX, REFERENCE_MAX

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class YearForm(forms.Form):
    """The year a ledger page shows."""

    year = forms.IntegerField(label=_("fund year"), min_value=2000, max_value=2100,
                              required=False)


class BookEntryForm(forms.Form):
    """Income (an allocation, a donation, other income) or other spending."""

    year = forms.IntegerField(label=_("fund year"), min_value=2000, max_value=2100,
                              error_messages={"required": _("Enter the fund year.")})
    kind = forms.ChoiceField(
        label=_("entry kind"),
        choices=[(k.value, k.label) for k in FundEntry.Kind if k in BOOKABLE_KINDS],
        error_messages={"required": _("Choose the kind of entry."),
                        "invalid_choice": _("Choose a kind from the list.")})
    amount_yuan = forms.DecimalField(
        label=_("amount (yuan)"), max_digits=12, decimal_places=2,
        min_value=Decimal("0.01"), error_messages={"required": _("Enter the amount.")})
    booked_on = forms.DateField(label=_("booked on"), widget=DATE,
                                error_messages={"required": _("Enter the booking date.")})
    counterparty = forms.CharField(
        label=_("from / paid to"), max_length=COUNTERPARTY_MAX,
        help_text=_("The allocating office, the donor (or 匿名) or the payee."),
        error_messages={"required": _("Say who the money came from or went to.")})
    reference = forms.CharField(label=_("voucher or receipt number"), max_length=REFERENCE_MAX,
                                required=False)
    note = forms.CharField(label=_("note"), max_length=NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, year: int, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("initial", {"year": year,
                                      "booked_on": today if year == today.year
                                      else None})
        super().__init__(*args, **kwargs)


class ReverseEntryForm(forms.Form):
    """The reversing entry: its date, voucher and why."""

    booked_on = forms.DateField(label=_("booked on"), widget=DATE,
                                error_messages={"required": _("Enter the booking date.")})
    reference = forms.CharField(label=_("voucher or receipt number"), max_length=REFERENCE_MAX,
                                required=False)
    note = forms.CharField(label=_("reason"), max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Say why the entry is reversed.")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"booked_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
