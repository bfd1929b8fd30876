"""Welfare fund (计划生育公益金) in the staff site, the family pages and the API; the record is
``casework.fund``."""
