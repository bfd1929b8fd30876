"""The re-certification feature: each year's run re-checks every active entitlement under
the rules in force, renews those that still qualify and opens a village review for those
that do not. ``flow``: the review flow, the run (a Celery task in chunks) and the review
decision; ``views``: the review task's page."""
