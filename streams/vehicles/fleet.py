"""The fleet's rules over plain rows: which rules each fix is judged on, and a whole replay.

:class:`Fleet` holds the reference vehicles and the permit corridor index;
:meth:`Fleet.judge` gives each ``gps.fixes`` row of a batch its rule outcomes
(muck trucks only, one vectorised corridor check per batch) and
:meth:`Fleet.replay` runs rows through :func:`streams.vehicles.episodes.step`
without Kafka, as the agent does — for tests, backfills and the benchmark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from streams.vehicles import compliance, episodes
from streams.vehicles.corridors import CorridorIndex, corridors_of_permits, unusable_permits
from streams.vehicles.envelope import envelope

MUCK_TRUCK = "muck_truck"
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
        self, *, vehicles: Sequence[Mapping[str, Any]], permits: Sequence[Mapping[str, Any]]
    ) -> None:
        self.vehicles = {str(v["vehicle_id"]): dict(v) for v in vehicles}
        self.index = CorridorIndex(corridors_of_permits(permits))
        self.unusable_permits = unusable_permits(permits)  # reasons, for the operator

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
        """Rule outcomes of each row of known vehicles: muck trucks are judged, others not."""
        muck = [
            i
            for i, r in enumerate(rows)
            if self.vehicles[r["vehicle_id"]].get("vehicle_type") == MUCK_TRUCK
        ]
        out: list[Rules | None] = [None] * len(rows)
        if not muck:
            return out
        picked = [rows[i] for i in muck]
        broken = compliance.check(
            self.index,
            plates=[self.plate(r["vehicle_id"]) for r in picked],
            at_s=np.array([r["event_at"].timestamp() for r in picked]),
            lat=np.array([r["lat"] for r in picked]),
            lng=np.array([r["lng"] for r in picked]),
            speed_kmh=np.array([r["speed_kmh"] for r in picked]),
        )
        for i, r, b in zip(muck, picked, broken, strict=True):
            out[i] = rules_of(b, moving=r["speed_kmh"] >= compliance.MOVING_KMH)
        return out

    def alert(self, opened: Mapping[str, Any], vehicle_id: str) -> dict[str, Any]:
        """The ``alerts`` document of an episode opened by a vehicle's fix."""
        return envelope(
            opened, vehicle=self.vehicles[vehicle_id], permits=self.permits_of(vehicle_id)
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
                stepped = episodes.step(values.get(key), row, compliance=rules)
                values[key] = stepped.value
                counts[stepped.verdict] += 1
                alerts += [self.alert(opened, key) for opened in stepped.opened]
        return values, alerts, dict(counts)
