"""Health checks (健康体检): the records."""
