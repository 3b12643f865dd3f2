"""``citybrain warehouse ...``: landing helpers for data engineers."""

from __future__ import annotations

from pathlib import Path

import typer
import yaml

from citybrain.settings import load
from pipelines.cli import app

warehouse_app = typer.Typer(
    help="The Parquet landing and the SQLMesh raw sources.", no_args_is_help=True
)
app.add_typer(warehouse_app, name="warehouse")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@warehouse_app.command("external-models")
def external_models_command() -> None:
    """Regenerate external_models.yaml (typed landing and reference views) from the contracts."""
    from warehouse.landing import external_models
    from warehouse.reference import external_models as reference_models

    path = PROJECT_ROOT / "external_models.yaml"
    models = external_models() + reference_models()
    path.write_text(yaml.safe_dump(models, allow_unicode=True, sort_keys=False))
    typer.echo(f"wrote {path}")


@warehouse_app.command("init")
def init() -> None:
    """Create the landing's empty typed schema files (so `sqlmesh plan` runs before any data)."""
    from warehouse.landing import ensure_schema_files

    settings = load()
    written = ensure_schema_files(settings.landing_dir)
    typer.echo(f"{len(written)} schema file(s) written under {settings.landing_dir}")
