"""The soak's bound and its verdict over a series of samples (pure).

Growth of a figure is the median of its last three samples minus the median
of its first three samples after the warm-up: a process or table that keeps
state per event grows with the messages sent, one whose state expires levels
off, and medians keep one garbage-collection spike from deciding either way.

The case tables are judged apart: they hold one entry per case (open cases
are work items, and ended ones stay until they are retired), so they may grow
with the cases opened, but by at most ``case_kib`` per case, never per alert
(per case known: in ``cases``, or retired to a tombstone in ``case_retired``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from statistics import median

EDGE_SAMPLES = 3


@dataclass(frozen=True)
class Sample:
    """Figures at ``t_s`` seconds into the soak."""

    t_s: float
    messages: int
    rss_mib: dict[str, float | None]
    lag: dict[str, int | None] = field(default_factory=dict)
    table_keys: dict[str, int] = field(default_factory=dict)
    table_bytes: dict[str, int] = field(default_factory=dict)
    case_counts: dict[str, int] = field(default_factory=dict)  # the engine's, see sample.py

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Bound:
    """What the soak allows after ``warmup_s``: RSS growth per process, table growth."""

    warmup_s: float = 300.0
    rss_growth_mib: dict[str, float] = field(
        default_factory=lambda: {"worker": 64.0, "sink": 64.0, "broker": 256.0}
    )
    table_growth_kib: float = 512.0
    case_tables: tuple[str, ...] = ("cases", "case_history", "case_dedup", "case_retired")
    case_kib: float = 8.0


@dataclass(frozen=True)
class Verdict:
    """Whether the series kept the bound, with the measured growth of each figure."""

    ok: bool
    rss_growth_mib: dict[str, float]
    table_growth_kib: dict[str, float]
    case_kib: dict[str, float]
    broken: list[str]

    def to_json(self) -> dict:
        return asdict(self)


def growth(values: list[float]) -> float:
    """Median of the last few values minus the median of the first few."""
    if len(values) < 2:
        return 0.0
    edge = max(1, min(EDGE_SAMPLES, len(values) // 2))
    return median(values[-edge:]) - median(values[:edge])


def judge(samples: list[Sample], bound: Bound) -> Verdict:
    """Judge the samples taken at or after the warm-up against ``bound``."""
    steady = [s for s in samples if s.t_s >= bound.warmup_s]
    broken = []
    if len(steady) < 2:
        broken.append(
            f"only {len(steady)} sample(s) after the {bound.warmup_s:g}s warm-up: "
            "run longer or sample more often"
        )
    rss = {}
    for name, limit in sorted(bound.rss_growth_mib.items()):
        series = [s.rss_mib.get(name) for s in steady]
        if any(v is None for v in series):
            broken.append(f"{name} was not running at every sample")
            continue
        rss[name] = round(growth(series), 1)
        if rss[name] > limit:
            broken.append(f"{name} RSS grew {rss[name]:.1f} MiB after warm-up (bound {limit:g})")
    tables, per_case = {}, {}
    names = sorted({t for s in steady for t in s.table_bytes})
    last = steady[-1] if steady else None
    for name in names:
        series = [s.table_bytes.get(name, 0) / 1024 for s in steady]
        tables[name] = round(growth(series), 1)
        if name in bound.case_tables:
            known = last.table_keys.get("cases", 0) + last.table_keys.get("case_retired", 0)
            cases = max(known, 1)  # open, ended and retired (a tombstone each)
            per_case[name] = round(last.table_bytes.get(name, 0) / 1024 / cases, 2)
            if per_case[name] > bound.case_kib:
                broken.append(
                    f"table {name} holds {per_case[name]:.2f} KiB per case "
                    f"(bound {bound.case_kib:g})"
                )
        elif tables[name] > bound.table_growth_kib:
            broken.append(
                f"table {name} grew {tables[name]:.1f} KiB after warm-up "
                f"(bound {bound.table_growth_kib:g})"
            )
    return Verdict(not broken, rss, tables, per_case, broken)
