"""The task pages viewflow's frontend opens for the human steps.

They translate the form into a service call and back; the rules live in
``workflows.services``. The appeal and re-certification review pages
(``appeals.views``, ``recertification.views``) are built on ``DecisionPage`` too.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from casework.errors import CaseConflict, DomainError

from . import services
from .case_file import case_file_context
from .forms import DecisionForm, RevisionForm

# CaseConflict codes meaning the task was closed under the form (decided, withdrawn)
TASK_CLOSED = ("task_closed",)


class _TaskPage(FormView):
    template_name = "workflows/task_decision.html"

    @property
    def task(self):
        return self.request.activation.task

    def case_id(self) -> int:
        """The case whose file the page shows below the form."""
        return self.task.process.case.pk

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(case_file_context(self.request.user, self.case_id()))
        ctx["task"] = self.task
        ctx["activation"] = self.request.activation
        return ctx

    def success_url_for(self):
        return self.request.activation.flow_task.flow_class.instance.reverse("index")

    def _closed(self, exc: CaseConflict):
        """The task was decided (or cancelled) while the form was open: say so on the
        task's read-only page instead of the form."""
        messages.warning(self.request, exc.message)
        task = self.task
        return HttpResponseRedirect(
            self.request.activation.flow_task.reverse("detail", args=[task.process_id, task.pk]))

    def _done(self):
        messages.success(self.request, _("Your decision has been recorded."))
        try:
            return HttpResponseRedirect(self.success_url_for())
        except Exception:  # outside the frontend's namespace
            return HttpResponseRedirect("/")


class DecisionPage(_TaskPage):
    """A task page whose form takes a decision through a service (``decide``): a domain
    error goes back on the form, a task closed meanwhile to its read-only page."""

    def decide(self, form) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.decide(form)
        except DomainError as exc:
            if isinstance(exc, CaseConflict) and exc.code in TASK_CLOSED:
                return self._closed(exc)
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.form_invalid(form)
        return self._done()


class DecisionView(DecisionPage):
    form_class = DecisionForm

    def decide(self, form) -> None:
        services.decide(actor=self.request.user, task_id=self.task.pk,
                        decision=form.cleaned_data["decision"],
                        reason=form.cleaned_data["reason"])


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
