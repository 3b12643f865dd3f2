"""Writing one batch's retirement into the case tables (:mod:`streams.cases.retirement` decides).

Call inside the event context of the batch's last record on the partition, so
every write lands on that partition's changelog with the rest of the batch.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from streams.cases.retirement import Due, Retirement, tombstone


def apply_retirement(
    due: Due,
    retirement: Retirement,
    *,
    cases: MutableMapping[str, Any],
    history: MutableMapping[str, Any],
    retired: MutableMapping[str, Any],
    stats: MutableMapping[str, int],
) -> None:
    """Tombstone the cases ``due`` retires, forget the tombstones it forgets, write the record."""
    for case_id in due.retire:
        case = cases.get(case_id)
        if case is not None:
            retired[case_id] = tombstone(case, retired_at=retirement.record["newest_at"])
            del cases[case_id]
            stats["cases_retired"] += 1
        if history.get(case_id) is not None:
            del history[case_id]
    for case_id in due.forget:
        if retired.get(case_id) is not None:
            del retired[case_id]
            stats["retired_cases_forgotten"] += 1
    for key, value in retirement.writes().items():
        if value is not None:
            retired[key] = value
        elif retired.get(key) is not None:
            del retired[key]
