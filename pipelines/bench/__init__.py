"""Benchmarks: `citybrain bench ...` print JSON with a figure and a ratio to a baseline."""
