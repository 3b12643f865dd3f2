"""Which warehouse tables are built from the case engine's events (read from the model files).

A chaos run reports case grouping apart from everything else (see
:mod:`pipelines.chaos.outputs`): which open case a signal joins depends on the
order signals of one place reach the engine from several partitions, so the
tables built from ``landing.cases_events`` can differ from the clean run's
while nothing was lost. This module finds those tables from the SQLMesh
model files themselves, so a new model reading the case tables is counted
without anyone remembering to list it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
CASE_EVENTS = "landing.cases_events"
_NAME = re.compile(r"(?:\bname\s+|[\"'])((?:staging|intermediate|marts)\.[a-z0-9_]+)")


def model_sources(models_dir: Path = MODELS_DIR) -> dict[str, str]:
    """``{schema.model: text}`` of every SQL and Python model (its name from its MODEL block)."""
    out = {}
    for path in sorted(models_dir.rglob("*")):
        if path.suffix not in (".sql", ".py") or path.name.startswith("_"):
            continue
        text = path.read_text()
        match = _NAME.search(text)
        if match:
            out[match.group(1)] = text
    return out


def dependents(roots: Iterable[str], sources: dict[str, str]) -> set[str]:
    """Every model reading one of ``roots`` or, in turn, one of those models (transitively)."""
    found: set[str] = set()
    frontier = set(roots)
    while frontier:
        new = {
            name
            for name, text in sources.items()
            if name not in found
            and any(
                re.search(rf"\b{re.escape(r)}\b", _without_own_name(text, name)) for r in frontier
            )
        }
        found |= new
        frontier = new
    return found


def _without_own_name(text: str, name: str) -> str:
    return text.replace(name, "")


@cache  # the model files do not change during a series: read them once, not once per run
def case_tables(models_dir: Path = MODELS_DIR) -> frozenset[str]:
    """``landing.cases_events`` and every model built from it."""
    return frozenset({CASE_EVENTS, *dependents([CASE_EVENTS], model_sources(models_dir))})
