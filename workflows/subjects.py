"""What a flow's process is about: the row that holds its case and its village code.

An application's process is its case's (``Case.process``); an appeal's and a
re-certification review's processes have a row of their own (``Appeal.process``,
``Recertification.process``) that carries the case and its own indexed village column.
A flow class names its subject in ``subject`` (the name of that row's relation from
``Process``: ``process.case``, ``process.appeal``, ``process.recertification``); the staff
frontend scopes the flow's processes through it (``workflows.frontend_access``) without
importing the flows.
"""

CASE = "case"
APPEAL = "appeal"
RECERTIFICATION = "recertification"


def subject_of(flow_class) -> str:
    """The subject of ``flow_class``'s processes (an application's case by default)."""
    return getattr(flow_class, "subject", CASE)
