"""Deadlines counted in working days: each human task's deadline (``services``: opened,
closed, reminded and escalated by the sweep) and the working-day calendar (``workdays``,
loaded from ``calendar_data``, checked by ``checks``). The inbox and queue order tasks by
their deadlines in ``workflows.due_order``, a read the selectors share."""
