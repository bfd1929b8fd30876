"""Health checks (健康体检) in the staff site, the family pages and the API; the record is
``casework.healthchecks``."""
