"""SQLMesh project configuration (the project root is the repository root).

The DuckDB gateway is the default; its file is ``CITYBRAIN_WAREHOUSE_PATH``.
Raw sources are the Parquet landing (``CITYBRAIN_LANDING_DIR``), exposed as
``landing.*`` views that ``before_all`` creates on every plan and run, and
declared with their types in ``external_models.yaml`` (generated from the
source contracts by ``citybrain warehouse external-models``). County reference
tables (``CITYBRAIN_REFERENCE_DIR``) become ``reference.*`` views the same way
(:mod:`warehouse.reference`), over Parquet written beside the warehouse file.

The ``postgres`` gateway runs the same models on a PostgreSQL server named by
``CITYBRAIN_PG_HOST``/``_PORT``/``_DATABASE``/``_USER``/``_PASSWORD`` (no
password by default). PostgreSQL cannot read Parquet: there ``landing.*`` and
``reference.*`` are tables that ``citybrain warehouse load-postgres`` fills
(:mod:`warehouse.pg_load`), so the DuckDB view statements run only on the
``duckdb`` gateway. The gateway variable ``sql_engine`` picks the spelling of
the few expressions the engines write differently (``macros/dialect.py``).
``CITYBRAIN_SQLMESH_CACHE_DIR`` moves SQLMesh's cache out of the project's
``.cache`` (``make test`` gives each of its two pytest processes its own).
Unit tests run on the same server (``sqlmesh --gateway postgres test``), each
in its own temporary schema.
"""

import os

from sqlmesh.core.config import (
    Config,
    DuckDBConnectionConfig,
    GatewayConfig,
    ModelDefaultsConfig,
    PostgresConnectionConfig,
)

from citybrain.settings import load
from warehouse import reference
from warehouse.landing import ensure_schema_files, view_statements

settings = load()
settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
ensure_schema_files(settings.landing_dir)

postgres = PostgresConnectionConfig(
    host=os.environ.get("CITYBRAIN_PG_HOST", "127.0.0.1"),
    port=int(os.environ.get("CITYBRAIN_PG_PORT", "5432")),
    database=os.environ.get("CITYBRAIN_PG_DATABASE", "citybrain"),
    user=os.environ.get("CITYBRAIN_PG_USER", "citybrain"),
    password=os.environ.get("CITYBRAIN_PG_PASSWORD", ""),
    application_name="citybrain-sqlmesh",
)


def duckdb_only(statement: str) -> str:
    """A before_all statement that runs on the duckdb gateway and is skipped elsewhere."""
    return f"@IF(@gateway = 'duckdb', {statement})"


config = Config(
    gateways={
        "duckdb": GatewayConfig(
            connection=DuckDBConnectionConfig(database=str(settings.warehouse_path)),
            variables={"sql_engine": "duckdb"},
        ),
        "postgres": GatewayConfig(
            connection=postgres, test_connection=postgres, variables={"sql_engine": "postgres"}
        ),
    },
    default_gateway="duckdb",
    # the project's .cache unless set: two sqlmesh processes at once (make test) need their own
    cache_dir=os.environ.get("CITYBRAIN_SQLMESH_CACHE_DIR") or None,
    model_defaults=ModelDefaultsConfig(dialect="duckdb", start="2026-07-01", cron="@hourly"),
    before_all=[
        duckdb_only(statement)
        for statement in view_statements(settings.landing_dir)
        + reference.view_statements(
            settings.reference_path, settings.warehouse_path.parent / "reference_parquet"
        )
    ],
)
