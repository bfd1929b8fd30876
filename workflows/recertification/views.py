"""The staff UI's page for a re-certification review task (viewflow's frontend opens it
when the village reviewer executes the task). HTTP in, ``decide_review`` out."""

from django import forms
from django.utils.translation import gettext_lazy

from ..task_pages import DecisionPage, ReasonedDecisionForm
from .flow import Outcome, decide_review


class RecertificationReviewForm(ReasonedDecisionForm):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Outcome.CHOICES,
                                 widget=forms.RadioSelect)
    needs_reason = (Outcome.END,)
    reason_required = gettext_lazy("A reason is required to end an entitlement.")


class RecertificationReviewView(DecisionPage):
    """The review: why this year's re-check failed, the case file that granted the
    entitlement, and the decision (continue, or end with a reason)."""

    template_name = "workflows/recertification_review.html"
    form_class = RecertificationReviewForm

    def case_id(self) -> int:
        return self.task.process.recertification.case_id

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        recertification = self.task.process.recertification
        ctx.update(recertification=recertification,
                   entitlement=recertification.entitlement,
                   failed=[c for c in recertification.decision.get("criteria", [])
                           if not c["passed"]])
        return ctx

    def decide(self, form) -> None:
        decide_review(actor=self.request.user, task_id=self.task.pk,
                      decision=form.cleaned_data["decision"],
                      reason=form.cleaned_data["reason"])
