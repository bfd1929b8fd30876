"""What this app keeps of a case's personal data, removed when the case's retention period
ends (``casework.privacy.retention.purge_case`` calls the hooks registered here, in its
transaction and under the case's lock)."""

from casework.models import Case
from casework.privacy.retention import register_lock, register_purge

from .case_process import lock_case
from .models import Appeal


def purge_appeal_grounds(case: Case) -> int:
    """The family's grounds of its appeals (its own words about its circumstances); the
    appeal rows, outcomes and the reviewers' reasons stay, as the history names them."""
    return Appeal.objects.filter(case=case).exclude(grounds="").update(grounds="")


def register() -> None:
    """Called from ``WorkflowsConfig.ready``."""
    register_purge("appeals", purge_appeal_grounds)
    register_lock(lock_case)  # the case's process row, as the services take it
