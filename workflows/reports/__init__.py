"""Reports for township and district staff: the numbers (``report``), their pages and Excel
export (``views``) and charts (``charts``)."""
