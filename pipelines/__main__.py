"""``python -m pipelines`` runs the citybrain command line."""

from pipelines.cli import app

app()
