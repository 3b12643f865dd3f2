"""Geography helpers: WGS-84 lat/lng by keyword, named H3 resolutions.

All coordinates here are WGS-84 (EPSG:4326). GCJ-02 conversion happens only at
display edges, never in this module.
"""

from __future__ import annotations

import math

import h3
import polars as pl
import polars_h3

H3_RES_INCIDENT = 9  # ~0.1 km² cells for incidents and hotspots
H3_RES_DISTRICT = 8  # rollup; also the Kafka key of located source records
H3_RES_AREA = 7  # rollup

EARTH_RADIUS_M = 6_371_008.8


def latlng_to_cell(*, lat: float, lng: float, res: int = H3_RES_INCIDENT) -> str:
    """H3 cell (hex string) containing a WGS-84 point at resolution ``res``."""
    return h3.latlng_to_cell(lat, lng, res)


def partition_key(*, lat: float, lng: float) -> bytes:
    """Kafka message key for a located record: its H3 resolution-8 cell.

    Keying by area keeps one place's records on one partition, which keeps
    per-place state local to one worker.
    """
    return h3.latlng_to_cell(lat, lng, H3_RES_DISTRICT).encode()


def is_valid_wgs84(*, lat: float, lng: float) -> bool:
    """True when lat is in [-90, 90] and lng in [-180, 180] and both are finite."""
    return (
        math.isfinite(lat)
        and math.isfinite(lng)
        and -90.0 <= lat <= 90.0
        and -180.0 <= lng <= 180.0
    )


def haversine_m(*, lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def cell_column(
    *, lat_col: str = "lat", lng_col: str = "lng", res: int = H3_RES_INCIDENT, alias: str = "cell"
) -> pl.Expr:
    """Vectorised H3 indexing of two Polars columns into hex cell strings.

    polars-h3 agrees with h3-py cell for cell and is ~4x faster than a loop.
    """
    return polars_h3.latlng_to_cell(lat_col, lng_col, res, return_dtype=pl.Utf8).alias(alias)
