"""Landing layout, sink writers, and publishing the read-only warehouse copy."""
