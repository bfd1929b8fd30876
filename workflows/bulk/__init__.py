"""Bulk approval of the inbox and queue's tasks: which tasks may be approved together and
approving them one case per transaction (``services``), the staff pages (``views``)."""
