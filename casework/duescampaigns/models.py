"""Dues collection campaigns (会费收缴): the records."""
