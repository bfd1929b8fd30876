"""Forms of the human steps; validation messages name the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Decision


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.Outcome.choices,
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") in (Decision.Outcome.REJECT, Decision.Outcome.RETURN) and not (
            data.get("reason") or ""
        ).strip():
            self.add_error("reason", _("A reason is required to reject or return a case."))
        return data


class RevisionForm(forms.Form):
    statement = forms.CharField(label=_("What you added or corrected"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
