"""The staff UI's page for an appeal review task (viewflow's frontend opens it when the
reviewer executes the task). HTTP in, ``decide_appeal`` out; the rules are in
``workflows.appeals``."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from casework.errors import CaseConflict, DomainError

from .appeals import Outcome, decide_appeal
from .frontend_views import STEP_LABELS, case_file_context


class AppealReviewForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Outcome.CHOICES,
                                widget=forms.RadioSelect)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.DISMISS and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A reason is required to dismiss an appeal."))
        return data


class AppealReviewView(FormView):
    """The appeal: the decision appealed, its reason, the family's grounds, the case file,
    and the decision (uphold, or dismiss with a reason)."""

    template_name = "workflows/appeal_review.html"
    form_class = AppealReviewForm

    @property
    def task(self):
        return self.request.activation.task

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        appeal = self.task.process.appeal
        ctx.update(case_file_context(self.request.user, appeal.case_id))
        ctx.update(task=self.task, activation=self.request.activation, appeal=appeal,
                   appealed=appeal.decision,
                   appealed_step=STEP_LABELS.get(appeal.appealed_step, appeal.appealed_step))
        return ctx

    def form_valid(self, form):
        try:
            decide_appeal(actor=self.request.user, task_id=self.task.pk,
                          outcome=form.cleaned_data["outcome"],
                          reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if isinstance(exc, CaseConflict) and exc.code == "task_closed":
                messages.warning(self.request, exc.message)
                task = self.task
                return HttpResponseRedirect(self.request.activation.flow_task.reverse(
                    "detail", args=[task.process_id, task.pk]))
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Your decision has been recorded."))
        try:
            return HttpResponseRedirect(
                self.request.activation.flow_task.flow_class.instance.reverse("index"))
        except Exception:  # outside the frontend's namespace
            return HttpResponseRedirect("/")
