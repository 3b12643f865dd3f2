"""citybrain replay (being written)."""
