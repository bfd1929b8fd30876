"""The record: areas, households, persons, membership, documents, cases, decisions,
entitlements, the audit log and access scopes."""
