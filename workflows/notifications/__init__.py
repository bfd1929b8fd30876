"""What the family and staff are told: the messages of each step (``messages``: texts in
both languages), queued into the outbox in the transaction (``notify``), sent after commit
by the Celery tasks (``workflows.tasks``) through the SMS gateway (``sms``), and the
staff's message pages (``views``)."""
