"""少生快富 income projects: a project (e.g. the 源东 white-peach base) of a township, the
support it gives and the households it helps; income-project applications link to one.

The record: models and services. Its pages and API are ``workflows.projects``."""
