"""Income projects (少生快富项目): the records."""
