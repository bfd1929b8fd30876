"""Welfare fund (计划生育公益金): the records."""
