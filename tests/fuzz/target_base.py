"""What every fuzz target family shares: the :class:`Target` record, the check and constants.

No imports of the families (``targets_frames``, ``targets_records``, ``targets_http``);
they import from here.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures"
COUNTY = (30.2, 120.1, 30.3, 120.2)
LOADED_AT = datetime(2025, 7, 15, 4, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    """A function of bytes that accepts or refuses with ``rejects`` (never anything else)."""

    name: str
    run: Callable[[bytes], Any]
    rejects: tuple[type[BaseException], ...] = ()
    seeds: tuple[bytes, ...] = field(default=())


def reason_of(exc: BaseException) -> str:
    """The human reason a rejection error carries."""
    for attr in ("reason", "message", "description"):
        if isinstance(text := getattr(exc, attr, None), str):
            return text
    return str(exc)


def check(target: Target, data: bytes) -> None:
    """Run one input; a refusal must carry a reason, anything else propagates (a crash)."""
    try:
        target.run(data)
    except target.rejects as exc:
        if not reason_of(exc):
            raise AssertionError(f"{target.name}: {type(exc).__name__} without a reason") from exc


def query_of(data: bytes) -> dict[str, str]:
    """A query string's bytes as the single-valued dict our query decoders take."""
    return dict(urllib.parse.parse_qsl(data.decode("latin-1"), keep_blank_values=True))
