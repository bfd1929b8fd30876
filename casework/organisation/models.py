"""Organisation (协会组织): the records."""
