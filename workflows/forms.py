"""Forms of the human steps; validation messages name the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.models import Decision


class ReasonedDecisionForm(forms.Form):
    """A decision among a step's outcomes and a reason, required for the outcomes that need
    one. Each step's form names its choice field (``choice``), the outcomes that need a
    reason (``needs_reason``) and what to say when it is missing (``reason_required``); the
    services check the same again (``InvalidInput``)."""

    choice = "decision"
    needs_reason: tuple[str, ...] = ()
    reason_required = ""

    reason = forms.CharField(label=_("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([self.choice, "reason"])

    def clean(self):
        data = super().clean()
        if data.get(self.choice) in self.needs_reason and not (
                data.get("reason") or "").strip():
            self.add_error("reason", self.reason_required)
        return data


class DecisionForm(ReasonedDecisionForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.Outcome.choices,
                                 widget=forms.RadioSelect)
    needs_reason = (Decision.Outcome.REJECT, Decision.Outcome.RETURN)
    reason_required = _("A reason is required to reject or return a case.")


class RevisionForm(forms.Form):
    statement = forms.CharField(label=_("What you added or corrected"), required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
