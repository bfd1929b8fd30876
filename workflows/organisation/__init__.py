"""Organisation (协会组织) in the staff site, the family pages and the API; the record is
``casework.organisation``."""
