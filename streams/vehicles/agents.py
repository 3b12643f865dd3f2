"""The vehicles agent: ``gps.fixes`` → last position and violation episodes → ``alerts``.

Consumes ``gps.fixes`` in batches. Records are decoded with the GPS contract;
invalid ones are skipped and counted (the intake agent dead-letters them
with the reason). Fixes of vehicles missing from the reference table
``vehicles`` are counted and skipped. Muck trucks' fixes of a batch are
checked against the permit corridors in one vectorised pass
(:mod:`streams.vehicles.compliance`); every fix then steps its vehicle's value
(:mod:`streams.vehicles.episodes`) in the table ``vehicles`` (keyed by vehicle
id, co-partitioned with ``gps.fixes``, whose key is the vehicle id).

Corridors come from the ``permits`` reference table (``citybrain reference
permits`` writes it from the compacted ``permits`` topic), forbidden zones
from the ``zones`` table. Both files are re-read when either changes (checked
before each batch); a file that cannot be read keeps the rules in use and is
logged. The sweeping limit comes from settings (``CITYBRAIN_SWEEP_MAX_KMH``,
``CITYBRAIN_SWEEP_OVER_S``).

**Exact under at-least-once delivery**, as the flood agent: per batch, read
the values, step, send every alert and wait for Kafka's acknowledgement, and
only then write the values. A crash before the writes repeats the same alerts
with the same ids (consumers drop them by ``event_id``); a redelivered fix
after the writes is a duplicate of ``last`` and sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import faust
from faust.types import EventT

from citybrain import reference
from citybrain.contracts import ContractViolation, decode, encode_row, gps
from citybrain.contracts.alert import TOPIC as ALERTS
from citybrain.contracts.alert import message_key
from citybrain.reference import read_table
from citybrain.settings import Settings
from citybrain.topics import spec
from streams import progress
from streams.faust_compat import event_context
from streams.guard import or_exit
from streams.vehicles import episodes, sweeping, web
from streams.vehicles.fleet import Fleet

TABLE = "vehicles"
log = logging.getLogger(__name__)
BATCH_MAX_EVENTS = 5_000
BATCH_WITHIN_S = 0.2


class PermitsFile(reference.ReferenceWatch):
    """The reference files ``permits`` and ``zones``: a new Fleet whenever either changed."""

    TABLES = ("permits", "zones")

    def __init__(
        self,
        reference_dir: Path,
        vehicles: Sequence[Mapping[str, Any]],
        *,
        sweep_max_kmh: float = sweeping.SWEEP_MAX_KMH,
        sweep_over_s: float = sweeping.SWEEP_OVER_S,
    ) -> None:
        self.vehicles = list(vehicles)
        self.sweep = {"sweep_max_kmh": sweep_max_kmh, "sweep_over_s": sweep_over_s}
        super().__init__(reference_dir)

    def fleet(self) -> Fleet:
        """The fleet with the files' permits and zones now (reference.ReferenceError if bad)."""
        return Fleet(
            vehicles=self.vehicles,
            permits=read_table(self.reference_dir, "permits"),
            zones=read_table(self.reference_dir, "zones"),
            **self.sweep,
        )

    build = fleet


class VehicleWatch:
    """Applies batches of fixes to the vehicles table and publishes opened alerts."""

    def __init__(
        self,
        *,
        table: faust.Table,
        out: faust.TopicT,
        fleet: Fleet,
        permits_file: PermitsFile | None = None,
        event_time_order: bool = False,
    ) -> None:
        self.table = table
        self.out = out
        self.permits_file = permits_file
        self.stats: dict[str, int] = defaultdict(int)
        self.use(fleet)
        self.lock = asyncio.Lock()
        self.progress = progress.Emitter("vehicles", gps.TOPIC, out, on=event_time_order)

    def use(self, fleet: Fleet) -> None:
        """Judge fixes with ``fleet`` from now on."""
        self.fleet = fleet
        self.stats["corridors"] = len(fleet.index.corridors)
        self.stats["zones"] = len(fleet.zones.zones)
        self.stats["unusable_permits"] = len(fleet.unusable_permits)
        for reason in fleet.unusable_permits:
            log.warning("vehicles: permit or zone left out of the rules: %s", reason)

    def reload_permits(self) -> None:
        """Use the permits file's new content, if it changed; keep the old on a bad file."""
        if self.permits_file is None:
            return
        try:
            fleet = self.permits_file.changed()
        except reference.ReferenceError as exc:
            self.stats["permit_reload_failures"] += 1
            log.error("vehicles: permits file not reloaded, keeping the corridors: %s", exc)
            return
        if fleet is not None:
            self.use(fleet)
            self.stats["permit_reloads"] += 1

    async def process(self, events: Sequence[EventT]) -> None:
        """Apply one batch of ``gps.fixes`` events, publish, then store."""
        async with self.lock:
            self.reload_permits()
            rows, kept_events = [], []
            for event in events:
                try:
                    row = decode(gps.TOPIC, event.value)
                except ContractViolation:
                    self.stats["invalid"] += 1
                    continue
                self.progress.note(event.message.partition, row["event_at"].timestamp())
                if row["vehicle_id"] not in self.fleet.vehicles:
                    self.stats["unknown_vehicle"] += 1
                    continue
                rows.append(row)
                kept_events.append(event)
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            last: dict[str, EventT] = {}
            messages: list[tuple[dict[str, Any], float]] = []  # with the fix time it was raised at
            for row, event, rules in zip(rows, kept_events, self.fleet.judge(rows), strict=True):
                key = row["vehicle_id"]
                if key not in before:
                    with event_context(event):
                        before[key] = after[key] = self.table.get(key)
                stepped = episodes.step(
                    after[key], row, compliance=rules, sustain_s=self.fleet.sustain_s
                )
                after[key], last[key] = stepped.value, event
                self.stats[stepped.verdict] += 1
                at_s = row["event_at"].timestamp()
                messages += [(self.fleet.alert(opened, key), at_s) for opened in stepped.opened]
            await self._publish(messages)
            await self.progress.send()
            for key, event in last.items():
                if after[key] != before[key]:
                    with event_context(event):
                        self.table[key] = after[key]
            self.stats["fixes"] += len(events)  # counted once stored

    async def _publish(self, messages: list[tuple[dict[str, Any], float]]) -> None:
        """Send alerts (keyed by ``message_key``) with the time each was raised at; return
        once Kafka has them all."""
        futures = [
            await self.out.send(
                key=message_key(m), value=encode_row(m), **self.progress.options(at_s)
            )
            for m, at_s in messages
        ]
        await asyncio.gather(*futures)
        self.stats["alerts"] += len(messages)


def build(app: faust.App, settings: Settings) -> VehicleWatch:
    """Declare the vehicles topic, table and agent on ``app``."""
    partitions = spec(gps.TOPIC).partitions
    source = app.topic(
        gps.TOPIC, key_serializer="raw", value_serializer="raw", partitions=partitions
    )
    out = app.topic(
        ALERTS, key_serializer="raw", value_serializer="raw", partitions=spec(ALERTS).partitions
    )
    table = app.Table(TABLE, partitions=partitions, key_type=str, value_type=None)
    permits_file = PermitsFile(
        settings.reference_path,
        read_table(settings.reference_path, "vehicles"),
        sweep_max_kmh=settings.sweep_max_kmh,
        sweep_over_s=settings.sweep_over_s,
    )
    watch = VehicleWatch(
        table=table,
        out=out,
        fleet=permits_file.fleet(),
        permits_file=permits_file,
        event_time_order=settings.event_time_order_idle_s is not None,
    )

    @app.agent(source, name="vehicles")
    async def watch_vehicles(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: watch.process(events), what="vehicles")

    web.register(app, table, watch.fleet, settings)
    return watch


def register(app: faust.App, settings: Settings) -> dict[str, int]:
    """Declare the vehicles domain on ``app``; return its live counters (for /metrics)."""
    return build(app, settings).stats
