"""Test doubles shared by tests that run real worker processes."""
