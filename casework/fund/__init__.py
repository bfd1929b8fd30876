"""The welfare-fund ledger (计划生育公益金): income (allocations, donations) and spending per year;
the welfare-grant budget is derived from it and never overspent.

The record: models and services. Its pages and API are ``workflows.fund``."""
