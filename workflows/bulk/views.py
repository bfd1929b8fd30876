"""Bulk approval in the staff UI (``workflows.bulk.services``): the inbox and queue's "approve
selected" form, its confirmation page and the result.

Like viewflow's bulk assign (``BaseBulkActionView``): the list posts the selected rows'
task ids (``pk``) to the flow's ``tasks_approve`` URL, which answers with a confirmation
page listing the selected cases (each case's step, program and deadline, and why a case
may not be approved in bulk) with an optional common note; posting that page with
``_confirm`` approves each case in its own transaction and goes back to the list with
one message for the approved cases and one per case that was not approved.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import generic

from casework.errors import InvalidInput

from .. import frontend_access as scope
from ..task_rows import RowFormatter, due_cell
from . import services as bulk

NOTE_MAX = 2000


class ScopedBulkApproveView(generic.View):
    """Approve the selected tasks of my inbox or queue (never cash programs or objection
    reviews; see ``workflows.bulk.services``)."""

    flow_class = None
    viewset = None
    template_name = "workflows/staff/bulk_approve.html"

    def dispatch(self, request, *args, **kwargs):
        if scope.is_read_only(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def back_url(self):
        """The list the selection came from (``next``, a page of this flow), else the inbox."""
        back = self.request.POST.get("next", "")
        index = self.viewset.reverse("index")
        if back.startswith(index) and url_has_allowed_host_and_scheme(
                back, allowed_hosts={self.request.get_host()}):
            return back
        return self.viewset.reverse("inbox")

    def get(self, request, *args, **kwargs):
        messages.info(request, _("No tasks selected."))
        return HttpResponseRedirect(self.viewset.reverse("inbox"))

    def post(self, request, *args, **kwargs):
        try:
            ids = bulk.parse_ids(request.POST.getlist("pk"))
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(self.back_url())
        if not ids:
            messages.info(request, _("No tasks selected."))
            return HttpResponseRedirect(self.back_url())
        note = request.POST.get("note", "")[:NOTE_MAX]
        if "_confirm" not in request.POST:
            return self.confirm(ids, note)
        try:
            items = bulk.approve(actor=request.user, task_ids=ids, note=note,
                                 flow_class=self.flow_class)
        except InvalidInput as exc:
            return self.confirm(ids, note, error=exc.message)
        self.report(items)
        return HttpResponseRedirect(self.back_url())

    def confirm(self, ids, note, error=""):
        items = bulk.review(self.request.user, ids, self.flow_class)
        if not error and not bulk.one_step(items):
            error = _("Select tasks of one step at a time.")
        approvable = [item for item in items if item.may_approve]
        return TemplateResponse(self.request, self.template_name, {
            "view": self, "viewset": self.viewset, "rows": self.rows(items),
            "approvable": approvable,
            "note": note, "error": error, "next": self.back_url(),
            "title": _("Approve several cases"),
        })

    def rows(self, items):
        """What the confirmation shows of each selected task, formatted once."""
        fmt = RowFormatter()
        rows = []
        for item in items:
            task, case = item.task, item.case
            row = {"task_id": item.task_id, "refusal": item.refusal}
            if task is not None:
                row["step"] = fmt.step(task.flow_task)
                row["url"] = fmt.url(task.flow_task, "index", task.process_id, task.pk)
                deadline = getattr(task, "deadline", None)
                if deadline is not None:
                    row["due"] = due_cell(deadline.due_at, deadline.closed_at,
                                          deadline.escalated_at)
            if case is not None:
                row.update(case_id=case.pk, program=fmt.program(case.program),
                           applicant=case.applicant.name, village=case.area.name)
            rows.append(row)
        return rows

    def report(self, items):
        approved = [item for item in items if item.approved]
        if approved:
            messages.success(self.request, ngettext(
                "%(count)s case approved: %(cases)s.", "%(count)s cases approved: %(cases)s.",
                len(approved)) % {"count": len(approved),
                                  "cases": ", ".join(f"#{item.case.pk}" for item in approved)})
        for item in items:
            if item.approved:
                continue
            reason = item.error or item.refusal
            if item.case is not None:
                text = _("Case #%(case)s was not approved: %(reason)s") % {
                    "case": item.case.pk, "reason": reason}
            else:
                text = _("Task #%(task)s was not approved: %(reason)s") % {
                    "task": item.task_id, "reason": reason}
            messages.error(self.request, text)
