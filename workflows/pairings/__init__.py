"""Assistance pairings (帮扶结对) in the staff site, the family pages and the API; the record is
``casework.pairings``."""
