"""Write a scenario's reference tables as CSV (UTF-8 with header), one file per table."""

from __future__ import annotations

import csv
from pathlib import Path

from pipelines.scenarios.demo_county import Scenario

TABLES = ("grids", "departments", "cameras", "vehicles", "stations", "permits", "zones", "places")


def export_reference(scenario: Scenario, out_dir: Path) -> list[Path]:
    """Write each reference table to ``out_dir/<table>.csv``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in TABLES:
        rows = getattr(scenario, table)
        path = out_dir / f"{table}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths
