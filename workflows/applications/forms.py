"""The application flow's task forms; validation messages name the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Decision

from ..task_pages import ReasonedDecisionForm


class DecisionForm(ReasonedDecisionForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.Outcome.choices,
                                 widget=forms.RadioSelect)
    needs_reason = (Decision.Outcome.REJECT, Decision.Outcome.RETURN)
    reason_required = _("A reason is required to reject or return a case.")


class RevisionForm(forms.Form):
    statement = forms.CharField(label=_("What you added or corrected"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
