"""The statistics report to the city association: its figures (``report``), its staff page,
Excel and PDF (``views``) and its API (``api``)."""
