"""The task pages viewflow's frontend opens for the human steps.

They translate the form into a service call and back; the rules live in
``workflows.services``.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from casework import selectors
from casework.errors import DomainError

from . import services
from .forms import DecisionForm, RevisionForm


class _TaskPage(FormView):
    template_name = "workflows/task_decision.html"

    @property
    def task(self):
        return self.request.activation.task

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = selectors.case_detail(user=self.request.user, case_id=self.task.process.case.pk)
        ctx.update(selectors.case_context(case, self.request.user))
        ctx["task"] = self.task
        ctx["activation"] = self.request.activation
        return ctx

    def success_url_for(self):
        return self.request.activation.flow_task.flow_class.instance.reverse("index")

    def _done(self):
        messages.success(self.request, _("Your decision has been recorded."))
        try:
            return HttpResponseRedirect(self.success_url_for())
        except Exception:  # outside the frontend's namespace
            return HttpResponseRedirect("/")


class DecisionView(_TaskPage):
    form_class = DecisionForm

    def form_valid(self, form):
        try:
            services.decide(actor=self.request.user, task_id=self.task.pk,
                            decision=form.cleaned_data["decision"],
                            reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.form_invalid(form)
        return self._done()


class RevisionView(_TaskPage):
    form_class = RevisionForm

    def form_valid(self, form):
        try:
            services.resubmit(actor=self.request.user, case=self.task.process.case,
                              statement=form.cleaned_data["statement"])
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return self._done()
