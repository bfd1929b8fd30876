"""Assistance pairings: the daily sweep as a Celery task (one beat entry schedules it).

The worker finds it when ``workflows.tasks`` imports it (autodiscovery imports each
installed app's ``tasks`` module, and ``workflows.pairings`` is not an app of its own).
"""

from celery import shared_task
from django.utils import timezone

from casework.pairings.services import end_finished_contracts


@shared_task(name="workflows.pairings.tasks.end_finished_pairings", acks_late=True,
             ignore_result=True)
def end_finished_pairings() -> int:
    """Start the pairing contracts whose first day has come and end those whose last day
    has passed (``casework.pairings.services.end_finished_contracts``), as of today in
    the district's time zone. Safe to run twice; returns the number ended."""
    return end_finished_contracts(today=timezone.localdate())
