"""The fleet's rules over plain rows: which rules each fix is judged on, and a whole replay.

:class:`Fleet` holds the reference vehicles, the permit corridor index, the
forbidden zones and the sweeping limit; :meth:`Fleet.judge` gives each
``gps.fixes`` row of a batch its rule outcomes, one vectorised check per
rule family per batch:

- muck trucks: ``no_permit`` → ``outside_window`` → ``off_route`` (the first
  broken; moving fixes only, :mod:`streams.vehicles.compliance`), and
  independently ``forbidden_zone`` (inside a zone forbidden to muck trucks
  at that local time, moving or not; :mod:`streams.vehicles.zones`);
- sanitation vehicles: ``sweep_speeding`` (:mod:`streams.vehicles.sweeping`),
  alerting once sustained for ``sweep_over_s``;
- other vehicles: no rules.

:meth:`Fleet.replay` runs rows through :func:`streams.vehicles.episodes.step`
without Kafka, as the agent does — for tests, backfills and the benchmark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from streams.vehicles import compliance, episodes, sweeping
from streams.vehicles.corridors import CorridorIndex, corridors_of_permits, unusable_permits
from streams.vehicles.envelope import envelope
from streams.vehicles.zones import ZoneIndex, unusable_zones, zones_of_rows

MUCK_TRUCK = "muck_truck"
FORBIDDEN_ZONE = "forbidden_zone"
Rules = dict[str, str | None]


def rules_of(broken: str | None, *, moving: bool) -> Rules:
    """Each rule's outcome for a fix: kept (None), broken, or not judged."""
    if not moving:
        return dict.fromkeys(compliance.KINDS, episodes.UNJUDGED)
    out: Rules = {}
    judged = True
    for kind in compliance.KINDS:
        out[kind] = (kind if kind == broken else None) if judged else episodes.UNJUDGED
        judged = judged and kind != broken
    return out


class Fleet:
    """Reference vehicles by id and the corridors of their permits."""

    def __init__(
        self,
        *,
        vehicles: Sequence[Mapping[str, Any]],
        permits: Sequence[Mapping[str, Any]],
        zones: Sequence[Mapping[str, Any]] = (),
        sweep_max_kmh: float = sweeping.SWEEP_MAX_KMH,
        sweep_over_s: float = sweeping.SWEEP_OVER_S,
    ) -> None:
        self.vehicles = {str(v["vehicle_id"]): dict(v) for v in vehicles}
        self.index = CorridorIndex(corridors_of_permits(permits))
        self.zones = ZoneIndex(zones_of_rows(zones))
        self.sweep_max_kmh = sweep_max_kmh
        self.sustain_s = {sweeping.SWEEP_SPEEDING: sweep_over_s}
        # reasons, for the operator
        self.unusable_permits = unusable_permits(permits) + unusable_zones(zones)

    def vehicle_type(self, vehicle_id: str) -> str:
        """The reference type of a known vehicle ('' when it has none)."""
        return str(self.vehicles[vehicle_id].get("vehicle_type") or "")

    def plate(self, vehicle_id: str) -> str:
        """The plate of a vehicle ('' when it has none)."""
        return str(self.vehicles[vehicle_id].get("plate") or "")

    def permits_of(self, vehicle_id: str) -> list[dict[str, Any]]:
        """The permits covering a vehicle's plate (an alert's evidence)."""
        corridors = self.index.corridors
        return [
            {"permit_id": c.permit_id, "holder": c.holder, "windows": c.windows_min}
            for c in (corridors[i] for i in self.index.by_plate.get(self.plate(vehicle_id), []))
        ]

    def judge(self, rows: Sequence[Mapping[str, Any]]) -> list[Rules | None]:
        """Rule outcomes of each row of known vehicles (None: the vehicle has no rules)."""
        out: list[Rules | None] = [None] * len(rows)
        types = [self.vehicle_type(r["vehicle_id"]) for r in rows]
        muck = [i for i, t in enumerate(types) if t == MUCK_TRUCK]
        if muck:
            for i, rules in zip(muck, self._judge_muck([rows[i] for i in muck]), strict=True):
                out[i] = rules
        swept = [i for i, t in enumerate(types) if t == sweeping.SANITATION]
        if swept:
            fast = sweeping.speeding(
                status_flags=np.array([rows[i].get("status_flags", 0) for i in swept]),
                speed_kmh=np.array([rows[i]["speed_kmh"] for i in swept]),
                max_kmh=self.sweep_max_kmh,
            )
            for i, broken in zip(swept, fast.tolist(), strict=True):
                out[i] = {sweeping.SWEEP_SPEEDING: sweeping.SWEEP_SPEEDING if broken else None}
        return out

    def _judge_muck(self, picked: Sequence[Mapping[str, Any]]) -> list[Rules]:
        at_s = np.array([r["event_at"].timestamp() for r in picked])
        lat = np.array([r["lat"] for r in picked])
        lng = np.array([r["lng"] for r in picked])
        broken = compliance.check(
            self.index,
            plates=[self.plate(r["vehicle_id"]) for r in picked],
            at_s=at_s,
            lat=lat,
            lng=lng,
            speed_kmh=np.array([r["speed_kmh"] for r in picked]),
        )
        inside = self.zones.breaking(
            vehicle_types=[MUCK_TRUCK] * len(picked), at_s=at_s, lat=lat, lng=lng
        )
        return [
            {
                **rules_of(b, moving=r["speed_kmh"] >= compliance.MOVING_KMH),
                FORBIDDEN_ZONE: FORBIDDEN_ZONE if z else None,
            }
            for r, b, z in zip(picked, broken, inside.tolist(), strict=True)
        ]

    def alert(self, opened: Mapping[str, Any], vehicle_id: str) -> dict[str, Any]:
        """The ``alerts`` document of an episode opened by a vehicle's fix."""
        extra: dict[str, Any] = {}
        if opened["kind"] == FORBIDDEN_ZONE:
            fix = opened["fix"]
            zones = self.zones.zones_at(
                vehicle_type=self.vehicle_type(vehicle_id),
                at_s=fix["at_s"],
                lat=fix["lat"],
                lng=fix["lng"],
            )
            extra["zones"] = [{"zone_id": z.zone_id, "kind": z.kind, "name": z.name} for z in zones]
        elif opened["kind"] == sweeping.SWEEP_SPEEDING:
            extra["limit"] = {
                "max_kmh": self.sweep_max_kmh,
                "over_s": self.sustain_s[sweeping.SWEEP_SPEEDING],
            }
        return envelope(
            opened,
            vehicle=self.vehicles[vehicle_id],
            permits=self.permits_of(vehicle_id),
            extra=extra,
        )

    def replay(
        self, rows: Iterable[Mapping[str, Any]], *, batch: int = 5_000
    ) -> tuple[dict[str, dict], list[dict], dict[str, int]]:
        """(value per vehicle, alert documents, verdict counts) of rows in arrival order."""
        values: dict[str, dict] = {}
        alerts: list[dict] = []
        counts: dict[str, int] = defaultdict(int)
        known = [r for r in rows if r["vehicle_id"] in self.vehicles]
        for start in range(0, len(known), batch):
            chunk = known[start : start + batch]
            for row, rules in zip(chunk, self.judge(chunk), strict=True):
                key = row["vehicle_id"]
                stepped = episodes.step(
                    values.get(key), row, compliance=rules, sustain_s=self.sustain_s
                )
                values[key] = stepped.value
                counts[stepped.verdict] += 1
                alerts += [self.alert(opened, key) for opened in stepped.opened]
        return values, alerts, dict(counts)
