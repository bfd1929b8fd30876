"""The staff UI's page for a re-certification review task (viewflow's frontend opens it
when the village reviewer executes the task). HTTP in, ``decide_review`` out."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from casework.errors import CaseConflict, DomainError

from .frontend_views import case_file_context
from .recertification import Outcome, decide_review


class RecertificationReviewForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=Outcome.CHOICES,
                                 widget=forms.RadioSelect)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == Outcome.END and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A reason is required to end an entitlement."))
        return data


class RecertificationReviewView(FormView):
    """The review: why this year's re-check failed, the case file that granted the
    entitlement, and the decision (continue, or end with a reason)."""

    template_name = "workflows/recertification_review.html"
    form_class = RecertificationReviewForm

    @property
    def task(self):
        return self.request.activation.task

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        recertification = self.task.process.recertification
        ctx.update(case_file_context(self.request.user, recertification.case_id))
        ctx.update(task=self.task, activation=self.request.activation,
                   recertification=recertification,
                   entitlement=recertification.entitlement,
                   failed=[c for c in recertification.decision.get("criteria", [])
                           if not c["passed"]])
        return ctx

    def form_valid(self, form):
        try:
            decide_review(actor=self.request.user, task_id=self.task.pk,
                          decision=form.cleaned_data["decision"],
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
