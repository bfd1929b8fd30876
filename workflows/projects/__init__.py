"""Income projects (少生快富项目) in the staff site, the family pages and the API; the record is
``casework.projects``."""
