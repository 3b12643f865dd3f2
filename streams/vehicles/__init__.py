"""Vehicle supervision: track cleaning, stay points, muck-truck corridors, alerts."""
