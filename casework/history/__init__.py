"""The record's history: each case's hash-chained audit events written in the unit of work
(``audit``), sealed and signed (``chain``, ``audit_key``), checked against the rows they
describe (``verification``, ``reconciliation``); the association's own records' change
lines (``record_events``) and who PostgreSQL's change log names (``db_actor``)."""
