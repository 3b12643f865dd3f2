"""Deterministic scenarios that can be replayed into Kafka."""

from __future__ import annotations

from collections.abc import Callable

from pipelines.scenarios.demo_county import Scenario
from pipelines.scenarios.demo_county import build as build_demo_county

SCENARIOS: dict[str, Callable[..., Scenario]] = {"demo-county": build_demo_county}
