"""The video rules over plain rows, shared by the agents, the bench and offline replay.

:class:`VideoRules` holds the configuration (:mod:`streams.video.rules`), the
camera registry and the permit checks. The flow, in two keyed stages:

1. per camera (:mod:`streams.video.episodes`): detections step the camera's
   tracked objects; an episode that becomes due is judged by
   :meth:`VideoRules.candidate`: a parked car seen by a camera whose registry
   row says ``no_parking: false`` is legal (``not_no_parking_view``), then the
   permit checks (:mod:`streams.video.permits`) make it legal or give its level;
2. per place (:mod:`streams.video.places`): a candidate alert is dropped when
   another camera's alert of the category is open at the same place.

:meth:`VideoRules.replay` runs both stages without Kafka, in event order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from streams.video import episodes, places
from streams.video.envelope import envelope
from streams.video.permits import LEGAL, PermitChecks
from streams.video.rules import Config, config_from


class VideoRules:
    """Configuration, cameras by id and permits: what judges a due episode."""

    def __init__(
        self,
        *,
        cameras: Sequence[Mapping[str, Any]] = (),
        permits: Sequence[Mapping[str, Any]] = (),
        config: Config | None = None,
    ) -> None:
        self.config = config or config_from()
        self.cameras = {str(c["camera_id"]): dict(c) for c in cameras}
        self.permits = PermitChecks(permits, radii=self.config.permits)

    def candidate(self, due: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """(candidate alert or None when legal, the level or the reason it is legal)."""
        category = due["category"]
        camera = self.cameras.get(due["camera_id"], {})
        if category == "illegal_parking" and camera.get("no_parking") is False:
            return None, "not_no_parking_view"
        verdict, level, permit_ids = self.permits.check(
            category, lat=due["lat"], lng=due["lng"], at_s=due["first_s"]
        )
        if verdict == LEGAL:
            return None, level
        rule = self.config.rules[category]
        return {
            **due,
            "level": level,
            "permits": permit_ids,
            "severity": rule.severity,
            "camera_name": camera.get("name", ""),
            "rule": {
                "min_confidence": rule.min_confidence,
                "persist_s": rule.persist_s,
                "min_samples": rule.min_samples,
                "gap_s": rule.gap_s,
            },
        }, level

    def judge(
        self, value: Mapping[str, Any] | None, rows: Iterable[Mapping[str, Any]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, int]]:
        """Stage 1 for one camera: (new value, candidates, counts)."""
        new, due, counts = episodes.step(value, rows, rules=self.config.rules)
        candidates = []
        for episode in due:
            candidate, level = self.candidate(episode)
            if candidate is None:
                counts[f"legal_{level}"] = counts.get(f"legal_{level}", 0) + 1
            else:
                candidates.append(candidate)
        return new, candidates, counts

    def place(
        self, value: Mapping[str, Any] | None, candidate: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
        """Stage 2 for one candidate: (new place value, alert document or None, outcome)."""
        new, outcome, _ = places.decide(value, candidate, policy=self.config.suppression)
        return new, (envelope(candidate) if outcome == places.ALERT else None), outcome

    def replay(
        self, rows: Iterable[Mapping[str, Any]], *, batch: int = 5_000
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """(alert documents, counts) of detection rows in arrival order, batch by batch."""
        cameras: dict[str, dict] = {}
        place_values: dict[str, dict] = {}
        alerts: list[dict[str, Any]] = []
        counts: dict[str, int] = defaultdict(int)
        rows = list(rows)
        for start in range(0, len(rows), batch):
            by_camera: dict[str, list] = defaultdict(list)
            for row in rows[start : start + batch]:
                by_camera[row["camera_id"]].append(row)
            candidates = []
            for camera_id, camera_rows in by_camera.items():
                cameras[camera_id], found, stepped = self.judge(cameras.get(camera_id), camera_rows)
                candidates += found
                for k, v in stepped.items():
                    counts[k] += v
            for candidate in sorted(candidates, key=lambda c: (c["due_s"], c["alert_id"])):
                key = places.place_key(
                    category=candidate["category"], lat=candidate["lat"], lng=candidate["lng"]
                )
                place_values[key], alert, outcome = self.place(place_values.get(key), candidate)
                counts[outcome] += 1
                if alert is not None:
                    alerts.append(alert)
        return alerts, dict(counts)
