"""The appeals feature: a family appeals a rejection, one level above the level that
rejected. ``flow``: the appeal flow, its review task and the services that lodge and
decide an appeal; ``views``: the review task's page."""
