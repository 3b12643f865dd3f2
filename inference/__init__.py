"""DeepStream pipeline for GPU edge hosts (never imported in CI)."""
