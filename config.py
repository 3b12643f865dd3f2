"""SQLMesh project configuration (the project root is the repository root).

The DuckDB gateway is the default; its file is ``CITYBRAIN_WAREHOUSE_PATH``.
Raw sources are the Parquet landing (``CITYBRAIN_LANDING_DIR``), exposed as
``landing.*`` views that ``before_all`` creates on every plan and run, and
declared with their types in ``external_models.yaml`` (generated from the
source contracts by ``citybrain warehouse external-models``). County reference
tables (``CITYBRAIN_REFERENCE_DIR``) become ``reference.*`` views the same way
(:mod:`warehouse.reference`), over Parquet written beside the warehouse file.
"""

from sqlmesh.core.config import (
    Config,
    DuckDBConnectionConfig,
    GatewayConfig,
    ModelDefaultsConfig,
)

from citybrain.settings import load
from warehouse import reference
from warehouse.landing import ensure_schema_files, view_statements

settings = load()
settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
ensure_schema_files(settings.landing_dir)

config = Config(
    gateways={
        "duckdb": GatewayConfig(
            connection=DuckDBConnectionConfig(database=str(settings.warehouse_path)),
        ),
    },
    default_gateway="duckdb",
    model_defaults=ModelDefaultsConfig(dialect="duckdb", start="2026-07-01", cron="@hourly"),
    before_all=view_statements(settings.landing_dir)
    + reference.view_statements(
        settings.reference_path, settings.warehouse_path.parent / "reference_parquet"
    ),
)
