"""What personal data is and how it is kept: resident identity numbers (``identity``),
mainland mobile numbers (``phones``), and both encrypted at rest with a keyed hash for exact
lookup (``crypto``)."""
