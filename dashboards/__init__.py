"""Superset asset bundle and its import/export scripts (added by the Superset issue)."""
