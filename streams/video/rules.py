"""Per-category rules that make video detections trustworthy, with their defaults.

A detection counts toward its object's episode only at or above the
category's ``min_confidence``. An episode (one tracked object of one camera)
becomes an alert once it has been seen for ``persist_s`` seconds (first to
latest counted sighting) on at least ``min_samples`` sightings; it ends when
the object has not been seen for ``gap_s`` seconds (a later sighting opens a
new episode). Defaults (:data:`DEFAULT_RULES`):

| category | min_confidence | persist_s | min_samples | gap_s |
| --- | --- | --- | --- | --- |
| unlicensed_peddler (peddler in the ROI > N = 5 min) | 0.5 | 300 | 3 | 120 |
| illegal_parking (car in a no-parking ROI > M = 5 min) | 0.5 | 300 | 3 | 120 |
| out_of_store_business | 0.5 | 600 | 3 | 300 |
| lane_occupation | 0.5 | 600 | 3 | 300 |
| street_drying | 0.5 | 600 | 3 | 600 |
| illegal_small_ads | 0.6 | 120 | 3 | 600 |
| piled_materials (K = 3 samples over 30 min) | 0.5 | 1800 | 3 | 1800 |

Cross-camera suppression (:class:`Suppression`): a candidate alert from one
camera is dropped while an alert of the same category from another camera is
open within ``distance_m`` (default 50 m) or in the same H3 res-9 cell; an
alert stays open ``open_s`` (default 1800 s) after it opened; decisions are
remembered ``keep_s`` (default 86,400 s) after the latest candidate of the
place, for candidates that arrive late from other partitions and for
redeliveries. Permit checks
(:class:`PermitRadii`): an ad permit within ``ad_m`` (30 m) makes an ad
legal; a parking permit within ``parking_m`` (15 m) and inside its time
windows makes a parked car legal.

:func:`load_rules` reads overrides from a JSON file (``CITYBRAIN_VIDEO_RULES``)::

    {"rules": {"unlicensed_peddler": {"persist_s": 600}},
     "suppression": {"distance_m": 80}, "permits": {"ad_m": 20}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from citybrain.categories import VIDEO_CATEGORIES


@dataclass(frozen=True, slots=True)
class Rule:
    """Thresholds of one category (seconds, counts, confidence in [0, 1])."""

    min_confidence: float = 0.5
    persist_s: float = 300.0
    min_samples: int = 3
    gap_s: float = 120.0
    severity: str = "Moderate"


@dataclass(frozen=True, slots=True)
class Suppression:
    """When a candidate from another camera is the same problem as an open alert."""

    distance_m: float = 50.0
    same_cell: bool = True
    open_s: float = 1800.0
    keep_s: float = 86_400.0


@dataclass(frozen=True, slots=True)
class PermitRadii:
    """How close (metres) a permit must be to cover a detection."""

    ad_m: float = 30.0
    parking_m: float = 15.0


DEFAULT_RULES: dict[str, Rule] = {
    "unlicensed_peddler": Rule(0.5, 300.0, 3, 120.0),
    "illegal_parking": Rule(0.5, 300.0, 3, 120.0),
    "out_of_store_business": Rule(0.5, 600.0, 3, 300.0),
    "lane_occupation": Rule(0.5, 600.0, 3, 300.0),
    "street_drying": Rule(0.5, 600.0, 3, 600.0),
    "illegal_small_ads": Rule(0.6, 120.0, 3, 600.0),
    "piled_materials": Rule(0.5, 1800.0, 3, 1800.0),
}
assert set(DEFAULT_RULES) == set(VIDEO_CATEGORIES)


@dataclass(frozen=True)
class Config:
    """Everything the video rules are configured by."""

    rules: Mapping[str, Rule]
    suppression: Suppression = Suppression()
    permits: PermitRadii = PermitRadii()


def _merged(base: Any, changes: Mapping[str, Any], what: str) -> Any:
    known = {f.name: f.type for f in fields(base)}
    unknown = set(changes) - set(known)
    if unknown:
        raise ValueError(f"{what}: unknown keys {sorted(unknown)}; known: {sorted(known)}")
    return replace(base, **changes)


def config_from(doc: Mapping[str, Any] | None = None) -> Config:
    """A :class:`Config` of the defaults with ``doc``'s overrides (ValueError if unknown keys)."""
    doc = dict(doc or {})
    unknown = set(doc) - {"rules", "suppression", "permits"}
    if unknown:
        raise ValueError(f"video rules: unknown sections {sorted(unknown)}")
    rules = dict(DEFAULT_RULES)
    for category, changes in (doc.get("rules") or {}).items():
        if category not in rules:
            raise ValueError(f"video rules: unknown category {category!r}")
        rules[category] = _merged(rules[category], changes, f"rules.{category}")
    return Config(
        rules=rules,
        suppression=_merged(Suppression(), doc.get("suppression") or {}, "suppression"),
        permits=_merged(PermitRadii(), doc.get("permits") or {}, "permits"),
    )


def load_rules(path: Path | None) -> Config:
    """The configuration of ``path`` (JSON overrides), or the defaults when None."""
    if path is None:
        return config_from()
    return config_from(json.loads(path.read_text(encoding="utf-8")))
