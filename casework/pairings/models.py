"""Assistance pairings (帮扶结对): the records."""
