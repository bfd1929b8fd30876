"""The application flow's task pages: a review's decision and the family's revision.

They translate the form into a service call and back; the rules live in
``workflows.applications.services``. Registered as task pages in ``WorkflowsConfig.ready``
(``workflows.task_pages``), so the flow names them without importing them.
"""

from casework.errors import DomainError

from ..task_pages import DecisionPage, TaskPage
from . import services
from .forms import DecisionForm, RevisionForm


class DecisionView(DecisionPage):
    form_class = DecisionForm

    def decide(self, form) -> None:
        services.decide(actor=self.request.user, task_id=self.task.pk,
                        decision=form.cleaned_data["decision"],
                        reason=form.cleaned_data["reason"])


class RevisionView(TaskPage):
    form_class = RevisionForm

    def form_valid(self, form):
        try:
            services.resubmit(actor=self.request.user, case=self.task.process.case,
                              statement=form.cleaned_data["statement"])
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return self.done()
