"""A case's application process: the process a case is in, and the case's lock.

The process names its case (``process.case``; ``case.process`` the other way), in
viewflow's artifact column (``workflows.viewflow_adapter.CaseLink``). The lock is that
process row: viewflow's activations lock it too, so a decision, a withdrawal, a deadline
sweep, a retention purge and a document upload on one case are serialised with each
other. A case without a process (none is left once submitted, but a record written
another way could be) is locked by its own row.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from viewflow.workflow.models import Process

from casework.models import Case


def lock_case(case_id: int) -> None:
    """Take ``case_id``'s lock in the caller's transaction, waiting for a concurrent
    holder. SQLite serialises writers by itself: nothing to take there."""
    if not connection.features.has_select_for_update:
        return
    if not list(Process.objects.select_for_update().filter(case=case_id).values_list("pk")):
        list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk"))


def lock_many(case_ids) -> None:
    """Take the locks of several cases at once (their process rows, in id order: two
    sweeps locking overlapping sets cannot deadlock). Cases without a process are not
    locked: a sweep only writes to cases in a process."""
    if connection.features.has_select_for_update and case_ids:
        list(Process.objects.select_for_update().filter(case__in=list(case_ids))
             .order_by("pk").values_list("pk"))


def process_of(case: Case) -> Process | None:
    """The process ``case`` is in (its newest application process), or None: read once,
    or from what ``select_related("process")`` or the flow's link left on the case."""
    try:
        return case.process
    except ObjectDoesNotExist:
        return None


def process_id_of(case: Case) -> int | None:
    process = process_of(case)
    return process.pk if process is not None else None
