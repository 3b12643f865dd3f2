"""The demo county's reference tables, as ``citybrain.reference`` files."""

from __future__ import annotations

from pathlib import Path

from citybrain.reference import write_tables
from pipelines.scenarios.demo_county import Scenario


def export(scenario: Scenario, reference_dir: Path) -> list[Path]:
    """Write every reference table of the county (grids … roads, garbage bins); the paths."""
    return write_tables(
        reference_dir,
        {
            "grids": scenario.grids,
            "departments": scenario.departments,
            "cameras": scenario.cameras,
            "vehicles": scenario.vehicles,
            "stations": scenario.stations,
            "permits": scenario.permits,
            "zones": scenario.zones,
            "roads": scenario.roads,
            "garbage_bins": scenario.garbage_bins,
        },
    )
