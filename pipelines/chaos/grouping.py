"""How a run's case grouping differs from the clean run's: which signal opened a case, and why.

Case grouping is the one output a chaos run does not yet reproduce (see
:mod:`pipelines.chaos.lineage`): a signal joins whichever open case of its
place it meets first, and signals of one place reach the case engine by
several paths. This module says, per run, what differed, so the gap can be
measured while it is being closed (cases a patrol reported, with no signal,
are left out; ``signal_cases`` counts the others):

- ``other_opener``: cases with the same set of signals as a clean-run case
  but opened by another of them (the case id, ``reported_at``, anchor and
  deadlines follow the opener);
- ``opener_sources``: those cases counted by ``"<clean opener's source> →
  <run opener's source>"`` (``citizen``, ``video``, ``flood`` …);
- ``opener_gap_min``: how far apart in event time the two openers were
  observed, the largest and the median (minutes): how far the paths' arrival
  order strayed from event-time order;
- ``sets_only_in_clean`` / ``sets_only_in_run``: signal sets grouped
  differently altogether (a signal that opened a second case where the clean
  run joined it to the first, or the other way round).

Rows are those of :data:`pipelines.chaos.outputs.CASE_GROUPS_SQL`, as canonical
texts: ``case_id``, ``signal_ids`` (a JSON list, sorted), ``opened_by``,
``opener_source`` and ``opener_at`` (ISO UTC).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson

Opener = tuple[str | None, str | None, str | None]  # signal id, source, observed at


def openers(rows: Iterable[str]) -> dict[frozenset[str], Opener]:
    """``{signal set: (opener id, its source, its time)}`` of one run's case groups."""
    out = {}
    for text in rows:
        row = orjson.loads(text)
        signals = frozenset(orjson.loads(row["signal_ids"] or "[]"))
        out[signals] = (row["opened_by"], row["opener_source"], row["opener_at"])
    return out


def _minutes_apart(first: str | None, second: str | None) -> float | None:
    if first is None or second is None:
        return None
    a = datetime.fromisoformat(first.replace("Z", "+00:00"))
    b = datetime.fromisoformat(second.replace("Z", "+00:00"))
    return abs((b - a).total_seconds()) / 60


def grouping(clean: Iterable[str] | None, run: Iterable[str]) -> dict[str, Any] | None:
    """How ``run``'s case groups differ from ``clean``'s; None when the clean run has none.

    A reference written before case groups were extracted has none: nothing to
    compare with, rather than every case counted as different.
    """
    expected = openers(clean or [])
    if not expected:
        return None
    actual = openers(run)
    moved = [(expected[s], actual[s]) for s in expected.keys() & actual.keys()]
    moved = [(a, b) for a, b in moved if a[0] != b[0]]
    gaps = sorted(g for a, b in moved if (g := _minutes_apart(a[2], b[2])) is not None)
    return {
        "signal_cases": len(actual),
        "other_opener": len(moved),
        "opener_sources": dict(sorted(Counter(f"{a[1]} → {b[1]}" for a, b in moved).items())),
        "opener_gap_min": {
            "max": round(gaps[-1], 1) if gaps else None,
            "median": round(statistics.median(gaps), 1) if gaps else None,
        },
        "sets_only_in_clean": len(expected.keys() - actual.keys()),
        "sets_only_in_run": len(actual.keys() - expected.keys()),
    }
