"""Audit log: who read personal data and who changed the registry (append-only, admins read it)."""
