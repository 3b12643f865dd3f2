"""The stations the flood domain watches: position, hazards and thresholds.

A station's config is plain data, built once from the station registry (the
demo county's ``stations`` table or a city's own list) and handed to the pure
functions; nothing here reads files or the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streams.flood.levels import (
    HAZARDS,
    RAINSTORM,
    RIVER,
    WATERLOGGING,
    DepthThresholds,
    RainThresholds,
    Rule,
    WaterLevelThresholds,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StationConfig:
    """One station: where it is, what it watches, and its thresholds.

    Keyword-only. ``area_radius_km`` (default 1 km) is the CAP circle around
    the station; ``polygon`` (``((lat, lng), ...)``, WGS-84) is optional.
    ``silence_s`` (default 1200 s) says when a station that stopped reporting
    is silent.
    """

    station_id: str
    name: str
    lat: float
    lng: float
    rain: RainThresholds | None = None
    water_level: WaterLevelThresholds | None = None
    waterlogging: DepthThresholds | None = None
    area_radius_km: float = 1.0
    polygon: tuple[tuple[float, float], ...] = ()
    silence_s: int = 1200

    def rules(self, hazard: str) -> tuple[Rule, ...]:
        """The station's rules for one hazard; () when it does not watch it."""
        thresholds = {
            RAINSTORM: self.rain,
            RIVER: self.water_level,
            WATERLOGGING: self.waterlogging,
        }
        chosen = thresholds[hazard]
        return () if chosen is None else chosen.rules()

    @property
    def hazards(self) -> tuple[str, ...]:
        """The hazards this station has thresholds for."""
        return tuple(h for h in HAZARDS if self.rules(h))


AREA_RADIUS_KM = {"rain": 5.0, "water_level": 2.0, "waterlogging": 0.3}


def station_config(row: Mapping[str, Any]) -> StationConfig:
    """Config from a station registry row, with the kind's default thresholds.

    The row has ``station_id``, ``name``, ``kind`` (rain / water_level /
    waterlogging), ``lat``, ``lng`` and, for water_level stations,
    ``warning_level_m`` and ``guaranteed_level_m`` (optionally
    ``highest_level_m``): the demo county's ``stations`` table.
    """
    kind = row["kind"]
    water = None
    if kind == "water_level":
        water = WaterLevelThresholds(
            warning_level_m=float(row["warning_level_m"]),
            guaranteed_level_m=float(row["guaranteed_level_m"]),
            highest_level_m=row.get("highest_level_m"),
        )
    return StationConfig(
        station_id=row["station_id"],
        name=row["name"],
        lat=float(row["lat"]),
        lng=float(row["lng"]),
        rain=RainThresholds() if kind == "rain" else None,
        water_level=water,
        waterlogging=DepthThresholds() if kind == "waterlogging" else None,
        area_radius_km=AREA_RADIUS_KM.get(kind, 1.0),
    )
