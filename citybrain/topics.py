"""The topic registry: every Kafka topic citybrain uses, declared once.

The broker never auto-creates topics; ``citybrain topics create`` applies this
registry. Tables are co-partitioned with their source topics, so a table's
changelog is declared here with its source's partition count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

# Source topics feeding the hotspot table must share one partition count.
INCIDENT_PARTITIONS = 6


@dataclass(frozen=True)
class TopicSpec:
    """One topic: name, partitions, retention and cleanup policy."""

    name: str
    partitions: int
    retention_ms: int = 7 * DAY_MS
    compacted: bool = False
    description: str = ""
    extra_config: dict[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        """Kafka topic-level configuration for this spec."""
        cfg = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "retention.ms": "-1" if self.compacted else str(self.retention_ms),
        }
        cfg.update(self.extra_config)
        return cfg


def rejected(name: str) -> str:
    """Dead-letter topic of a source topic."""
    return f"{name}.rejected"


SOURCES: tuple[TopicSpec, ...] = (
    TopicSpec(
        "detections.video",
        INCIDENT_PARTITIONS,
        7 * DAY_MS,
        description="DeepStream full-schema messages, keyed by camera or area",
    ),
    TopicSpec("gps.fixes", 6, 7 * DAY_MS, description="vehicle fixes, keyed by vehicle id"),
    TopicSpec("hydro.readings", 3, 30 * DAY_MS, description="station readings, keyed by station"),
    TopicSpec("permits", 3, compacted=True, description="latest version of each permit"),
    TopicSpec(
        "reports.citizen",
        INCIDENT_PARTITIONS,
        30 * DAY_MS,
        description="citizen / 12345 reports, keyed by H3 res-8 area",
    ),
)

DERIVED: tuple[TopicSpec, ...] = (
    TopicSpec(
        "hotspots",
        INCIDENT_PARTITIONS,
        30 * DAY_MS,
        description="closed-window incident counts per H3 cell x category",
    ),
    TopicSpec(
        "video.candidates",
        INCIDENT_PARTITIONS,
        7 * DAY_MS,
        description="video episodes due for an alert, keyed by category x H3 res-6 area",
    ),
    TopicSpec("alerts", 3, 30 * DAY_MS, description="alerts for duty staff and the case engine"),
    TopicSpec("cases.commands", 3, 30 * DAY_MS, description="commands to the case engine"),
    TopicSpec("cases.events", 3, 365 * DAY_MS, description="accepted case transitions"),
    TopicSpec(
        "cases.alerts-by-place",
        6,
        7 * DAY_MS,
        description="alerts and reports to place in the case dedup index, keyed by category x area",
    ),
    TopicSpec(
        "cases.commands.rejected", 1, 30 * DAY_MS, description="refused case commands, with reasons"
    ),
    TopicSpec("alerts.rejected", 1, 30 * DAY_MS, description="alerts that broke their contract"),
)

DEAD_LETTERS: tuple[TopicSpec, ...] = tuple(
    TopicSpec(rejected(s.name), 1, 30 * DAY_MS, description=f"rejected records of {s.name}")
    for s in SOURCES
)


def changelog(app_id: str, table: str) -> str:
    """faust's changelog topic name for a table of app ``app_id``."""
    return f"{app_id}-{table}-changelog"


def table_changelogs(app_id: str) -> tuple[TopicSpec, ...]:
    """Changelogs of the worker's tables, co-partitioned with their sources."""
    return (
        TopicSpec(
            changelog(app_id, "hotspot_counts"),
            INCIDENT_PARTITIONS,
            compacted=True,
            description="hotspot window counts (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "flood_stations"),
            3,  # co-partitioned with hydro.readings
            compacted=True,
            description="flood station readings and alert lifecycles (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "cases"),
            3,  # co-partitioned with cases.commands
            compacted=True,
            description="case state by case id (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "case_history"),
            3,  # co-partitioned with cases.commands
            compacted=True,
            description="case events by case id (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "case_retired"),
            3,  # co-partitioned with cases.commands
            compacted=True,
            description=(
                "tombstones of retired cases, retirement clock and next command offset per "
                "partition (changelog)"
            ),
        ),
        TopicSpec(
            changelog(app_id, "case_dedup"),
            6,  # co-partitioned with cases.alerts-by-place
            compacted=True,
            description="open cases by category x H3 cell (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "case_intake_alerts"),
            3,  # co-partitioned with alerts
            compacted=True,
            description="the case intake's next offset per alerts partition (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "case_intake_reports"),
            INCIDENT_PARTITIONS,  # co-partitioned with reports.citizen
            compacted=True,
            description="the case intake's next offset per report partition (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "vehicles"),
            6,  # co-partitioned with gps.fixes
            compacted=True,
            description="last position and violation episodes by vehicle id (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "video_cameras"),
            INCIDENT_PARTITIONS,  # co-partitioned with detections.video
            compacted=True,
            description="tracked object episodes by camera id (table changelog)",
        ),
        TopicSpec(
            changelog(app_id, "video_places"),
            INCIDENT_PARTITIONS,  # co-partitioned with video.candidates
            compacted=True,
            description="open video alerts by category x area (table changelog)",
        ),
    )


def registry(app_id: str) -> tuple[TopicSpec, ...]:
    """Every topic the project creates for worker app ``app_id``."""
    return SOURCES + DERIVED + DEAD_LETTERS + table_changelogs(app_id)


def spec(name: str, app_id: str = "citybrain") -> TopicSpec:
    """The spec of one topic by name."""
    for s in registry(app_id):
        if s.name == name:
            return s
    raise KeyError(name)
