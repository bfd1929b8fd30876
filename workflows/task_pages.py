"""The pages viewflow's frontend opens for a flow's human tasks: what they share, and how a
flow names its page without importing it.

A viewflow node takes its view when the flow class is built, and a task page calls the
feature's services, which start and drive the flow: importing the page from the flow
would close a cycle (flow -> page -> services -> flow). So a node takes ``page(name)``,
a view that looks its page up by name when a request comes, and each feature registers
its pages once the apps are ready (``WorkflowsConfig.ready``). A name with no page
registered is a programming error and fails loudly at the first request.

``DecisionPage`` is the base of every decision page (the application's reviews, the
appeal and the re-certification reviews): the form becomes one service call; a domain
error goes back on the form, a task closed meanwhile to its read-only page. Their forms
are ``ReasonedDecisionForm``s: a choice among the step's outcomes and a reason where the
outcome needs one.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from casework.errors import CaseConflict, DomainError

from .case_file import case_file_context

# CaseConflict codes meaning the task was closed under the form (decided, withdrawn)
TASK_CLOSED = ("task_closed",)

_PAGES: dict[str, Callable[..., HttpResponse]] = {}


def register(name: str, page: type[FormView]) -> None:
    """Serve the nodes that name ``name`` with ``page`` (a class-based view)."""
    if name in _PAGES:
        raise ValueError(f"task page {name!r} is registered twice")
    _PAGES[name] = page.as_view()


def page(name: str) -> Callable[..., HttpResponse]:
    """The view a flow node takes for its task page ``name``, resolved per request."""

    def task_page(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            view = _PAGES[name]
        except KeyError:
            raise LookupError(f"no task page registered as {name!r}") from None
        return view(request, *args, **kwargs)

    task_page.__name__ = task_page.__qualname__ = f"task_page_{name.replace('.', '_')}"
    return task_page


class TaskPage(FormView):
    """A task's form above its case file."""

    template_name = "workflows/task_decision.html"

    @property
    def task(self):
        return self.request.activation.task

    def case_id(self) -> int:
        """The case whose file the page shows below the form."""
        return self.task.process.case.pk

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(case_file_context(self.request.user, self.case_id(),
                                     path=self.request.path))
        ctx["task"] = self.task
        ctx["activation"] = self.request.activation
        return ctx

    def success_url_for(self):
        return self.request.activation.flow_task.flow_class.instance.reverse("index")

    def closed(self, exc: CaseConflict):
        """The task was decided (or cancelled) while the form was open: say so on the
        task's read-only page instead of the form."""
        messages.warning(self.request, exc.message)
        task = self.task
        return HttpResponseRedirect(
            self.request.activation.flow_task.reverse("detail", args=[task.process_id, task.pk]))

    def done(self):
        messages.success(self.request, _("Your decision has been recorded."))
        try:
            return HttpResponseRedirect(self.success_url_for())
        except Exception:  # outside the frontend's namespace
            return HttpResponseRedirect("/")


class DecisionPage(TaskPage):
    """A task page whose form takes a decision through a service (``decide``): a domain
    error goes back on the form, a task closed meanwhile to its read-only page."""

    def decide(self, form) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.decide(form)
        except DomainError as exc:
            if isinstance(exc, CaseConflict) and exc.code in TASK_CLOSED:
                return self.closed(exc)
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.form_invalid(form)
        return self.done()


class ReasonedDecisionForm(forms.Form):
    """A decision among a step's outcomes and a reason, required for the outcomes that need
    one. Each step's form names its choice field (``choice``), the outcomes that need a
    reason (``needs_reason``) and what to say when it is missing (``reason_required``); the
    services check the same again (``InvalidInput``)."""

    choice = "decision"
    needs_reason: tuple[str, ...] = ()
    reason_required = ""

    reason = forms.CharField(label=gettext_lazy("Reason"), required=False,
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
