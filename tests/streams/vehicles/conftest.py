"""GeoLife trajectories (../shared/data/gps) as fixes, through the JT/T 808 encoder and parser."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from connectors.jt808.fixes import fix_row, validated
from connectors.jt808.messages import encode_location, parse_location
from streams.vehicles.tracks import Fix

GEOLIFE = Path(__file__).parents[4] / "shared" / "data" / "gps" / "geolife_small.csv"
if not GEOLIFE.exists():  # a worktree beside the main checkout
    GEOLIFE = Path("/work/shared/data/gps/geolife_small.csv")


def read_geolife() -> dict[str, list[dict]]:
    """Rows per trajectory in file order: lat, lng (WGS-84), fixed_at (UTC)."""
    out: dict[str, list[dict]] = defaultdict(list)
    with open(GEOLIFE, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            out[row["trajectory_id"]].append(
                {
                    "lat": float(row["Y"]),
                    "lng": float(row["X"]),
                    "fixed_at": datetime.fromisoformat(row["t"] + ":00"),
                }
            )
    return dict(out)


@pytest.fixture(scope="session")
def geolife_rows() -> dict[str, list[dict]]:
    """The raw GeoLife rows per trajectory id (5 trajectories, 5,908 fixes)."""
    return read_geolife()


@pytest.fixture(scope="session")
def geolife_fixes(geolife_rows) -> dict[str, list[Fix]]:
    """Each trajectory's fixes after a JT/T 808 round trip (0x0200 body) and the contract."""
    out = {}
    for trajectory, rows in geolife_rows.items():
        fixes = []
        for r in rows:
            body = encode_location(lat=r["lat"], lng=r["lng"], fixed_at=r["fixed_at"])
            row = validated(fix_row(phone="013300000001", location=parse_location(body)))
            fixes.append(
                Fix(
                    at_s=row["event_at"].timestamp(),
                    lat=row["lat"],
                    lng=row["lng"],
                    speed_kmh=row["speed_kmh"],
                )
            )
        out[trajectory] = fixes
    return out
