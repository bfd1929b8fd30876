"""Dues collection campaigns in the API; the record is ``casework.duescampaigns``."""
