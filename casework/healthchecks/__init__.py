"""The yearly health-check campaign (由村集体出资，每年给全体会员一次全面体检): campaigns
per village and year, the member list from the roster, who was checked when, coverage.

The record: models and services. Its pages and API are ``workflows.healthchecks``."""
