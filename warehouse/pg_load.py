"""Copy the Parquet landing and the reference tables into PostgreSQL.

PostgreSQL cannot read Parquet, so on the ``postgres`` gateway ``landing.*``
and ``reference.*`` are tables (the DuckDB gateway has views over the files).
:func:`load_landing` creates one ``landing.<topic>`` table per landed topic,
typed like ``external_models.yaml``, and copies each hourly Parquet file into
it with ``COPY ... FROM STDIN`` once: the file's relative path is recorded in
``landing._loaded_files`` in the same transaction as its rows, so re-running
after a crash or after new files landed copies only the files not yet loaded.
Landing files are immutable (written atomically, never rewritten), which is
what makes the path a sufficient key. Rows landed twice in different files
are left to the staging models' deduplication by event id, as on DuckDB.

:func:`load_reference` replaces every ``reference.*`` table
(:func:`warehouse.reference.reference_tables`) from the workers' reference files in one
transaction, like the DuckDB gateway's ``before_all`` rewrites its Parquet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from warehouse.landing import landed_topics, topic_columns, view_name
from warehouse.postgres import PgConnection
from warehouse.reference import SCHEMAS, reference_tables

PG_TYPES = {
    "string": "TEXT",
    "timestamp": "TIMESTAMPTZ",
    "double": "DOUBLE PRECISION",
    "int": "INTEGER",
    "bigint": "BIGINT",
}
REFERENCE_PG_TYPES = {pa.string(): "TEXT", pa.float64(): "DOUBLE PRECISION", pa.int32(): "INTEGER"}
LOADED_FILES = "landing._loaded_files"


@dataclass
class LoadReport:
    """What one load did: files and rows copied per topic, files already loaded."""

    files: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    skipped_files: int = 0
    reference_rows: dict[str, int] = field(default_factory=dict)


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def table_name(topic: str) -> str:
    """``landing.gps_fixes`` for ``gps.fixes``, schema and table quoted."""
    schema, table = view_name(topic).split(".", 1)
    return f"{quote(schema)}.{quote(table)}"


def create_statements(topic: str) -> list[str]:
    """DDL that creates a topic's table, and adds columns a newer contract brought."""
    name = table_name(topic)
    columns = topic_columns(topic)
    body = ", ".join(f"{quote(c)} {PG_TYPES[kind]}" for c, kind in columns.items())
    return [f"CREATE TABLE IF NOT EXISTS {name} ({body})"] + [
        f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {quote(c)} {PG_TYPES[kind]}"
        for c, kind in columns.items()
    ]


def landing_files(root: Path, topic: str) -> list[Path]:
    """A topic's data files, oldest hour first (schema files and temporaries excluded)."""
    directory = Path(root) / topic
    if not directory.exists():
        return []
    return sorted(p for p in directory.glob("**/*.parquet") if not p.name.startswith(("_", ".")))


def csv_bytes(table: pa.Table) -> bytes:
    """A table as headerless CSV that PostgreSQL's COPY reads (empty unquoted = NULL)."""
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    return buffer.getvalue()


def copy_table(cur, name: str, table: pa.Table) -> None:
    """COPY an Arrow table into ``name`` (its columns, in its order)."""
    if table.num_rows == 0:
        return
    columns = ", ".join(quote(c) for c in table.column_names)
    cur.copy_expert(
        f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv)", io.BytesIO(csv_bytes(table))
    )


def load_landing(pg: PgConnection, landing_dir: Path) -> LoadReport:
    """Create the landing tables and copy every Parquet file not loaded before."""
    report = LoadReport()
    con = pg.connect()
    try:
        with con, con.cursor() as cur:
            cur.execute("CREATE SCHEMA IF NOT EXISTS landing")
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {LOADED_FILES} (topic TEXT NOT NULL,"
                " path TEXT NOT NULL, row_count BIGINT NOT NULL,"
                " loaded_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (topic, path))"
            )
            for topic in landed_topics():
                for statement in create_statements(topic):
                    cur.execute(statement)
        for topic in landed_topics():
            with con, con.cursor() as cur:
                cur.execute(f"SELECT path FROM {LOADED_FILES} WHERE topic = %s", (topic,))
                loaded = {row[0] for row in cur.fetchall()}
            known = topic_columns(topic)
            for path in landing_files(landing_dir, topic):
                relative = path.relative_to(landing_dir).as_posix()
                if relative in loaded:
                    report.skipped_files += 1
                    continue
                table = pq.read_table(path)
                table = table.select([c for c in table.column_names if c in known])
                with con, con.cursor() as cur:  # one transaction: rows and the record
                    copy_table(cur, table_name(topic), table)
                    cur.execute(
                        f"INSERT INTO {LOADED_FILES} (topic, path, row_count) VALUES (%s, %s, %s)",
                        (topic, relative, table.num_rows),
                    )
                report.files[topic] = report.files.get(topic, 0) + 1
                report.rows[topic] = report.rows.get(topic, 0) + table.num_rows
    finally:
        con.close()
    return report


def load_reference(pg: PgConnection, reference_dir: Path) -> dict[str, int]:
    """Replace the ``reference.*`` tables from the reference files; rows per table."""
    tables = reference_tables(reference_dir)
    con = pg.connect()
    try:
        with con, con.cursor() as cur:
            cur.execute("CREATE SCHEMA IF NOT EXISTS reference")
            for name, rows in tables.items():
                schema = SCHEMAS[name]
                target = f"reference.{quote(name)}"
                body = ", ".join(f"{quote(f.name)} {REFERENCE_PG_TYPES[f.type]}" for f in schema)
                cur.execute(f"CREATE TABLE IF NOT EXISTS {target} ({body})")
                cur.execute(f"TRUNCATE {target}")
                copy_table(cur, target, pa.Table.from_pylist(rows, schema=schema))
    finally:
        con.close()
    return {name: len(rows) for name, rows in tables.items()}


def load_all(pg: PgConnection, *, landing_dir: Path, reference_dir: Path) -> LoadReport:
    """Load the landing (new files only) and replace the reference tables."""
    report = load_landing(pg, landing_dir)
    report.reference_rows = load_reference(pg, reference_dir)
    return report
