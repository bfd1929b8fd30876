"""Dues collection as a campaign (会费收缴): a year's campaign per township (the pilot
townships first), collection rates by village and township, arrears.

The record: models and services. Its pages live in the roster (``workflows.register_*``)
and its API in ``workflows.duescampaigns``."""
