"""Family-facing, phone-friendly pages."""
