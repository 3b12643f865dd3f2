"""Warning levels blue / yellow / orange / red from a station's current values.

Thresholds are per-station frozen dataclasses with stated defaults; each turns
into :class:`Rule` rows ``(level, measure, threshold, clear margin)``. A level
is reached when its measure is at or above the threshold. The *hold* level uses
thresholds lowered by the clear margin: the alert lifecycle drops a level only
when the hold level is below it (hysteresis).

Sources (see ``shared/reference/protocols.md`` §3.3, §3.4):

- Rainstorm: China Meteorological Administration rainstorm warning signal
  (暴雨预警信号, annex to CMA Order No. 16, 2007): blue ≥ 50 mm in 12 h, yellow
  ≥ 50 mm in 6 h, orange ≥ 50 mm in 3 h, red ≥ 100 mm in 3 h. The signal also
  covers rain *expected* within those hours; observed totals are judged here
  and expected ones by :mod:`streams.flood.nowcast`.
- River / reservoir water level: the Ministry of Water Resources flood warning
  signal (水情预警信号, 洪水 blue/yellow/orange/red; secondary source
  kntsc.com 2014, not in the reference file): blue when the level approaches
  the warning level (警戒水位; "approaching" is ours: within ``approach_m``),
  yellow at the warning level, orange at the guaranteed level (保证水位), red at
  the highest level on record (none unless configured).
- Underpass waterlogging depth (local practice, not national): Beijing traffic
  police gauge marks, yellow at 20 cm (drive slowly) and red at 27 cm (road
  closed); blue and orange unset by default (GB 50014's 15 cm is unverified).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

EPSILON = 1e-6  # values are compared with this slack so 4.2 - 0.3 still reaches 3.9

RAINSTORM, RIVER, WATERLOGGING = "rainstorm", "water_level", "waterlogging"
HAZARDS = (RAINSTORM, RIVER, WATERLOGGING)


class Level(IntEnum):
    """Warning colours, ordered (一般 / 较重 / 严重 / 特别严重)."""

    NONE = 0
    BLUE = 1
    YELLOW = 2
    ORANGE = 3
    RED = 4

    @property
    def label(self) -> str:
        """Lower-case colour name used in messages ("none", "blue", ...)."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Rule:
    """A level is reached when ``measure`` ≥ ``threshold``; held down to ``threshold - clear``."""

    level: Level
    measure: str
    threshold: float
    clear: float


@dataclass(frozen=True, slots=True)
class RainThresholds:
    """CMA rainstorm signal criteria (mm) and the clear margin (mm, default 5)."""

    blue_12h_mm: float = 50.0
    yellow_6h_mm: float = 50.0
    orange_3h_mm: float = 50.0
    red_3h_mm: float = 100.0
    clear_margin_mm: float = 5.0

    def rules(self) -> tuple[Rule, ...]:
        """Rules over the rolling accumulations of :mod:`streams.flood.accumulate`."""
        m = self.clear_margin_mm
        return (
            Rule(Level.BLUE, "rain_12h_mm", self.blue_12h_mm, m),
            Rule(Level.YELLOW, "rain_6h_mm", self.yellow_6h_mm, m),
            Rule(Level.ORANGE, "rain_3h_mm", self.orange_3h_mm, m),
            Rule(Level.RED, "rain_3h_mm", self.red_3h_mm, m),
        )


@dataclass(frozen=True, slots=True)
class WaterLevelThresholds:
    """A station's warning and guaranteed levels (m above its datum); no defaults exist."""

    warning_level_m: float
    guaranteed_level_m: float
    highest_level_m: float | None = None
    approach_m: float = 0.3
    clear_margin_m: float = 0.05

    def rules(self) -> tuple[Rule, ...]:
        """Rules over ``water_level_m``."""
        levels = (
            (Level.BLUE, self.warning_level_m - self.approach_m),
            (Level.YELLOW, self.warning_level_m),
            (Level.ORANGE, self.guaranteed_level_m),
            (Level.RED, self.highest_level_m),
        )
        return tuple(
            Rule(level, "water_level_m", m, self.clear_margin_m)
            for level, m in levels
            if m is not None
        )


@dataclass(frozen=True, slots=True)
class DepthThresholds:
    """Waterlogging depth levels (m); a level set to None is not used."""

    blue_m: float | None = None
    yellow_m: float | None = 0.20
    orange_m: float | None = None
    red_m: float | None = 0.27
    clear_margin_m: float = 0.03

    def rules(self) -> tuple[Rule, ...]:
        """Rules over ``waterlogging_depth_m``."""
        levels = (
            (Level.BLUE, self.blue_m),
            (Level.YELLOW, self.yellow_m),
            (Level.ORANGE, self.orange_m),
            (Level.RED, self.red_m),
        )
        return tuple(
            Rule(level, "waterlogging_depth_m", depth, self.clear_margin_m)
            for level, depth in levels
            if depth is not None
        )


@dataclass(frozen=True, slots=True)
class Assessment:
    """Level of one hazard now, the level held with cleared margins, and the rule that set it."""

    level: Level
    hold_level: Level
    trigger: Rule | None


def _met(values: Mapping[str, float], rule: Rule, *, relaxed: bool) -> bool:
    value = values.get(rule.measure)
    threshold = rule.threshold - (rule.clear if relaxed else 0.0)
    return value is not None and value >= threshold - EPSILON


def assess(values: Mapping[str, float], rules: Sequence[Rule]) -> Assessment:
    """The highest level whose rule is met, and the highest met with relaxed thresholds."""
    met = [r for r in rules if _met(values, r, relaxed=False)]
    held = [r.level for r in rules if _met(values, r, relaxed=True)]
    trigger = max(met, key=lambda r: r.level, default=None)
    return Assessment(
        level=trigger.level if trigger else Level.NONE,
        hold_level=max(held, default=Level.NONE),
        trigger=trigger,
    )
