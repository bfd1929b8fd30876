"""The staff UI's page for an appeal review task (viewflow's frontend opens it when the
reviewer executes the task). HTTP in, ``decide_appeal`` out; the rules are in
``workflows.appeals``."""

from django import forms
from django.utils.translation import gettext_lazy

from ..task_pages import DecisionPage, ReasonedDecisionForm
from ..task_rows import STEP_LABELS
from .flow import Outcome, decide_appeal


class AppealReviewForm(ReasonedDecisionForm):
    outcome = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Outcome.CHOICES,
                                widget=forms.RadioSelect)
    choice = "outcome"
    needs_reason = (Outcome.DISMISS,)
    reason_required = gettext_lazy("A reason is required to dismiss an appeal.")


class AppealReviewView(DecisionPage):
    """The appeal: the decision appealed, its reason, the family's grounds, the case file,
    and the decision (uphold, or dismiss with a reason)."""

    template_name = "workflows/appeal_review.html"
    form_class = AppealReviewForm

    def case_id(self) -> int:
        return self.task.process.appeal.case_id

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        appeal = self.task.process.appeal
        ctx.update(appeal=appeal, appealed=appeal.decision,
                   appealed_step=STEP_LABELS.get(appeal.appealed_step, appeal.appealed_step))
        return ctx

    def decide(self, form) -> None:
        decide_appeal(actor=self.request.user, task_id=self.task.pk,
                      outcome=form.cleaned_data["outcome"], reason=form.cleaned_data["reason"])
