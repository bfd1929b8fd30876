"""Assistance pairing (会员联系户 / 帮扶结对): the partner (a 致富能手 / 行业领头人, a person
or an enterprise), the signed contract, the visits, and the household marked paired while
the contract runs.

The record: models, services, selectors, statistics and demo data. Its pages and API are
``workflows.pairings``."""
