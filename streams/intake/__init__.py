"""Intake: validate source messages and dead-letter those that fail their contract."""
